import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue } from '../events/encode.js';
import { EventView } from '../events/event-view.js';
import { compileFormat } from '../filter/output-format.js';
import { State } from './state.js';
import { SCAP_FD, SCAP_L4, type ScapFd, type ScapProcess, type ScapTables } from '../capture/scap/file-format.js';
import { fdSnapshotFromScap, loadScapTables, threadSnapshotFromScap } from './capture-tables.js';

function proc(over: Partial<ScapProcess> & { tid: number }): ScapProcess {
  return {
    pid: over.tid, ptid: 1, sid: over.tid, vpgid: over.tid, pgid: over.tid, comm: 'p', exe: 'p', exepath: '/usr/bin/p', args: [],
    env: [], cwd: '/', fdlimit: 1024, flags: 0, uid: 0, gid: 0, vmSizeKb: 10, vmRssKb: 5, vmSwapKb: 0, pfMajor: 1n, pfMinor: 2n,
    vtid: over.tid, vpid: over.tid, cgroups: ['cpu=/user.slice'], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 1000,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false,
    exeFromMemfd: false, exeIno: 7n, exeInoCtime: 0n, exeInoMtime: 0n, fds: [], ...over,
  };
}

const nginxFds: ScapFd[] = [
  { fd: 3, ino: 11n, type: SCAP_FD.FILE_V2, name: '/var/log/nginx/access.log', openFlags: 2, dev: 0x803 },
  { fd: 6, ino: 12n, type: SCAP_FD.IPV4_SERVSOCK, sip: '0.0.0.0', sport: 80, l4proto: SCAP_L4.TCP },
  // An accepted connection: /proc lists it with the local end first, as if we were the client.
  { fd: 7, ino: 13n, type: SCAP_FD.IPV4_SOCK, sip: '10.0.0.79', sport: 80, dip: '10.0.0.5', dport: 51000, l4proto: SCAP_L4.TCP },
  { fd: 8, ino: 14n, type: SCAP_FD.UNIX_SOCK, source: 0xffff1n, destination: 0xffff2n, name: '/run/nginx.sock' },
  { fd: 9, ino: 15n, type: SCAP_FD.FIFO, name: 'pipe:[99]' },
  { fd: 10, ino: 16n, type: SCAP_FD.IPV6_SOCK, sip: '::1', sport: 40000, dip: '::1', dport: 5432, l4proto: SCAP_L4.TCP },
  { fd: 11, ino: 17n, type: SCAP_FD.EVENTPOLL, name: 'anon_inode:[eventpoll]' },
];

const tables: ScapTables = {
  section: { major: 1, minor: 2, sectionLength: -1n },
  processes: [
    proc({ tid: 1, ptid: 0, comm: 'systemd', exepath: '/usr/lib/systemd/systemd' }),
    proc({ tid: 500, comm: 'nginx', exe: 'nginx: master', exepath: '/usr/sbin/nginx', args: ['-g', 'daemon off;'], cwd: '/srv', uid: 33, gid: 33, fds: nginxFds }),
    proc({ tid: 501, pid: 500, ptid: 1, comm: 'nginx', args: ['-g', 'daemon off;'], uid: 33, gid: 33, flags: 0x10 | 0x800 }),
  ],
  users: [{ uid: 33, gid: 33, name: 'www-data', homedir: '/var/www', shell: '/usr/sbin/nologin' }],
  groups: [{ gid: 33, name: 'www-data' }],
  interfaces: [
    { family: 'ipv4', name: 'lo', addr: '127.0.0.1', netmask: '255.0.0.0', bcast: '127.0.0.1', linkspeed: 0n },
    { family: 'ipv4', name: 'eth0', addr: '10.0.0.79', netmask: '255.255.255.0', bcast: '10.0.0.255', linkspeed: 0n },
  ],
  skippedBlocks: [],
};

/** One exit event of thread `tid` through the state, printed with `fmt`. */
function print(state: State, fmt: string, name: string, tid: number, params: ParamValue[]): string {
  const rec = encodeEvent({ ts: 1_700_000_000_000_000_000n, tid, type: eventCode(name), params });
  return compileFormat(fmt).render(state.process(new EventView().reset(rec, 0, 1)));
}

test('fd list entries map to the state\'s fd kinds, sockets to client/server ends', () => {
  assert.deepEqual(fdSnapshotFromScap(nginxFds[0]!), { fd: 3, type: 'file', ino: 11, openFlags: 2, dev: 0x803, name: '/var/log/nginx/access.log' });
  assert.deepEqual(fdSnapshotFromScap(nginxFds[1]!), { fd: 6, type: 'ipv4_server', ino: 12, ip: '0.0.0.0', port: 80, l4proto: 'tcp' });
  assert.equal(fdSnapshotFromScap(nginxFds[4]!).type, 'pipe');
  assert.equal(fdSnapshotFromScap({ fd: 1, ino: 0n, type: SCAP_FD.MEMFD, name: 'memfd:x' }).type, 'memfd');
  assert.equal(fdSnapshotFromScap({ fd: 1, ino: 0n, type: 99 }).type, 'unsupported');
  const t = threadSnapshotFromScap(tables.processes[1]!);
  assert.equal(t.exeIno, 7);
  assert.equal(t.fds?.length, nginxFds.length);
  assert.deepEqual(t.args, ['-g', 'daemon off;']);
});

test('a capture\'s tables seed threads, fds, users and the local interfaces', () => {
  const state = new State({ hostUsers: false, containerLookup: false });
  try {
    const loaded = loadScapTables(state, tables);
    assert.deepEqual(loaded, { threads: 3, users: 1, groups: 1, interfaces: 2 });
    assert.equal(state.thread(501)?.comm, 'nginx');
    assert.equal(state.mainThread(state.thread(501)!)?.tid, 500);
    const fmt = '%proc.name %proc.pname %proc.cmdline %proc.cwd %user.name %user.homedir %group.name %thread.ismain';
    assert.equal(print(state, fmt, 'brk', 501, [0, 0, 0, 0, 0]), 'nginx systemd nginx -g daemon off; /srv/ www-data /var/www www-data false');
    const fd = (n: number) => print(state, '*%fd.name|%fd.type|%fd.typechar|%fd.cip|%fd.sip|%fd.sport|%fd.lip|%fd.rip|%fd.is_server|%fd.l4proto', 'fstat', 500, [0, n]);
    assert.equal(fd(3), '/var/log/nginx/access.log|file|f|<NA>|<NA>|<NA>|<NA>|<NA>|false|<NA>');
    // A listening socket from the table has no role yet: only its port shows (libsinsp does the same).
    assert.equal(fd(6), '0.0.0.0:80|ipv4|4|<NA>|<NA>|80|<NA>|<NA>|true|tcp');
    // Port 80 is one this process listens on: the connection is turned around, nginx is the server.
    assert.equal(fd(7), '10.0.0.5:51000->10.0.0.79:80|ipv4|4|10.0.0.5|10.0.0.79|80|10.0.0.79|10.0.0.5|true|tcp');
    assert.equal(fd(8), '/run/nginx.sock|unix|u|<NA>|<NA>|<NA>|<NA>|<NA>|false|<NA>');
    assert.equal(fd(9), 'pipe:[99]|pipe|p|<NA>|<NA>|<NA>|<NA>|<NA>|false|<NA>');
    // IPv6 sockets from a table get no role: no ends, no protocol; ::1 is not among these interfaces.
    assert.equal(fd(10), '::1:40000->::1:5432|ipv6|6|<NA>|<NA>|<NA>|<NA>|<NA>|false|<NA>');
    assert.equal(fd(11), 'anon_inode:[eventpoll]|eventpoll|l|<NA>|<NA>|<NA>|<NA>|<NA>|false|<NA>');
    assert.equal(state.interfaces.isLocal('10.0.0.79'), true);
    assert.equal(state.interfaces.isLocal('192.168.1.1'), false);
  } finally {
    state.close();
  }
});
