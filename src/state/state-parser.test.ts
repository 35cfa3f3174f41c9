import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue, EventView } from '../events/index.js';
import { StateParser, fdNameFromEvent } from './state-parser.js';
import { FD_TYPES } from './types.js';
import { fdL4proto } from './fds.js';
import { MAX_CAPS, PPM_CL, PPM_EXE, PPM_O } from './ppm.js';
import { encodeSockAddr, encodeSockTuple } from './sockaddr.js';
import { loadSnapshots, type FdSnapshot, type ThreadSnapshot } from './snapshot.js';
import { ThreadTable } from './threads.js';
import { hostInterfaces } from './interfaces.js';

/** The host's interfaces complete the sockets' local ends. */
const IFS = hostInterfaces();

const S = 1_000_000_000n;
let clock = 1_700_000_000n * S;

/** One event, `dt` ns after the previous one. */
function ev(name: string, tid: number, params: ParamValue[], opts: { enter?: boolean; dt?: bigint } = {}): EventView {
  clock += opts.dt ?? 1000n;
  const rec = encodeEvent({ ts: clock, tid, type: eventCode(name, !opts.enter), params });
  return new EventView().reset(rec, 0, 1);
}

const nul = (...xs: string[]): Buffer => Buffer.from(xs.map((x) => x + '\0').join(''));

function snap(tid: number, pid: number, ptid: number, more: Partial<ThreadSnapshot> = {}): ThreadSnapshot {
  return {
    tid, pid, ptid, sid: pid, vpgid: pid, pgid: pid, vtid: tid, vpid: pid, comm: `p${pid}`, exe: `/bin/p${pid}`,
    exepath: `/usr/bin/p${pid}`, args: ['-x'], env: ['HOME=/root'], cwd: '/', uid: 0, gid: 0, loginuid: 1000,
    capPermitted: 0x1ffn, capEffective: 0x1ffn, capInheritable: 0n, cgroups: [], tty: 34816,
    flags: tid === pid ? 0 : PPM_CL.CLONE_THREAD | PPM_CL.CLONE_FILES, ...more,
  };
}

const file = (fd: number, name: string, openFlags = PPM_O.RDONLY): FdSnapshot => ({ fd, type: 'file', name, openFlags });

/** A parser over: init(1) -> bash(100, cwd /home/u) with fds 0,1 and a close-on-exec fd 5. */
function world(): StateParser {
  const threads = new ThreadTable();
  loadSnapshots(threads, [
    snap(1, 1, 0, { comm: 'systemd', exepath: '/usr/lib/systemd/systemd' }),
    snap(100, 100, 1, {
      comm: 'bash', exe: '-bash', exepath: '/usr/bin/bash', cwd: '/home/u', env: ['TERM=xterm', 'USER=u'],
      fds: [file(0, '/dev/pts/0', PPM_O.RDWR), file(1, '/dev/pts/0', PPM_O.RDWR), file(5, '/etc/ld.so.cache', PPM_O.RDONLY | PPM_O.CLOEXEC)],
    }),
  ], { interfaces: IFS });
  return new StateParser({ threads, bootTs: 1_690_000_000n * S });
}

/** clone exit parameters: [res, exe, args, tid, pid, ptid, cwd, fdlimit, ...vm, comm, cgroups, flags, uid, gid, vtid, vpid, ns]. */
function cloneParams(res: number, tid: number, pid: number, ptid: number, flags: number, comm = 'bash'): ParamValue[] {
  return [res, '/usr/bin/bash', nul('-c', 'ls'), tid, pid, ptid, '', 1024, 0, 0, 0, 0, 0, comm,
    nul('cpu=/', 'memory=/user.slice'), flags, 1000, 1000, tid, pid, 0];
}

test('clone: the parent event creates the child, which copies fds, cwd and env', () => {
  const p = world();
  const ctx = p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  assert.equal(ctx.thread?.tid, 100, 'the event belongs to the caller');
  const child = p.threads.get(200)!;
  assert.ok(child);
  assert.equal(child.pid, 200);
  assert.equal(child.ptid, 100);
  assert.equal(child.comm, 'bash');
  assert.deepEqual(child.args, ['-c', 'ls']);
  assert.equal(child.exepath, '/usr/bin/bash', 'exepath comes from the parent');
  assert.equal(child.loginuid, 1000);
  assert.equal(child.tty, 34816);
  assert.equal(child.uid, 1000);
  assert.equal(child.cwd, '/home/u/');
  assert.deepEqual(child.env, ['TERM=xterm', 'USER=u']);
  assert.deepEqual([...child.shared.fds.keys()].sort(), [0, 1, 5]);
  assert.notEqual(child.shared, p.threads.get(100)!.shared, 'a new process has its own fd table');
  assert.deepEqual(child.cgroups, ['cpu=/', 'memory=/user.slice']);
  assert.equal(child.cloneTs, clock);
  assert.ok(p.threads.get(100)!.children.has(child));
  // The child's own clone exit right after changes nothing.
  const again = p.process(ev('clone', 200, cloneParams(0, 200, 200, 100, 0)));
  assert.equal(again.thread, child);
  assert.equal(p.threads.get(200), child);
});

test('clone: the child event may come first; the parent event then leaves it alone', () => {
  const p = world();
  const ctx = p.process(ev('clone', 201, cloneParams(0, 201, 201, 100, 0, 'worker')));
  const child = p.threads.get(201)!;
  assert.equal(ctx.thread, child);
  assert.ok(child.flags & PPM_CL.CLONE_INVERTED);
  assert.equal(child.comm, 'worker');
  assert.equal(child.cwd, '/home/u/');
  assert.deepEqual([...child.shared.fds.keys()].sort(), [0, 1, 5]);
  p.process(ev('clone', 100, cloneParams(201, 100, 100, 1, 0)));
  assert.equal(p.threads.get(201), child, 'the inverted entry is kept');
});

test('clone: a thread shares its process fd table and cwd', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(101, 100, 100, 1, PPM_CL.CLONE_THREAD | PPM_CL.CLONE_VM)));
  const th = p.threads.get(101)!;
  const main = p.threads.get(100)!;
  assert.equal(th.pid, 100);
  assert.equal(th.ptid, 1, 'a thread has its process parent as parent');
  assert.equal(th.shared, main.shared);
  assert.equal(p.threads.mainThread(th), main);
  // An fd opened by the thread is the process's.
  p.process(ev('openat', 101, [7, -100, 'notes.txt', PPM_O.RDWR, 0, 0, 0]));
  assert.equal(main.shared.fds.get(7)?.name, '/home/u/notes.txt');
});

test('clone: a child in a new pid namespace is created by its own event only', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(300, 100, 100, 1, PPM_CL.CLONE_NEWPID)));
  assert.equal(p.threads.get(300), undefined);
  const params = cloneParams(0, 300, 300, 100, PPM_CL.CLONE_NEWPID);
  params[18] = 1; // vtid
  params[19] = 1; // vpid
  params[20] = 5n * S; // pidns init start, since boot
  p.process(ev('clone', 300, params));
  const c = p.threads.get(300)!;
  assert.equal(c.vpid, 1);
  assert.equal(c.vtid, 1);
  assert.equal(c.pidnsInitStartTs, 1_690_000_005n * S, 'relative to boot');
});

function execParams(res: number, tid: number, more: { exe?: string; comm?: string; exepath?: string; env?: Buffer } = {}): ParamValue[] {
  return [res, more.exe ?? 'python3', nul('script.py', '--fast'), tid, tid, 100, '/home/u', 4096, 0, 0, 0, 0, 0,
    more.comm ?? 'python3', nul('memory=/user.slice/user-1000.slice'), more.env ?? nul('PATH=/usr/bin', 'LANG=C'), 34817, tid,
    1001, PPM_EXE.UPPER_LAYER, 0n, 0x3n, 0x1n, 4242, 10n * S, 11n * S, 1001, more.exepath ?? '/usr/bin/python3.11', tid, 1001,
    '/usr/bin/python3'];
}

test('execve: overwrites the process and drops close-on-exec fds', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  p.process(ev('clone', 200, cloneParams(202, 200, 200, 100, PPM_CL.CLONE_THREAD)));
  assert.ok(p.threads.get(202));
  const ctx = p.process(ev('execve', 200, execParams(0, 200)));
  const t = ctx.thread!;
  assert.equal(t.tid, 200);
  assert.equal(t.comm, 'python3');
  assert.equal(t.exe, 'python3');
  assert.deepEqual(t.args, ['script.py', '--fast']);
  assert.equal(t.exepath, '/usr/bin/python3.11', 'exepath is trusted_exepath, not the filename');
  assert.deepEqual(t.env, ['PATH=/usr/bin', 'LANG=C']);
  assert.equal(t.tty, 34817);
  assert.equal(t.loginuid, 1001);
  assert.equal(t.uid, 1001);
  assert.equal(t.gid, 1001);
  assert.equal(t.capPermitted, 3n);
  assert.equal(t.capEffective, 1n);
  assert.equal(t.exeFlags, PPM_EXE.UPPER_LAYER);
  assert.equal(t.exeIno, 4242);
  assert.equal(t.exeInoCtime, 10n * S);
  assert.equal(t.pgid, 200);
  assert.equal(t.lastExecTs, clock);
  assert.deepEqual(t.cgroups, ['memory=/user.slice/user-1000.slice']);
  assert.deepEqual([...t.shared.fds.keys()].sort(), [0, 1], 'the close-on-exec fd 5 is gone');
  assert.equal(p.threads.get(202), undefined, 'other threads of the process are gone');
  assert.equal(p.threads.get(100)!.shared.fds.has(5), true, 'the parent keeps its own fd');
});

test('execve: a failed exec changes nothing; an exec by a placeholder fills it in', () => {
  const p = world();
  p.process(ev('execve', 100, execParams(-2, 100)));
  assert.equal(p.threads.get(100)!.comm, 'bash');
  assert.equal(p.threads.get(100)!.shared.fds.has(5), true);

  const ctx = p.process(ev('close', 777, [0, 3]));
  const ghost = ctx.thread!;
  assert.equal(ghost.comm, '<NA>');
  assert.equal(ghost.invalid, true);
  p.process(ev('execve', 777, execParams(0, 777)));
  assert.equal(ghost.invalid, false);
  assert.equal(ghost.pid, 777);
  assert.equal(ghost.ptid, 100);
  assert.equal(ghost.comm, 'python3');
  assert.ok(p.threads.get(100)!.children.has(ghost));
});

test('procexit: the thread goes after its event and its children move to the reaper', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  p.process(ev('clone', 200, cloneParams(300, 200, 200, 100, 0)));
  p.process(ev('clone', 200, cloneParams(301, 200, 200, 100, 0)));
  const exit = p.process(ev('procexit', 200, [0, 0, 0, 0, 100], { enter: true }));
  assert.equal(exit.thread?.tid, 200, 'the exiting thread is still there for its own event');
  assert.ok(p.threads.get(200)!.dead);
  p.process(ev('close', 300, [0, 1]));
  assert.equal(p.threads.get(200), undefined);
  for (const tid of [300, 301]) {
    const c = p.threads.get(tid)!;
    assert.equal(c.ptid, 100, 'reparented to the reaper the kernel named');
    assert.ok(p.threads.get(100)!.children.has(c));
  }
  assert.equal(p.threads.ancestor(p.threads.get(300)!, 1)?.comm, 'bash');
  assert.equal(p.threads.ancestor(p.threads.get(300)!, 2)?.comm, 'systemd');
});

test('procexit: without a kernel reaper the closest subreaper adopts, else nobody (ptid 0)', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  p.process(ev('clone', 200, cloneParams(300, 200, 200, 100, 0)));
  // bash becomes a child subreaper.
  p.process(ev('prctl', 100, [0, 36, '', 1]));
  p.process(ev('procexit', 200, [0, 0, 0, 0, 0], { enter: true }));
  p.process(ev('close', 300, [0, 1]));
  assert.equal(p.threads.get(300)!.ptid, 100);

  const q = world();
  q.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  q.process(ev('clone', 200, cloneParams(300, 200, 200, 100, 0)));
  q.process(ev('procexit', 200, [0, 0, 0, 0, 0], { enter: true }));
  q.process(ev('close', 300, [0, 1]));
  assert.equal(q.threads.get(300)!.ptid, 1, 'init (pid 1) is a reaper');
});

test('procexit of a main thread keeps the process while another thread lives', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(101, 100, 100, 1, PPM_CL.CLONE_THREAD)));
  p.process(ev('procexit', 100, [0, 0, 0, 0, 0], { enter: true }));
  p.process(ev('close', 101, [0, 1]));
  assert.ok(p.threads.get(100), 'the dead main thread stays while 101 lives');
  assert.ok(p.threads.get(100)!.dead);
  assert.equal(p.threads.get(101)!.shared.fds.has(0), true);
  p.process(ev('procexit', 101, [0, 0, 0, 0, 0], { enter: true }));
  p.process(ev('close', 1, [0, 99]));
  assert.equal(p.threads.get(101), undefined);
  assert.equal(p.threads.get(100), undefined);
  assert.equal(p.threads.groups.has(100), false);
});

test('a late parent clone does not recreate a child that already exited', () => {
  const p = world();
  p.process(ev('clone', 250, cloneParams(0, 250, 250, 100, 0)));
  p.process(ev('procexit', 250, [0, 0, 0, 0, 0], { enter: true }));
  p.process(ev('clone', 100, cloneParams(250, 100, 100, 1, 0)));
  assert.equal(p.threads.get(250), undefined);
});

test('ancestors: the n-th parent process, and a loop in ptid links ends the walk', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  p.process(ev('clone', 200, cloneParams(201, 200, 200, 100, PPM_CL.CLONE_THREAD)));
  const th = p.threads.get(201)!;
  assert.equal(p.threads.ancestor(th, 0)?.tid, 200, 'ancestor 0 is the own process');
  assert.equal(p.threads.ancestor(th, 1)?.tid, 100);
  assert.equal(p.threads.ancestor(th, 2)?.tid, 1);
  assert.equal(p.threads.ancestor(th, 3), undefined);
  const names: string[] = [];
  assert.equal(p.threads.forEachAncestor(p.threads.get(200)!, (a) => (names.push(a.comm), true)), true);
  assert.deepEqual(names, ['bash', 'systemd']);
  // Corrupt the links into a loop: the walk must still end.
  p.threads.get(1)!.ptid = 200;
  let steps = 0;
  assert.equal(p.threads.forEachAncestor(p.threads.get(200)!, () => ++steps < 1000), false);
  assert.ok(steps < 10);
});

test('files: names from cwd, dirfd and relative paths; failed opens still name the path', () => {
  const p = world();
  let ctx = p.process(ev('openat', 100, [3, -100, '/etc', PPM_O.RDONLY | PPM_O.DIRECTORY, 0, 0, 0]));
  assert.equal(ctx.fd?.type, 'directory');
  ctx = p.process(ev('openat', 100, [4, 3, 'ssh/../passwd', PPM_O.RDONLY, 0, 2049, 1234]));
  assert.equal(ctx.fdNum, 4);
  assert.equal(ctx.fd?.name, '/etc/passwd');
  assert.equal(ctx.fd?.nameRaw, 'ssh/../passwd');
  assert.equal(ctx.fd?.ino, 1234);
  assert.equal(ctx.fd?.dev, 2049);
  assert.equal(ctx.fdNameChanged, true, 'a new fd has a new name');
  ctx = p.process(ev('open', 100, [6, './a//b/../c.txt', PPM_O.WRONLY | PPM_O.CREAT | PPM_O.F_CREATED, 0o644, 0, 0]));
  assert.equal(ctx.fd?.name, '/home/u/a/c.txt');
  assert.equal(FD_TYPES[ctx.fd.type], 'f');
  ctx = p.process(ev('openat', 100, [7, -100, '../../tmp/x', PPM_O.RDWR, 0, 0, 0]));
  assert.equal(ctx.fd?.name, '/tmp/x');
  ctx = p.process(ev('openat2', 100, [8, 3, 'hosts', PPM_O.RDONLY, 0, 0, 0, 0]));
  assert.equal(ctx.fd?.name, '/etc/hosts');
  ctx = p.process(ev('creat', 100, [9, 'new.sh', 0o755, 0, 0, 1]));
  assert.equal(ctx.fd?.name, '/home/u/new.sh');
  assert.ok(ctx.fd.openFlags & PPM_O.FD_UPPER_LAYER);

  // Failures: no fd, fd.num -1, but the name resolves from the event.
  ctx = p.process(ev('openat', 100, [-13, -100, 'secret/key', PPM_O.RDONLY, 0, 0, 0]));
  assert.equal(ctx.fd, undefined);
  assert.equal(ctx.fdNum, -1);
  assert.equal(fdNameFromEvent(ctx.evt, ctx.thread, p.paths), '/home/u/secret/key');
  ctx = p.process(ev('open', 100, [-2, '/nonexistent//x', PPM_O.RDONLY, 0, 0, 0]));
  assert.equal(ctx.fdNum, -1);
  assert.equal(fdNameFromEvent(ctx.evt, ctx.thread, p.paths), '/nonexistent//x', 'absolute paths stay raw');
  ctx = p.process(ev('openat', 100, [-2, 55, 'x', PPM_O.RDONLY, 0, 0, 0]));
  assert.equal(fdNameFromEvent(ctx.evt, ctx.thread, p.paths), '<UNKNOWN>x', 'an unknown dirfd, as libsinsp prints it');
});

test("a closed fd is reused by its own parser's next open, never by another parser's", () => {
  const a = world();
  const b = world();
  const opened = a.process(ev('openat', 100, [7, -100, '/etc/hosts', PPM_O.RDONLY, 0, 0, 0])).fd;
  a.process(ev('close', 100, [0, 7]));
  assert.notEqual(b.process(ev('openat', 100, [7, -100, '/etc/passwd', PPM_O.RDONLY, 0, 0, 0])).fd, opened);
  // (the close is applied when this next event arrives)
  const again = a.process(ev('openat', 100, [8, -100, '/etc/passwd', PPM_O.RDONLY, 0, 0, 0])).fd;
  assert.equal(again, opened, 'the same object, reinitialised');
  assert.equal(again?.name, '/etc/passwd');
});

test('fds: an fd-using event finds its fd; close removes it after the event', () => {
  const p = world();
  p.process(ev('openat', 100, [3, -100, '/etc/shadow', PPM_O.RDONLY, 0, 0, 0]));
  let ctx = p.process(ev('read', 100, [10, Buffer.from('root:x:0:0'), 3, 4096]));
  assert.equal(ctx.fdNum, 3);
  assert.equal(ctx.fd?.name, '/etc/shadow');
  assert.equal(ctx.fdNameChanged, false);
  ctx = p.process(ev('close', 100, [0, 3]));
  assert.equal(ctx.fd?.name, '/etc/shadow', 'close still sees its fd');
  ctx = p.process(ev('read', 100, [10, Buffer.from('x'), 3, 4096]));
  assert.equal(ctx.fdNum, 3);
  assert.equal(ctx.fd, undefined, 'gone after the close event');
});

test('dup, dup2, dup3 and fcntl copy the fd and manage close-on-exec', () => {
  const p = world();
  p.process(ev('openat', 100, [3, -100, '/var/log/app.log', PPM_O.WRONLY | PPM_O.APPEND | PPM_O.CLOEXEC, 0, 0, 0]));
  let ctx = p.process(ev('dup', 100, [4, 3]));
  assert.equal(ctx.fdNum, 4);
  assert.equal(ctx.fd?.name, '/var/log/app.log');
  assert.equal(ctx.fd?.cloexec, false, 'dup clears close-on-exec');
  assert.equal(ctx.fdNameChanged, false);
  ctx = p.process(ev('dup2', 100, [1, 3, 1]));
  assert.equal(p.threads.get(100)!.shared.fds.get(1)?.name, '/var/log/app.log');
  assert.ok(p.threads.get(100)!.flags & PPM_CL.PIPE_SRC);
  ctx = p.process(ev('dup3', 100, [9, 3, 9, PPM_O.CLOEXEC]));
  assert.equal(ctx.fd?.cloexec, true);
  ctx = p.process(ev('fcntl', 100, [10, 3, 26, 10])); // F_DUPFD_CLOEXEC
  assert.equal(ctx.fdNum, 10);
  assert.equal(ctx.fd?.cloexec, true);
  p.process(ev('fcntl', 100, [0, 10, 3, 0])); // F_SETFD 0
  assert.equal(p.threads.get(100)!.shared.fds.get(10)?.cloexec, false);
  // An execve now keeps 4, 1, 10 and drops 3 and 9.
  p.process(ev('execve', 100, execParams(0, 100)));
  assert.deepEqual([...p.threads.get(100)!.shared.fds.keys()].sort((a, b) => a - b), [0, 1, 4, 10]);
});

test('sockets: connect names the tuple client->server and marks the client side', () => {
  const p = world();
  let ctx = p.process(ev('socket', 100, [3, 2, 1, 0, 0])); // AF_INET, SOCK_STREAM
  assert.equal(ctx.fd?.type, 'ipv4');
  assert.equal(ctx.fd?.l4proto, 'tcp');
  assert.equal(fdL4proto(ctx.fd), undefined, 'no role yet, so no l4proto to show');
  const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 43210, dip: '93.184.216.34', dport: 443 });
  ctx = p.process(ev('connect', 100, [0, tuple, 3, encodeSockAddr({ ip: '93.184.216.34', port: 443 })]));
  const fd = ctx.fd!;
  assert.equal(ctx.fdNum, 3);
  assert.equal(fd.name, '10.0.0.5:43210->93.184.216.34:443');
  assert.equal(fd.cip, '10.0.0.5');
  assert.equal(fd.cport, 43210);
  assert.equal(fd.sip, '93.184.216.34');
  assert.equal(fd.sport, 443);
  assert.equal(fd.isServer, false);
  assert.equal(fd.connected, true);
  assert.equal(ctx.fdNameChanged, true);
  assert.equal(fdL4proto(fd), 'tcp');
  // A failed connect changes nothing; EINPROGRESS counts.
  ctx = p.process(ev('socket', 100, [4, 10, 2, 0, 0])); // AF_INET6, SOCK_DGRAM
  assert.equal(ctx.fd?.l4proto, 'udp');
  ctx = p.process(ev('connect', 100, [-111, encodeSockTuple({ sip: '::1', sport: 5353, dip: '::1', dport: 53 }), 4, Buffer.alloc(0)]));
  assert.equal(ctx.fd?.name, '');
  ctx = p.process(ev('connect', 100, [-115, encodeSockTuple({ sip: '2001:db8::5', sport: 5353, dip: '2001:db8::53', dport: 53 }), 4, Buffer.alloc(0)]));
  assert.equal(ctx.fd?.type, 'ipv6');
  assert.equal(ctx.fd?.name, '2001:db8::5:5353->2001:db8::53:53');
  // IPv4-mapped ends make an IPv4 socket.
  p.process(ev('socket', 100, [5, 10, 1, 0, 0]));
  ctx = p.process(ev('connect', 100, [0, encodeSockTuple({ sip: '::ffff:127.0.0.1', sport: 33000, dip: '::ffff:127.0.0.1', dport: 8080 }), 5, Buffer.alloc(0)]));
  assert.equal(ctx.fd?.type, 'ipv4');
  assert.equal(ctx.fd?.name, '127.0.0.1:33000->127.0.0.1:8080');
  // Unix sockets: "source->dest path".
  p.process(ev('socket', 100, [6, 1, 1, 0, 0]));
  ctx = p.process(ev('connect', 100, [0, encodeSockTuple({ source: 0xabcn, dest: 0xdefn, path: '/var/run/docker.sock' }), 6, encodeSockAddr({ path: '/var/run/docker.sock' })]));
  assert.equal(ctx.fd?.type, 'unix');
  assert.equal(ctx.fd?.name, 'abc->def /var/run/docker.sock');
  assert.equal(FD_TYPES[ctx.fd.type], 'u');
});

test('sockets: bind and accept make the server side', () => {
  const p = world();
  p.process(ev('socket', 100, [3, 2, 1, 6, 0]));
  let ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '0.0.0.0', port: 8080 }), 3]));
  assert.equal(ctx.fd?.serverSocket, true);
  assert.equal(ctx.fd?.name, '0.0.0.0:8080');
  assert.equal(ctx.fd?.sport, 8080);
  assert.equal(ctx.fd?.isServer, true);
  ctx = p.process(ev('listen', 100, [0, 3, 128]));
  assert.equal(ctx.fd?.serverSocket, true);
  const tuple = encodeSockTuple({ sip: '192.168.1.7', sport: 51000, dip: '192.168.1.2', dport: 8080 });
  ctx = p.process(ev('accept4', 100, [7, tuple, 0, 0, 128, PPM_O.CLOEXEC]));
  assert.equal(ctx.fdNum, 7);
  assert.equal(ctx.fd?.name, '192.168.1.7:51000->192.168.1.2:8080');
  assert.equal(ctx.fd?.isServer, true);
  assert.equal(ctx.fd?.connected, true);
  assert.equal(ctx.fd?.cip, '192.168.1.7');
  assert.equal(ctx.fd?.sport, 8080);
  assert.equal(ctx.fd?.cloexec, true);
  ctx = p.process(ev('accept', 100, [-11, Buffer.alloc(0), 0, 0, 0]));
  assert.equal(ctx.fd, undefined);
});

test('sockets: a UDP sendto names an unconnected socket from its tuple', () => {
  const p = world();
  p.process(ev('socket', 100, [3, 2, 2, 0, 0]));
  const tuple = encodeSockTuple({ sip: '10.0.0.5', sport: 40001, dip: '8.8.8.8', dport: 53 });
  let ctx = p.process(ev('sendto', 100, [32, Buffer.from('q'), 3, 32, tuple]));
  assert.equal(ctx.fd?.name, '10.0.0.5:40001->8.8.8.8:53');
  assert.equal(ctx.fd?.isServer, false);
  assert.equal(ctx.fdNameChanged, true);
  ctx = p.process(ev('sendto', 100, [32, Buffer.from('q'), 3, 32, tuple]));
  assert.equal(ctx.fdNameChanged, false, 'the same peer again is no change');
  // A send on an fd never seen created: assumed UDP.
  ctx = p.process(ev('sendto', 100, [10, Buffer.from('x'), 9, 10, encodeSockTuple({ sip: '10.0.0.5', sport: 40002, dip: '1.1.1.1', dport: 53 })]));
  assert.equal(ctx.fdNum, 9);
  assert.equal(ctx.fd?.l4proto, 'udp');
  assert.equal(ctx.fd?.name, '10.0.0.5:40002->1.1.1.1:53');
  // recvfrom on a fresh UDP socket: the peer is the client.
  p.process(ev('socket', 100, [4, 2, 2, 0, 0]));
  p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '0.0.0.0', port: 53 }), 4]));
  ctx = p.process(ev('recvfrom', 100, [20, Buffer.from('q'), encodeSockTuple({ sip: '10.0.0.9', sport: 5000, dip: '10.0.0.5', dport: 53 }), 4, 512]));
  assert.equal(ctx.fd?.serverSocket, false);
  assert.equal(ctx.fd?.name, '10.0.0.9:5000->10.0.0.5:53');
});

test('pipes, socketpairs and special fds get their types', () => {
  const p = world();
  let ctx = p.process(ev('pipe2', 100, [0, 3, 4, 777, PPM_O.CLOEXEC]));
  assert.equal(ctx.fdNum, 4);
  const fds = p.threads.get(100)!.shared.fds;
  assert.equal(fds.get(3)?.type, 'pipe');
  assert.equal(fds.get(4)?.ino, 777);
  assert.equal(fds.get(4)?.cloexec, true);
  ctx = p.process(ev('socketpair', 100, [0, 5, 6, 0x1n, 0x2n, 1, 1, 0]));
  assert.equal(fds.get(5)?.type, 'unix');
  assert.equal(fds.get(6)?.type, 'unix');
  ctx = p.process(ev('memfd_create', 100, [7, 'payload', 1]));
  assert.equal(ctx.fd?.type, 'memfd');
  assert.equal(ctx.fd?.name, 'payload');
  assert.equal(FD_TYPES[ctx.fd.type], 'm');
  ctx = p.process(ev('userfaultfd', 100, [8, 0]));
  assert.equal(ctx.fd?.type, 'userfaultfd');
  assert.equal(ctx.fdNum, 8);
  ctx = p.process(ev('eventfd2', 100, [9, 0, 0]));
  assert.equal(FD_TYPES[ctx.fd!.type], 'e');
  ctx = p.process(ev('epoll_create1', 100, [10, 1]));
  assert.equal(ctx.fd?.type, 'eventpoll');
  assert.equal(ctx.fd?.cloexec, true);
  ctx = p.process(ev('inotify_init1', 100, [11, 0]));
  assert.equal(FD_TYPES[ctx.fd!.type], 'i');
  ctx = p.process(ev('timerfd_create', 100, [12, 1, 0]));
  assert.equal(FD_TYPES[ctx.fd!.type], 't');
  ctx = p.process(ev('signalfd4', 100, [13, 0, -1, 0]));
  assert.equal(FD_TYPES[ctx.fd!.type], 's');
  ctx = p.process(ev('bpf', 100, [14, 5]));
  assert.equal(FD_TYPES[ctx.fd!.type], 'b');
  ctx = p.process(ev('pidfd_open', 100, [15, 1, 0]));
  assert.equal(ctx.fd?.name, '/proc/1');
  assert.equal(FD_TYPES[ctx.fd.type], 'P');
  ctx = p.process(ev('socket', 100, [16, 16, 3, 0, 0]));
  assert.equal(FD_TYPES[ctx.fd!.type], 'n');
});

test('chdir and fchdir move the process cwd; relative opens follow it', () => {
  const p = world();
  p.process(ev('chdir', 100, [0, 'projects/../src']));
  assert.equal(p.threads.get(100)!.cwd, '/home/u/src/');
  p.process(ev('chdir', 100, [-2, '/nope']));
  assert.equal(p.threads.get(100)!.cwd, '/home/u/src/');
  p.process(ev('openat', 100, [3, -100, '/var/tmp', PPM_O.DIRECTORY, 0, 0, 0]));
  p.process(ev('fchdir', 100, [0, 3]));
  assert.equal(p.threads.get(100)!.cwd, '/var/tmp/');
  const ctx = p.process(ev('open', 100, [4, 'x', PPM_O.RDONLY, 0, 0, 0]));
  assert.equal(ctx.fd?.name, '/var/tmp/x');
});

test('set*id, capset, unshare and setns update credentials', () => {
  const p = world();
  const t = p.threads.get(100)!;
  p.process(ev('setuid', 100, [0, 33]));
  assert.equal(t.uid, 33);
  p.process(ev('setuid', 100, [-1, 0]));
  assert.equal(t.uid, 33, 'failed setuid');
  p.process(ev('setresuid', 100, [0, 1, 2, 3]));
  assert.equal(t.uid, 2, 'effective uid');
  p.process(ev('setgid', 100, [0, 44]));
  assert.equal(t.gid, 44);
  p.process(ev('setresgid', 100, [0, 5, 6, 7]));
  assert.equal(t.gid, 6);
  p.process(ev('capset', 100, [0, 0n, 0x20n, 0x20n]));
  assert.equal(t.capEffective, 0x20n);
  p.process(ev('unshare', 100, [0, PPM_CL.CLONE_NEWUSER]));
  assert.equal(t.capEffective, MAX_CAPS);
  p.process(ev('setns', 100, [0, 3, 0]));
  assert.equal(t.capEffective, MAX_CAPS);
});

test('an unknown thread is read through the lookup hook when live', () => {
  const threads = new ThreadTable();
  loadSnapshots(threads, [snap(1, 1, 0)], { interfaces: IFS });
  const p = new StateParser({
    threads,
    readThread: (tid) => (tid === 4000 ? snap(4000, 4000, 1, { comm: 'sshd', cwd: '/', fds: [file(3, '/var/log/auth.log')] }) : undefined),
  });
  let ctx = p.process(ev('read', 4000, [1, Buffer.from('x'), 3, 1]));
  assert.equal(ctx.thread?.comm, 'sshd');
  assert.equal(ctx.fd?.name, '/var/log/auth.log');
  assert.ok(threads.get(1)!.children.has(ctx.thread));
  ctx = p.process(ev('read', 4001, [1, Buffer.from('x'), 3, 1]));
  assert.equal(ctx.thread?.invalid, true, 'a vanished thread becomes a placeholder');
  assert.equal(p.stats.placeholders, 1);
});

test('close: the fd stays for the close event itself and is gone from the next event on', () => {
  const p = world();
  for (let round = 0; round < 3; round++) {
    const open = p.process(ev('openat', 100, [7, -100, 'notes.txt', PPM_O.RDONLY, 0, 0xfd01, 42]));
    assert.equal(open.fd?.name, '/home/u/notes.txt');
    const close = p.process(ev('close', 100, [0, 7]));
    assert.equal(close.fd?.name, '/home/u/notes.txt', 'the close event still sees its fd');
    assert.equal(p.threads.get(100)!.shared.fds.has(7), true);
    p.process(ev('close', 100, [-9, 1])); // a failed close keeps fd 1, and applies the earlier close
    const fds = p.threads.get(100)!.shared.fds;
    assert.equal(fds.has(7), false, `round ${round}: closed fd removed at the next event`);
    assert.equal(fds.has(1), true);
  }
});

test('fd.name_changed against the name before the event, also for names never read in between', () => {
  const p = world();
  p.process(ev('socket', 100, [3, 2, 2, 0, 0])); // AF_INET, SOCK_DGRAM
  const a = encodeSockTuple({ sip: '10.0.0.5', sport: 40001, dip: '10.0.0.7', dport: 53 });
  const b = encodeSockTuple({ sip: '10.0.0.5', sport: 40002, dip: '10.0.0.7', dport: 53 }); // the client end moves
  // Neither the name nor name_changed is read for these: the name follows the tuple unmade.
  p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, a]));
  p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, a]));
  let ctx = p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, b]));
  assert.equal(ctx.fdNameChanged, true, 'the peer changed while the old name was never made');
  assert.equal(ctx.fd?.name, '10.0.0.5:40002->10.0.0.7:53');
  ctx = p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, b]));
  assert.equal(ctx.fdNameChanged, false);
  ctx = p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, a]));
  assert.equal(ctx.fdNameChanged, true);
  // A copy made by the event is its fd, with the original's name: no change.
  ctx = p.process(ev('dup', 100, [8, 3]));
  assert.equal(ctx.fdNum, 8);
  assert.equal(ctx.fd?.name, '10.0.0.5:40001->10.0.0.7:53');
  assert.equal(ctx.fdNameChanged, false);
  // An event that only uses the fd changes nothing; a new fd's name counts as changed.
  ctx = p.process(ev('close', 100, [0, 3]));
  assert.equal(ctx.fdNameChanged, false);
  ctx = p.process(ev('openat', 100, [3, -100, '/etc/hosts', PPM_O.RDONLY, 0, 1, 2]));
  assert.equal(ctx.fdNameChanged, true);
});

test('open-family names: a created fd and a failed open agree where libsinsp does, and differ at its edges', () => {
  const p = world();
  p.process(ev('openat', 100, [3, -100, '/etc', PPM_O.RDONLY | PPM_O.DIRECTORY, 0, 0, 0]));
  // [event, its parameters after the result, the created fd's name, a failed open's name, the latter without a thread]
  const cases: Array<[string, ParamValue[], string, string | undefined, string | undefined]> = [
    ['open', ['a/../b.txt', PPM_O.RDONLY, 0, 0, 0], '/home/u/b.txt', '/home/u/b.txt', 'a/../b.txt'],
    ['open', ['/etc//passwd', PPM_O.RDONLY, 0, 0, 0], '/etc/passwd', '/etc//passwd', '/etc//passwd'],
    ['open', ['<NA>', PPM_O.RDONLY, 0, 0, 0], '/home/u/<NA>', '<NA>', '<NA>'],
    ['open', ['', PPM_O.RDONLY, 0, 0, 0], '', '', ''],
    ['creat', ['bin/./new.sh', 0o755, 0, 0, 0], '/home/u/bin/new.sh', '/home/u/bin/new.sh', 'bin/./new.sh'],
    ['creat', ['/tmp/x/', 0o755, 0, 0, 0], '/tmp/x', '/tmp/x/', '/tmp/x/'],
    ['openat', [-100, 'x/./y', PPM_O.RDONLY, 0, 0, 0], '/home/u/x/y', '/home/u/x/y', '<UNKNOWN>x/y'],
    ['openat', [3, 'hosts', PPM_O.RDONLY, 0, 0, 0], '/etc/hosts', '/etc/hosts', '<UNKNOWN>hosts'],
    ['openat', [3, '/abs//p', PPM_O.RDONLY, 0, 0, 0], '/abs/p', '/abs/p', '/abs/p'],
    ['openat', [55, 'x', PPM_O.RDONLY, 0, 0, 0], '<UNKNOWN>x', '<UNKNOWN>x', '<UNKNOWN>x'],
    ['openat', [-100, null, PPM_O.RDONLY, 0, 0, 0], '/home/u/<NA>', undefined, undefined],
    ['openat', [null, 'rel/../f', PPM_O.RDONLY, 0, 0, 0], 'f', undefined, undefined],
    ['openat2', [3, 'hosts', PPM_O.RDONLY, 0, 0, 0, 0], '/etc/hosts', '/etc/hosts', '<UNKNOWN>hosts'],
    ['open_by_handle_at', [7, PPM_O.RDONLY, '/mnt//data/', 0, 0], '/mnt/data', '/mnt//data/', '/mnt//data/'],
  ];
  for (const [name, rest, created, failed, noThread] of cases) {
    const label = `${name} ${rest.map(String).join(' ')}`;
    let ctx = p.process(ev(name, 100, [9, ...rest]));
    assert.equal(ctx.fdNum, 9, label);
    assert.equal(ctx.fd?.name, created, `${label}: created`);
    ctx = p.process(ev(name, 100, [-2, ...rest]));
    assert.equal(ctx.fd, undefined, label);
    assert.equal(fdNameFromEvent(ctx.evt, ctx.thread, p.paths), failed, `${label}: failed`);
    assert.equal(fdNameFromEvent(ctx.evt, undefined, p.paths), noThread, `${label}: no thread`);
  }
});

test('fork and dup copy a socket whose name is still to be made without making it; the copies read it right later', () => {
  const p = world();
  p.process(ev('socket', 100, [3, 2, 2, 0, 0])); // AF_INET, SOCK_DGRAM
  p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, encodeSockTuple({ sip: '10.0.0.5', sport: 40001, dip: '10.0.0.7', dport: 53 })]));
  const parentFd = p.threads.get(100)!.shared.fds.get(3)!;
  assert.equal(parentFd.settledName, undefined, 'the name is still to be made');
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  const childFd = p.threads.get(200)!.shared.fds.get(3)!;
  assert.notEqual(childFd, parentFd);
  assert.equal(parentFd.settledName, undefined, 'the fork made no name');
  assert.equal(childFd.settledName, undefined);
  // The parent's end moves; the child's copy still names the first tuple.
  p.process(ev('sendto', 100, [1, Buffer.from('q'), 3, 1, encodeSockTuple({ sip: '10.0.0.5', sport: 40002, dip: '10.0.0.7', dport: 53 })]));
  let ctx = p.process(ev('write', 200, [1, Buffer.from('q'), 3]));
  assert.equal(ctx.fd, childFd);
  assert.equal(ctx.fd?.name, '10.0.0.5:40001->10.0.0.7:53');
  assert.equal(ctx.fdNameChanged, false);
  assert.equal(parentFd.name, '10.0.0.5:40002->10.0.0.7:53');
  // dup of a name still to be made: the copy is the event's fd, unchanged, and still unmade.
  p.process(ev('sendto', 200, [1, Buffer.from('q'), 3, 1, encodeSockTuple({ sip: '10.0.0.5', sport: 40003, dip: '10.0.0.7', dport: 53 })]));
  ctx = p.process(ev('dup', 200, [4, 3]));
  assert.equal(ctx.fdNum, 4);
  assert.equal(ctx.fd?.settledName, undefined);
  assert.equal(ctx.fdNameChanged, false);
  assert.equal(ctx.fd?.name, '10.0.0.5:40003->10.0.0.7:53');
  assert.equal(ctx.fdNameChanged, false);
});

test('purge (live): an event\'s time is its thread\'s access time, and scans come every interval of event time', () => {
  const threads = new ThreadTable();
  loadSnapshots(threads, [snap(1, 1, 0), snap(100, 100, 1), snap(101, 101, 1)], { interfaces: IFS });
  const gone = new Set([101]);
  const p = new StateParser({ threads, purge: { intervalNs: 10e9, timeoutNs: 5e9, isAlive: (t) => !gone.has(t.tid) } });
  p.process(ev('close', 100, [-9, 1]));
  assert.equal(threads.get(100)!.lastAccessTs, Number(clock));
  assert.ok(threads.get(101), 'no scan on the first event');
  p.process(ev('close', 100, [-9, 1], { dt: S / 1000n }));
  assert.equal(threads.get(101), undefined, 'idle since the snapshot and gone');
  assert.equal(p.stats.purged, 1);
  gone.add(1);
  gone.add(100);
  p.process(ev('close', 100, [-9, 1], { dt: 9n * S }));
  assert.ok(threads.get(1), 'no scan before the interval is over');
  p.process(ev('close', 100, [-9, 1], { dt: 2n * S }));
  assert.equal(threads.get(1), undefined);
  assert.ok(threads.get(100), 'gone but not idle: its own events keep it');
  assert.equal(p.stats.purged, 2);
  assert.equal(threads.get(100)!.lastAccessTs, Number(clock));
});

test('clone from a caller not in the table: a placeholder patched from the event; the child copies nothing from it', () => {
  const p = world();
  const ctx = p.process(ev('clone', 500, cloneParams(600, 500, 500, 1, 0, 'worker')));
  const caller = p.threads.get(500)!;
  assert.equal(ctx.thread, caller);
  assert.equal(p.stats.placeholders, 1);
  assert.deepEqual([caller.pid, caller.ptid, caller.vtid, caller.vpid], [500, 1, 500, 500]);
  assert.equal(caller.comm, 'worker', 'the placeholder learns its names from the child');
  const child = p.threads.get(600)!;
  assert.equal(child.ptid, 500);
  assert.equal(child.shared.fds.size, 0, 'nothing to copy from an unknown caller');
  assert.equal(child.exepath, '', 'nor its exepath');
  // The child's own clone exit finds it and changes nothing.
  const again = p.process(ev('clone', 600, cloneParams(0, 600, 600, 500, 0, 'worker')));
  assert.equal(again.thread, child);
  assert.equal(p.threads.get(600), child);
  assert.equal(p.stats.placeholders, 1);
});

test('prlimit sets the open-files limit of the caller (pid 0) or of the pid it names', () => {
  const p = world();
  const NOFILE = 7;
  p.process(ev('prlimit', 100, [0, 4096, 8192, 1024, 4096, 0, NOFILE]));
  assert.equal(p.threads.get(100)!.fdlimit, 4096);
  p.process(ev('prlimit', 100, [0, 512, 512, 4096, 8192, 100, NOFILE]));
  assert.equal(p.threads.get(100)!.fdlimit, 512, 'its own pid');
  p.process(ev('prlimit', 100, [0, 2048, 2048, 0, 0, 1, NOFILE]));
  assert.equal(p.threads.get(1)!.fdlimit, 2048, 'another process');
  assert.equal(p.threads.get(100)!.fdlimit, 512);
  p.process(ev('prlimit', 100, [0, 64, 64, 0, 0, 1, 3])); // RLIMIT_STACK: not tracked
  assert.equal(p.threads.get(1)!.fdlimit, 2048);
  p.process(ev('prlimit', 100, [0, 64, 64, 0, 0, 777, NOFILE]));
  assert.equal(p.threads.get(777)?.invalid, true, 'an unknown pid becomes a placeholder, left alone');
});

test('bind names the socket by its address; a port makes an ip socket a server socket', () => {
  const p = world();
  p.process(ev('socket', 100, [3, 10, 1, 0, 0])); // AF_INET6, SOCK_STREAM
  let ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '2001:db8::1', port: 8443 }), 3]));
  assert.equal(ctx.fd?.name, '2001:db8::1:8443');
  assert.deepEqual([ctx.fd?.type, ctx.fd?.serverSocket, ctx.fd?.sip, ctx.fd?.sport, ctx.fd?.cip, ctx.fd?.isServer], ['ipv6', true, '2001:db8::1', 8443, undefined, true]);
  p.process(ev('socket', 100, [9, 10, 1, 0, 0]));
  ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '::', port: 8080 }), 9]));
  assert.equal(ctx.fd?.name, ':::8080');
  assert.deepEqual([ctx.fd?.type, ctx.fd?.sip], ['ipv4', '0.0.0.0'], 'libsinsp takes the any address for IPv4');
  p.process(ev('socket', 100, [4, 10, 1, 0, 0]));
  ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '::ffff:127.0.0.1', port: 9000 }), 4]));
  assert.equal(ctx.fd?.name, '::ffff:127.0.0.1:9000', 'a mapped address names in IPv6 notation');
  assert.deepEqual([ctx.fd?.type, ctx.fd?.sip], ['ipv4', '127.0.0.1']);
  p.process(ev('socket', 100, [5, 2, 2, 0, 0]));
  ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ ip: '0.0.0.0', port: 0 }), 5]));
  assert.equal(ctx.fd?.name, '0.0.0.0:0');
  assert.deepEqual([ctx.fd?.serverSocket, ctx.fd?.isServer], [false, undefined], 'no port: not a server socket');
  p.process(ev('socket', 100, [6, 1, 1, 0, 0])); // AF_UNIX
  ctx = p.process(ev('bind', 100, [0, encodeSockAddr({ path: '/run/app.sock' }), 6]));
  assert.equal(ctx.fd?.name, '/run/app.sock');
  assert.deepEqual([ctx.fd?.type, ctx.fd?.serverSocket], ['unix', false]);
  ctx = p.process(ev('bind', 100, [0, Buffer.from([2, 1, 2]), 6]));
  assert.equal(ctx.fd?.name, '/run/app.sock', 'an invalid address changes nothing');
  ctx = p.process(ev('bind', 100, [-98, encodeSockAddr({ path: '/run/other.sock' }), 6]));
  assert.equal(ctx.fd?.name, '/run/app.sock', 'nor a failed bind');
  ctx = p.process(ev('bind', 100, [0, Buffer.from([16, 0, 0]), 6]));
  assert.equal(ctx.fd?.name, 'family 16');
});

test('unix sockets take both ends and the path from accept and from a read tuple', () => {
  const p = world();
  const tuple = encodeSockTuple({ source: 0xaaa0n, dest: 0xbbb0n, path: '/run/app.sock' });
  let ctx = p.process(ev('accept4', 100, [7, tuple, 0, 0, 128, 0]));
  assert.equal(ctx.fd?.type, 'unix');
  assert.deepEqual([ctx.fd?.unixSource, ctx.fd?.unixDest, ctx.fd?.unixPath], [0xaaa0n, 0xbbb0n, '/run/app.sock']);
  assert.equal(ctx.fd?.name, 'aaa0->bbb0 /run/app.sock');
  p.process(ev('socket', 100, [8, 1, 2, 0, 0])); // AF_UNIX, SOCK_DGRAM
  ctx = p.process(ev('recvfrom', 100, [5, Buffer.from('hello'), encodeSockTuple({ source: 0xccc0n, dest: 0xddd0n, path: '/dev/log' }), 8, 512]));
  assert.deepEqual([ctx.fd?.unixSource, ctx.fd?.unixDest, ctx.fd?.unixPath], [0xccc0n, 0xddd0n, '/dev/log']);
  assert.equal(ctx.fd?.name, 'ccc0->ddd0 /dev/log');
});

test('procexit: a kernel reaper the table lacks is looked up, left as a placeholder, and adopts nobody', () => {
  const p = world();
  p.process(ev('clone', 100, cloneParams(200, 100, 100, 1, 0)));
  p.process(ev('clone', 200, cloneParams(300, 200, 200, 100, 0)));
  // The kernel names 4242 (a subreaper this capture never saw): libs' remove_thread asks get_thread.
  p.process(ev('procexit', 200, [0, 0, 0, 0, 4242], { enter: true }));
  p.process(ev('close', 300, [0, 1]));
  const reaper = p.threads.get(4242);
  assert.equal(reaper?.invalid, true, 'a placeholder, so execve ptid=4242 renders as 4242(<NA>)');
  assert.equal(reaper.comm, '<NA>');
  assert.equal(p.threads.get(300)!.ptid, 1, 'the userspace fallback adopts (init)');
});

test('EF_SKIPPARSERESET events (procinfo) make no placeholder: procinfo keeps a known thread, the others get none', () => {
  const p = world();
  const unknown = p.process(ev('procinfo', 7, [34n, 0n], { enter: true }));
  assert.equal(unknown.thread, undefined);
  assert.equal(p.threads.get(7), undefined, 'no placeholder: a later switch next=7 shows no comm');
  assert.equal(p.stats.placeholders, 0);
  assert.equal(p.process(ev('procinfo', 100, [1n, 2n], { enter: true })).thread?.comm, 'bash');
  assert.equal(p.process(ev('drop', 100, [5], { enter: true })).thread, undefined);
});
