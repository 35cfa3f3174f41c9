import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, eventCode, EVENT_TABLE, EVT_HDR_SIZE, eventName, EventView, renderArgs } from '../../events/index.js';
import { hasSysdig, peerCapture, sysdigLines } from '../../testing/shared.js';
import { SCAP_FD, type ScapProcess, type ScapTables } from './file-format.js';
import { readScap, scapItems, type ScapSource } from './reader.js';
import { ScapWriter, ipv6Bytes } from './writer.js';

const tmp = mkdtempSync(join(tmpdir(), 'saker-scap-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function proc(over: Partial<ScapProcess>): ScapProcess {
  return {
    tid: 1, pid: 1, ptid: 0, sid: 1, vpgid: 1, pgid: 1, comm: 'init', exe: '/sbin/init', exepath: '/sbin/init', args: [], env: [],
    cwd: '/', fdlimit: 1024, flags: 0, uid: 0, gid: 0, vmSizeKb: 10, vmRssKb: 5, vmSwapKb: 0, pfMajor: 1n, pfMinor: 2n, vtid: 1,
    vpid: 1, cgroups: ['cpu=/'], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff, exeWritable: false,
    capInheritable: 0n, capPermitted: 0x1ffn, capEffective: 0x1ffn, exeUpperLayer: false, exeLowerLayer: false,
    exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, fds: [], ...over,
  };
}

const TABLES: Pick<ScapTables, 'machine' | 'processes' | 'users' | 'groups' | 'interfaces'> = {
  machine: { numCpus: 2, memorySizeBytes: 1n << 34n, maxPid: 4194304n, hostname: 'saker-test', bootTsEpoch: 0n, flags: 0n },
  processes: [
    proc({}),
    proc({
      tid: 4242, pid: 4242, ptid: 1, comm: 'myproc', exe: '/usr/bin/myproc', args: ['-x', 'value'], cwd: '/tmp/', uid: 1000,
      fds: [
        { fd: 5, ino: 77n, type: SCAP_FD.FILE_V2, openFlags: 1, name: '/var/log/app.log', dev: 8 },
        { fd: 6, ino: 0n, type: SCAP_FD.IPV4_SOCK, sip: '10.0.0.1', dip: '192.168.1.2', sport: 40000, dport: 443, l4proto: 2 },
        { fd: 7, ino: 0n, type: SCAP_FD.IPV6_SOCK, sip: '2001:db8::1', dip: '::ffff:1.2.3.4', sport: 1, dport: 2, l4proto: 3 },
        { fd: 8, ino: 0n, type: SCAP_FD.MEMFD, name: 'memfd:x' },
      ],
    }),
  ],
  users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }, { uid: 1000, gid: 1000, name: 'alice', homedir: '/home/alice', shell: '/bin/bash' }],
  groups: [{ gid: 0, name: 'root' }, { gid: 1000, name: 'alice' }],
  interfaces: [
    { family: 'ipv4', name: 'lo', addr: '127.0.0.1', netmask: '255.0.0.0', bcast: '127.0.0.1', linkspeed: 0n },
    { family: 'ipv6', name: 'eth0', addr: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', bcast: '::', linkspeed: 1000n },
  ],
};

const TS = 1700000000000000000n;
// write enter: an old event version now, still a valid record for sysdig (it resolves fd.name from it).
const WRITE_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_SYSCALL_WRITE_E');
function syntheticEvents(): Buffer[] {
  return [
    encodeEvent({ ts: TS, tid: 4242, type: eventCode('openat'), params: [3, -100, '/etc/shadow', 1, 0, 0x803, 1234] }),
    encodeEvent({ ts: TS + 1n, tid: 4242, type: WRITE_E, params: [5, 100] }),
    // sysdig 0.29 knows setuid exit with 1 parameter and does not print it without its enter event.
    encodeEvent({ ts: TS + 2n, tid: 4242, type: eventCode('setuid'), params: [0, 1000] }),
  ];
}

async function writeSynthetic(path: string, gzip: boolean): Promise<void> {
  const w = new ScapWriter(path, { gzip, sysdigCompat: true });
  w.writeTables(TABLES);
  for (const e of syntheticEvents()) w.writeEvent(e, 1);
  await w.close();
}

test('tables and events written by ScapWriter read back unchanged', async () => {
  for (const gzip of [false, true]) {
    const f = join(tmp, `synthetic${gzip ? '.gz' : ''}.scap`);
    await writeSynthetic(f, gzip);
    assert.equal(readFileSync(f)[0] === 0x1f, gzip);
    let tables: ScapTables | undefined;
    const lines: string[] = [];
    await readScap(f, { tables: (t) => void (tables = t), event: (e) => void lines.push(`${e.cpu} ${eventName(e)} ${renderArgs(e)}`) }, { convert: false });
    assert.ok(tables);
    assert.deepEqual(tables.machine, TABLES.machine);
    assert.deepEqual(tables.users, TABLES.users);
    assert.deepEqual(tables.groups, TABLES.groups);
    assert.deepEqual(tables.interfaces, TABLES.interfaces);
    const p = tables.processes[1]!;
    assert.equal(p.comm, 'myproc');
    assert.deepEqual(p.args, ['-x', 'value']);
    assert.equal(p.capPermitted, 0x1ffn);
    // memfd is not a type sysdig 0.29 knows: written as unsupported.
    assert.deepEqual(p.fds.map((x) => [x.fd, x.type, x.name ?? x.sip]), [[5, SCAP_FD.FILE_V2, '/var/log/app.log'], [6, SCAP_FD.IPV4_SOCK, '10.0.0.1'], [7, SCAP_FD.IPV6_SOCK, '2001:db8::1'], [8, SCAP_FD.UNSUPPORTED, 'memfd:x']]);
    assert.equal(p.fds[2]!.dip, '::ffff:1.2.3.4');
    // sysdigCompat cut openat to the 6 parameters sysdig's table has.
    assert.deepEqual(lines, [
      '1 openat fd=3 dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803',
      '1 write fd=5 size=100',
      '1 setuid res=0',
    ]);
  }
});

test('sysdigFdTypes writes fd types sysdig 0.29 does not know as unsupported, events untouched', async (t) => {
  const f = join(tmp, 'fdtypes.scap');
  const w = new ScapWriter(f, { sysdigFdTypes: true });
  const fds = [
    { fd: 3, ino: 0n, type: SCAP_FD.BPF, name: 'anon_inode:bpf-map' }, { fd: 4, ino: 0n, type: SCAP_FD.PIDFD, name: 'anon_inode:[pidfd]' },
    { fd: 5, ino: 0n, type: SCAP_FD.EVENTPOLL, name: 'anon_inode:[eventpoll]' }, { fd: 6, ino: 9n, type: SCAP_FD.FILE_V2, openFlags: 1, name: '/etc/passwd', dev: 1 },
  ];
  w.writeTables({ ...TABLES, processes: [proc({ tid: 4242, pid: 4242, comm: 'myproc', fds })] });
  // An openat with all 7 parameters (sysdig 0.29 has 6) and a dup2 (a code it does not know): both kept.
  w.writeEvent(syntheticEvents()[0]!, 0);
  w.writeEvent(encodeEvent({ ts: TS + 5n, tid: 4242, type: eventCode('dup2'), params: [7, 6, 7] }), 0);
  await w.close();
  let got: ScapTables | undefined;
  const lines: string[] = [];
  await readScap(f, { tables: (x) => void (got = x), event: (e) => void lines.push(`${eventName(e)} ${renderArgs(e)}`) }, { convert: false });
  assert.deepEqual(got!.processes[0]!.fds.map((x) => [x.fd, x.type, x.name]), [
    [3, SCAP_FD.UNSUPPORTED, 'anon_inode:bpf-map'], [4, SCAP_FD.UNSUPPORTED, 'anon_inode:[pidfd]'],
    [5, SCAP_FD.EVENTPOLL, 'anon_inode:[eventpoll]'], [6, SCAP_FD.FILE_V2, '/etc/passwd'],
  ]);
  assert.deepEqual(lines, ['openat fd=3 dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803 ino=1234', 'dup2 res=7 oldfd=6 newfd=7']);
  if (!hasSysdig()) return t.skip('sysdig is not installed');
  // sysdig opens it (with a bpf fd in the table it refuses: "wrong fd type 17") and reads the event it knows.
  assert.deepEqual(sysdigLines(f, '%evt.type %fd.name'), ['openat /etc/shadow']);
});

/** `rec` with one more parameter, `extra`, past its table's: the live sensor's layout for opens. */
function withOwnParam(rec: Buffer, extra: Buffer): Buffer {
  const n = rec.readUInt32LE(22);
  const lens = EVT_HDR_SIZE + n * 2;
  const out = Buffer.concat([rec.subarray(0, lens), Buffer.alloc(2), rec.subarray(lens), extra]);
  out.writeUInt32LE(out.length, 16);
  out.writeUInt32LE(n + 1, 22);
  out.writeUInt16LE(extra.length, lens);
  return out;
}

test('the sensor\'s own parameter past libs\' is not an argument and stays out of the file (libscap refuses it)', async () => {
  const rec = withOwnParam(syntheticEvents()[0]!, Buffer.from('/etc/shadow\0'));
  const view = new EventView();
  assert.equal(view.load(rec, 0, 1, 0, rec.length), undefined);
  assert.equal(view.nparams, 8);
  const args = 'fd=3 dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803 ino=1234';
  assert.equal(renderArgs(view), args);
  const f = join(tmp, 'own-param.scap');
  const w = new ScapWriter(f);
  w.writeTables(TABLES);
  w.writeEvent(view, 0);
  await w.close();
  const got: Array<[number, string]> = [];
  await readScap(f, { event: (e) => void got.push([e.nparams, renderArgs(e)]) }); // with libscap's converter
  assert.deepEqual(got, [[7, args]]);
});

test('sysdig reads the tables of a synthesized capture', async (t) => {
  if (!hasSysdig()) return t.skip('sysdig is not installed');
  for (const gzip of [false, true]) {
    const f = join(tmp, `sysdig${gzip ? '.gz' : ''}.scap`);
    await writeSynthetic(f, gzip);
    const lines = sysdigLines(f, '%evt.num %evt.cpu %evt.type %proc.name %proc.cmdline %proc.cwd %user.name %fd.name %evt.args');
    assert.deepEqual(lines.map((l) => l.trimEnd()), [
      '1 1 openat myproc myproc -x value /tmp/ alice /etc/shadow fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803',
      '2 1 write myproc myproc -x value /tmp/ alice /var/log/app.log fd=5(<f>/var/log/app.log) size=100',
    ]);
    const net = sysdigLines(f, '%fd.num %fd.name %fd.l4proto', 'fd.num>=6');
    assert.equal(net.length, 0); // no event uses fds 6-7; their tables still parse (checked above)
  }
});

/** Copies every table block of `input`, then the events `keep` accepts, read in the file's own versions. */
async function copyScap(input: ScapSource, output: string, keep: (evt: EventView) => boolean, gzip = false): Promise<{ read: number; written: number }> {
  const w = new ScapWriter(output, { gzip });
  let read = 0;
  try {
    for await (const item of scapItems(input, { convert: false })) {
      if (item.kind === 'tables') {
        w.writeTables(item.tables);
        continue;
      }
      read++;
      if (keep(item.evt)) w.writeEvent(item.evt, item.evt.cpu, item.flags);
      if (w.wantsFlush) await w.flush();
    }
  } finally {
    await w.close();
  }
  return { read, written: w.events };
}

test('a peer capture copied with the writer prints the same in sysdig', async (t) => {
  if (!hasSysdig()) return t.skip('sysdig is not installed');
  for (const name of ['curl_google.scap', 'single_ipv6_conn.scap', 'test_ipv6_client.scap']) {
    const src = peerCapture(name);
    if (!src) return t.skip('../shared/peers/scap is absent');
    const out = join(tmp, `copy-${name}`);
    const r = await copyScap(src, out, () => true, true);
    assert.equal(r.read, r.written);
    const fmt = '%evt.num %evt.rawtime %thread.tid %evt.type %evt.args %proc.name %proc.cmdline %fd.name %user.name';
    assert.deepEqual(sysdigLines(out, fmt), sysdigLines(src, fmt), name);
  }
});

test('the writer copies a capture\'s tables and the events chosen', async (t) => {
  const src = peerCapture('curl_google.scap');
  if (!src) return t.skip('../shared/peers/scap is absent');
  const out = join(tmp, 'filtered.scap');
  const r = await copyScap(src, out, (e) => eventName(e) === 'open');
  assert.ok(r.written > 0 && r.written < r.read);
  let procs = 0;
  const names = new Set<string>();
  const s = await readScap(out, { tables: (tb) => void (procs = tb.processes.length), event: (e) => void names.add(eventName(e)) }, { convert: false });
  assert.equal(s.events, r.written);
  assert.ok(procs > 50);
  assert.deepEqual([...names], ['open']);
  if (hasSysdig()) assert.equal(sysdigLines(out, '%evt.type').length, r.written);
});

test('ipv6 text converts to bytes and back', async () => {
  const { ipv6 } = await import('../../events/index.js');
  for (const s of ['::', '::1', '2001:db8::3', 'fe80::1:2', '1:2:3:4:5:6:7:8', '::ffff:10.1.2.3', '2001:db8::1:0:0:1']) {
    assert.equal(ipv6(ipv6Bytes(s), 0), s);
  }
});
