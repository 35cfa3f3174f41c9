// End-to-end tests of the eBPF sensor: real probes, real processes. They need root and a built
// sensor (npm run setup) and skip with the reason otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PT, type ParamType, type EventView, eventCode } from '../../events/index.js';
import { LiveSensor, SensorError, findSensorBinary } from './sensor.js';
import { ringReaderPath } from './ring-reader.js';
import { DECODED_SYSCALLS, SENSOR_SYSCALLS } from './syscall-set.js';
import { syscallName } from '../../events/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const exerciser = join(root, 'sensor', 'build', 'exercise');

let unavailable = '';
let server: Server;
let port = 0;
let scratch = '';

before(async () => {
  if (process.geteuid?.() !== 0) unavailable = 'needs root to load BPF programs';
  else if (!existsSync(join(root, 'sensor', 'build', 'saker-sensor')) || !existsSync(exerciser))
    unavailable = 'sensor not built: run npm run setup';
  else {
    // probe once: a kernel that refuses BPF skips the suite instead of failing it
    const probe = spawnSync(join(root, 'sensor', 'build', 'saker-sensor'), ['--check'], { encoding: 'utf8' });
    if (probe.status !== 0) unavailable = `BPF refused on this kernel: ${probe.stderr.trim() || probe.stdout.trim()}`;
  }
  server = createServer((s) => s.on('error', () => {}).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'saker-sensor-')));
});

after(() => {
  server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A decoded copy of one event: the view is reused, so tests keep these instead. */
interface Snap {
  num: number;
  tid: number;
  type: number;
  name: string;
  nparams: number;
  expected: number;
  p: Record<string, bigint | number | string | Buffer>;
}

const WIDTH: Partial<Record<ParamType, number>> = {
  [PT.INT8]: 1, [PT.UINT8]: 1, [PT.FLAGS8]: 1, [PT.ENUMFLAGS8]: 1, [PT.SIGTYPE]: 1,
  [PT.INT16]: 2, [PT.UINT16]: 2, [PT.FLAGS16]: 2, [PT.ENUMFLAGS16]: 2,
  [PT.INT32]: 4, [PT.UINT32]: 4, [PT.FLAGS32]: 4, [PT.ENUMFLAGS32]: 4, [PT.UID]: 4, [PT.GID]: 4, [PT.MODE]: 4,
  [PT.INT64]: 8, [PT.UINT64]: 8, [PT.ERRNO]: 8, [PT.FD]: 8, [PT.PID]: 8, [PT.ABSTIME]: 8,
};
const SIGNED = new Set<ParamType>([PT.INT8, PT.INT16, PT.INT32, PT.INT64, PT.ERRNO, PT.FD, PT.PID]);
const TEXT = new Set<ParamType>([PT.CHARBUF, PT.FSPATH, PT.FSRELPATH]);

/** Parameters the sensor appends to libs' layout, by evt.type. */
const SENSOR_OWN_PARAMS: Record<string, string[]> = { open: ['kernel_path'], creat: ['kernel_path'], openat: ['kernel_path'], openat2: ['kernel_path'] };

function snap(v: EventView): Snap {
  const p: Snap['p'] = {};
  let sum = 0;
  v.info.params.forEach((info, i) => {
    if (i >= v.nparams) return;
    const len = v.paramLength(i);
    sum += len;
    const width = WIDTH[info.type];
    if (width !== undefined) {
      assert.equal(len, width, `${v.info.id} param ${info.name}: ${len} bytes, ${width} expected`);
      p[info.name] = width === 8 ? (SIGNED.has(info.type) ? v.int(i) : v.u64(i)) : SIGNED.has(info.type) ? v.int(i) : v.uint(i);
    } else if (TEXT.has(info.type)) {
      if (len) assert.equal(v.buf[v.paramOffset(i) + len - 1], 0, `${v.info.id} ${info.name} is NUL-terminated`);
      p[info.name] = v.str(i);
    } else {
      p[info.name] = Buffer.from(v.bytes(i));
    }
  });
  // The sensor's own parameter past libs' (file.bpf.h): the opened file's path from the opener's root.
  const own = SENSOR_OWN_PARAMS[v.info.name] ?? [];
  own.forEach((name, k) => {
    const i = v.info.params.length + k;
    if (i >= v.nparams) return;
    const len = v.paramLength(i);
    sum += len;
    if (len) assert.equal(v.buf[v.paramOffset(i) + len - 1], 0, `${v.info.id} ${name} is NUL-terminated`);
    p[name] = v.str(i);
  });
  assert.equal(v.len, 26 + v.nparams * 2 + sum, `${v.info.id}: record length adds up`);
  return { num: v.num, tid: v.tid, type: v.type, name: v.info.name, nparams: v.nparams, expected: v.info.params.length + own.length, p };
}

/** Runs a sensor for `syscalls` around `work`, returning every event it delivered. */
async function capture(
  syscalls: readonly string[],
  work: () => Promise<void> | void,
  opts: { attach?: 'auto' | 'raw'; ringMb?: number; reader?: 'in-process' | 'loader' } = {},
): Promise<{ events: Snap[]; stats: Awaited<ReturnType<LiveSensor['stop']>>; sensor: LiveSensor }> {
  const events: Snap[] = [];
  let failure: Error | undefined;
  const sensor = await LiveSensor.start({
    syscalls,
    attach: opts.attach,
    ringMb: opts.ringMb,
    reader: opts.reader,
    onEvent: (v) => {
      try {
        events.push(snap(v));
      } catch (err) {
        failure ??= err as Error;
      }
    },
  });
  await work();
  const stats = await sensor.stop();
  if (failure) throw failure;
  return { events, stats, sensor };
}

function run(cmd: string, args: string[], cwd = scratch): { pid: number; out: Map<string, string[]> } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.error, undefined, `${cmd}: ${r.error?.message}`);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const [k, ...rest] = line.split(' ');
    if (k) out.set(k, [...(out.get(k) ?? []), rest.join(' ')]);
  }
  return { pid: r.pid, out };
}

const codesOf = (names: readonly string[]): Set<number> =>
  new Set(names.map((n) => eventCode(n, n !== 'procexit')));

function one(events: Snap[], what: string, pred: (e: Snap) => boolean): Snap {
  const found = events.filter(pred);
  assert.ok(found.length > 0, `no ${what} event`);
  return found[0]!;
}

/** "family ip:port ip:port" of an IPv4 SOCKTUPLE / SOCKADDR parameter. */
function inet(b: Buffer): string {
  const addr = (o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}:${b.readUInt16LE(o + 4)}`;
  return b.length === 13 ? `${b[0]} ${addr(1)} ${addr(7)}` : `${b[0]} ${addr(1)}`;
}

const PPM_O = { RDONLY: 1, WRONLY: 2, RDWR: 3, CREAT: 4, EXCL: 32, NONBLOCK: 64, TRUNC: 256, CLOEXEC: 4096, F_CREATED: 1 << 14 };

test('captures exec, open, connect, clone and procexit of real commands', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const set = ['openat', 'execve', 'execveat', 'connect', 'clone', 'clone3', 'fork', 'vfork', 'procexit'];
  let cat = 0;
  let opener: ReturnType<typeof run> | undefined;
  let connector: ReturnType<typeof run> | undefined;
  let shell = 0;
  let viaAt = 0;
  const { events, stats } = await capture(set, () => {
    cat = run('cat', ['/etc/hostname']).pid;
    opener = run(exerciser, ['open', '/etc/hostname']);
    connector = run(exerciser, ['connect', String(port)]);
    shell = run('/bin/sh', ['-c', '/bin/true one two; exit 0']).pid;
    viaAt = run(exerciser, ['execveat']).pid;
  });

  // execve of cat: what we ran, where, by whom
  // execvp may try other PATH entries first: those fail with ENOENT and are events too
  const exec = one(events, 'execve of cat', (e) => e.name === 'execve' && e.tid === cat && e.p.res === 0);
  assert.ok(events.filter((e) => e.name === 'execve' && e.tid === cat).every((e) => e.p.res === 0 || e.p.res === -2));
  assert.equal(exec.nparams, 31);
  assert.equal(exec.p.res, 0);
  assert.equal(exec.p.exe, 'cat');
  assert.equal((exec.p.args as Buffer).toString(), '/etc/hostname\0');
  assert.equal(exec.p.comm, 'cat');
  assert.equal(exec.p.cwd, scratch);
  assert.equal(exec.p.tid, cat);
  assert.equal(exec.p.pid, cat);
  assert.equal(exec.p.ptid, process.pid);
  assert.equal(exec.p.uid, process.geteuid!());
  assert.equal(exec.p.gid, process.getegid!());
  const exePath = realpathSync(String(exec.p.filename));
  assert.equal(exec.p.trusted_exepath, exePath);
  assert.equal(exec.p.exe_ino, BigInt(statSync(exePath).ino));
  assert.equal(exec.p.exe_ino_mtime, statSync(exePath, { bigint: true }).mtimeNs);
  assert.match((exec.p.env as Buffer).toString(), /(^|\0)PATH=/);
  const memcg = readFileSync('/proc/self/cgroup', 'utf8').match(/^\d+:memory:(.*)$/m);
  if (memcg) assert.ok((exec.p.cgroups as Buffer).toString().split('\0').includes(`memory=${memcg[1]}`));

  // openat: name, fd as the process saw it, flags in PPM_O_* bits, dev/ino of the file
  const st = statSync('/etc/hostname');
  const open = one(events, 'openat of /etc/hostname', (e) => e.name === 'openat' && e.tid === opener!.pid && e.p.name === '/etc/hostname');
  assert.equal(open.p.fd, Number(opener!.out.get('openat')![0]));
  assert.equal(open.p.dirfd, -100);
  assert.equal(open.p.flags, PPM_O.RDONLY | PPM_O.CLOEXEC);
  assert.equal(open.p.ino, BigInt(st.ino));
  assert.equal(open.p.dev, st.dev);
  assert.equal(open.p.kernel_path, '/etc/hostname', 'the path the kernel opened');
  assert.ok(events.some((e) => e.name === 'openat' && e.tid === cat && e.p.name === '/etc/hostname'));

  // connect: the kernel's tuple (local port the kernel picked) and the caller's address
  const conn = one(events, 'connect', (e) => e.name === 'connect' && e.tid === connector!.pid);
  assert.equal(conn.p.res, 0);
  const lport = connector!.out.get('connect_lport')![0];
  assert.equal(inet(conn.p.tuple as Buffer), `2 127.0.0.1:${lport} 127.0.0.1:${port}`);
  assert.equal(inet(conn.p.addr as Buffer), `2 127.0.0.1:${port}`);

  // the shell forks: a clone event in the parent (res = child) and in the child (res = 0)
  const forks = ['clone', 'clone3', 'fork', 'vfork'];
  const parent = one(events, 'clone in the shell', (e) => forks.includes(e.name) && e.tid === shell && Number(e.p.res) > 0);
  const childTid = Number(parent.p.res);
  const child = one(events, 'clone in the child', (e) => forks.includes(e.name) && e.tid === childTid);
  assert.equal(child.p.res, 0);
  assert.equal(child.p.ptid, shell);
  assert.equal(child.p.pid, childTid);
  assert.equal(child.p.comm, 'sh');
  const trueExec = one(events, 'execve of /bin/true', (e) => e.name === 'execve' && e.tid === childTid);
  assert.equal(trueExec.p.exe, '/bin/true');
  assert.equal((trueExec.p.args as Buffer).toString(), 'one\0two\0');
  assert.ok(child.num < trueExec.num, 'the child event comes before its exec');
  const exit = one(events, 'procexit of the child', (e) => e.name === 'procexit' && e.tid === childTid);
  assert.equal(exit.p.status, 0);
  assert.ok(trueExec.num < exit.num);
  one(events, 'procexit of the shell', (e) => e.name === 'procexit' && e.tid === shell);

  // a successful execveat is reported as itself, with its own 30 parameters
  const at = one(events, 'exec through execveat', (e) => e.tid === viaAt && e.name === 'execveat' && e.p.res === 0 && e.p.exe === 'true');
  assert.equal((at.p.args as Buffer).toString(), 'via-execveat\0');
  assert.equal(at.nparams, 30);
  assert.ok(!events.some((e) => e.tid === viaAt && e.name === 'execve' && e.p.exe === 'true'), 'not also as execve');

  // nothing from this process, nothing outside the set
  const ownThreads = new Set(readdirSync('/proc/self/task').map(Number));
  assert.equal(events.filter((e) => ownThreads.has(e.tid)).length, 0, 'events of the agent itself');
  const allowed = codesOf(set);
  assert.deepEqual(events.filter((e) => !allowed.has(e.type)).map((e) => e.name), []);
  assert.ok(events.every((e) => e.nparams === e.expected));
  assert.equal(stats.received, events.length);
  assert.equal(stats.records, events.length);
  assert.equal(stats.events, stats.records + stats.drops);
});

test('every covered syscall is decoded with its table layout and values', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = mkdtempSync(join(scratch, 'all-'));
  let ex: ReturnType<typeof run> | undefined;
  const { events } = await capture(SENSOR_SYSCALLS, () => {
    ex = run(exerciser, ['all', dir, String(port)], dir);
  });
  const out = ex!.out;
  const pid = Number(out.get('pid')![0]);
  // from the exerciser's marker on: before it, the same pid set up stdio, exec'd and loaded libc
  const start = one(events, 'start marker', (e) => e.tid === pid && e.p.name === '/saker-exercise-begin').num;
  const mine = events.filter((e) => e.tid === pid && e.num > start);
  const byName = (name: string): Snap[] => mine.filter((e) => e.name === name);
  const ret = (name: string, i = 0): number => Number(out.get(name)![i]);
  const first = (name: string, pred: (e: Snap) => boolean = () => true): Snap => {
    const e = byName(name).find(pred);
    assert.ok(e, `no ${name} event from the exerciser`);
    assert.equal(e.nparams, e.expected, `${name} nparams`);
    return e;
  };
  const res = (e: Snap): number => Number(e.p.res ?? e.p.fd);

  // every syscall the exerciser called has its event, with the return value it saw
  for (const [name, values] of out) {
    if (!SENSOR_SYSCALLS.includes(name)) continue;
    const evts = byName(name);
    assert.ok(evts.length >= values.length, `${name}: ${values.length} calls, ${evts.length} events`);
    values.forEach((v, i) => assert.equal(res(evts[i]!), Number(v), `${name} #${i} return value`));
  }

  const open = first('open');
  assert.equal(open.p.name, `${dir}/a`);
  assert.equal(open.p.flags, PPM_O.WRONLY | PPM_O.CREAT | PPM_O.TRUNC | PPM_O.CLOEXEC | PPM_O.F_CREATED);
  assert.equal(open.p.mode, 256 + 128 + 32); // 0640: PPM_S_IRUSR | PPM_S_IWUSR | PPM_S_IRGRP
  const openat = first('openat', (e) => e.p.name === `${dir}/b`);
  assert.equal(openat.p.flags, PPM_O.RDWR | PPM_O.CREAT | PPM_O.EXCL | PPM_O.F_CREATED);
  assert.equal(openat.p.mode, 256 + 128);
  assert.equal(first('openat2').p.resolve, 8); // PPM_RESOLVE_NO_SYMLINKS
  // the path each successful open opened, as the kernel has it
  assert.equal(open.p.kernel_path, `${dir}/a`);
  assert.equal(openat.p.kernel_path, `${dir}/b`);
  const openat2 = first('openat2');
  assert.equal(openat2.p.kernel_path, res(openat2) >= 0 ? openat2.p.name : '');
  assert.equal(first('creat').p.mode, 256 + 128 + 64 + 32 + 8 + 4 + 1); // 0755
  assert.equal(first('creat').p.kernel_path, first('creat').p.name);
  assert.equal(first('dup3').p.flags, PPM_O.CLOEXEC);
  assert.equal(first('dup2').p.newfd, 100);
  const fcntl = first('fcntl');
  assert.equal(fcntl.p.cmd, 26); // PPM_FCNTL_F_DUPFD_CLOEXEC
  assert.equal(fcntl.p.arg, 10n);
  assert.equal(first('chmod').p.mode, 2048 + 256 + 128 + 64 + 8 + 1); // 04711
  assert.equal(first('fchmod').p.mode, 256 + 128 + 4); // 0604
  assert.equal(first('link').p.newpath, `${dir}/a.link`);
  assert.equal(first('linkat').p.olddir, -100);
  assert.equal(first('symlink').p.target, 'a');
  assert.equal(first('symlinkat').p.linkpath, `${dir}/b.sym`);
  assert.equal(first('rename').p.oldpath, `${dir}/a.link`);
  assert.equal(first('renameat2').p.flags, 1);
  assert.equal(first('unlinkat').p.name, `${dir}/a.renamed2`);
  assert.equal(first('mkdir').p.mode, 0o750);
  assert.equal(first('mkdirat').p.path, `${dir}/e`);
  assert.equal(first('rmdir').p.path, `${dir}/d`);
  assert.equal(first('chdir').p.path, dir);
  const [p0, p1] = out.get('pipe_fds')![0]!.split(' ').map(Number);
  const pipe = first('pipe');
  assert.deepEqual([pipe.p.fd1, pipe.p.fd2], [p0, p1]);
  assert.notEqual(pipe.p.ino, 0n);
  assert.equal(first('pipe2').p.flags, PPM_O.CLOEXEC | PPM_O.NONBLOCK);
  const memfd = first('memfd_create');
  assert.equal(memfd.p.name, 'saker-memfd');
  assert.equal(memfd.p.flags, 1); // PPM_MFD_CLOEXEC

  const socket = first('socket');
  assert.equal(socket.p.domain, 2);
  assert.equal(socket.p.flags, PPM_O.CLOEXEC);
  const connect = first('connect');
  assert.equal(inet(connect.p.tuple as Buffer), `2 127.0.0.1:${out.get('connect_lport')![0]} 127.0.0.1:${port}`);
  if (out.has('connect6_ports')) {
    const [lport6, rport6] = out.get('connect6_ports')![0]!.split(' ').map(Number);
    const t6 = byName('connect').map((e) => e.p.tuple as Buffer).find((b) => b[0] === 10);
    assert.ok(t6, 'IPv6 connect tuple');
    const loop6 = Buffer.alloc(16);
    loop6[15] = 1;
    assert.equal(t6.length, 37);
    assert.deepEqual([t6.subarray(1, 17), t6.readUInt16LE(17), t6.subarray(19, 35), t6.readUInt16LE(35)], [loop6, lport6, loop6, rport6]);
  }
  const unix = byName('connect').find((e) => (e.p.tuple as Buffer)[0] === 1);
  assert.ok(unix, 'unix connect');
  const ut = unix.p.tuple as Buffer;
  assert.notEqual(ut.readBigUInt64LE(1), 0n, 'peer socket pointer');
  assert.equal(ut.subarray(17).toString(), `${dir}/sock\0`);
  assert.equal((unix.p.addr as Buffer).toString('latin1', 1), `${dir}/sock\0`);
  const bindPort = out.get('bind_port')![0];
  assert.equal(inet(first('bind').p.addr as Buffer), '2 127.0.0.1:0');
  assert.equal(first('listen').p.backlog, 7);
  const accept = first('accept');
  assert.match(inet(accept.p.tuple as Buffer), new RegExp(`^2 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:${bindPort}$`));
  assert.equal(accept.p.queuemax, 7);
  assert.equal(first('accept4').p.flags, PPM_O.NONBLOCK);
  const udp = out.get('udp_port')![0];
  const sendto = first('sendto');
  assert.equal((sendto.p.data as Buffer).toString(), 'hello-sendto');
  assert.equal(sendto.p.size, 12);
  assert.equal(inet(sendto.p.tuple as Buffer), `2 127.0.0.1:${udp} 127.0.0.1:${udp}`);
  assert.equal((first('recvfrom').p.data as Buffer).toString(), 'hello-sendto');
  const sendmsg = first('sendmsg');
  assert.equal((sendmsg.p.data as Buffer).toString(), 'hello-sendmsg');
  assert.equal(sendmsg.p.size, 13);
  const recvmsg = first('recvmsg');
  assert.equal(recvmsg.p.size, 13);
  assert.equal((recvmsg.p.data as Buffer).toString(), 'hello-sendmsg');
  const sp = first('socketpair');
  assert.deepEqual([sp.p.fd1, sp.p.fd2], out.get('socketpair_fds')![0]!.split(' ').map(Number));
  assert.notEqual(sp.p.source, 0n);
  assert.equal(sp.p.domain, 1);

  for (const name of ['fork', 'vfork', 'clone3']) {
    const child = ret(name);
    assert.ok(events.some((e) => e.tid === child && ['clone', 'fork', 'vfork', 'clone3'].includes(e.name) && e.p.res === 0),
      `${name}: child event of ${child}`);
    assert.ok(events.some((e) => e.tid === child && e.name === 'procexit'), `${name}: procexit of ${child}`);
  }
  const failedExec = first('execve');
  assert.equal(failedExec.p.res, -2);
  assert.equal(failedExec.p.exe, '/nonexistent/saker-exe');
  assert.equal((failedExec.p.args as Buffer).toString(), 'arg-one\0arg two\0');
  assert.equal((failedExec.p.env as Buffer).toString(), 'SAKER_TEST=1\0');
  assert.equal(failedExec.p.filename, '/nonexistent/saker-exe');
  assert.equal(failedExec.p.cwd, dir);
  assert.equal(first('execveat').nparams, 30);

  assert.equal(first('unshare').p.flags, 32 + 128); // NEWNS | NEWUTS
  assert.equal(first('setns').p.nstype, 128);
  const mount = first('mount', (e) => e.p.dir === `${dir}/e`);
  assert.deepEqual([mount.p.dev, mount.p.dir, mount.p.type, mount.p.flags], ['saker-tmpfs', `${dir}/e`, 'tmpfs', 6]);
  assert.equal(first('umount2').p.flags, 2); // PPM_MNT_DETACH
  const ptrace = first('ptrace');
  assert.deepEqual([ptrace.p.request, ptrace.p.pid], [3, 1]); // PEEKDATA
  assert.equal(first('bpf').p.cmd, 5);
  assert.deepEqual([first('setresuid').p.ruid, first('setresuid').p.euid], [0xffffffff, 0xffffffff]);
  assert.equal(first('init_module').p.uargs, 'saker=1');
  assert.equal(first('finit_module').p.uargs, 'saker=2');
  assert.equal(first('userfaultfd').p.flags, 0o2000000);
  const prctl = first('prctl');
  assert.deepEqual([prctl.p.option, prctl.p.arg2_str], [15, 'saker-ex']);
  assert.notEqual(first('capset').p.cap_effective, 0n);

  // every event of the run, from any process, has its table layout
  assert.deepEqual(events.filter((e) => e.nparams !== e.expected).map((e) => e.name), []);
});

test('the blind-spot syscalls are decoded with their table layout and values', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const dir = mkdtempSync(join(scratch, 'blind-'));
  let ex: ReturnType<typeof run> | undefined;
  const { events } = await capture([...DECODED_SYSCALLS, 'fsopen'], () => {
    ex = run(exerciser, ['blind', dir, String(port)], dir);
  });
  const out = ex!.out;
  const pid = Number(out.get('pid')![0]);
  // from the exerciser's first line on (before it: exec and libc loading)
  const start = one(events, 'first line', (e) => e.tid === pid && e.name === 'write' && String(e.p.data).startsWith('pid ')).num;
  const child = Number(out.get('setsid')![0]); // setsid returns the forked child's pid
  const mine = events.filter((e) => (e.tid === pid || e.tid === child) && e.num > start);
  const byName = (name: string): Snap[] => mine.filter((e) => e.name === name);
  for (const [name, values] of out) {
    if (!DECODED_SYSCALLS.includes(name) || name === 'write' || name === 'read') continue;
    const evts = byName(name);
    assert.ok(evts.length >= values.length, `${name}: ${values.length} calls, ${evts.length} events`);
    values.forEach((v, i) => assert.equal(Number(evts[i]!.p.res ?? evts[i]!.p.fd), Number(v), `${name} #${i} return value`));
  }
  // (an open io_uring performed comes without the kernel's path: io_uring.bpf.h)
  const layout = (e: Snap) => e.nparams === e.expected || (e.name === 'openat' && e.nparams === e.expected - 1);
  assert.deepEqual(mine.filter((e) => !layout(e)).map((e) => `${e.name}/${e.nparams}`), [], 'every event has its table layout');
  const file = `${dir}/blind`;
  assert.equal(byName('write').find((e) => e.p.res === 11 && String(e.p.data) === 'saker-blind')?.p.size, 11, 'write data');
  assert.equal(String(byName('read').find((e) => e.p.res === 11)?.p.data), 'saker-blind', 'read data');
  assert.equal(byName('pwrite')[0]!.p.pos, 0n);
  const chown = byName('chown')[0]!;
  assert.deepEqual([chown.p.path, chown.p.uid, chown.p.gid], [file, process.getuid!(), 4242]);
  assert.deepEqual([byName('lchown')[0]!.p.gid, byName('fchown')[0]!.p.gid], [4243, 4244]);
  const fchownat = byName('fchownat')[0]!;
  assert.deepEqual([fchownat.p.dirfd, fchownat.p.pathname, fchownat.p.gid, fchownat.p.flags], [-100, file, 4245, 0x400]);
  assert.deepEqual([byName('kill')[0]!.p.pid, byName('kill')[0]!.p.sig], [pid, 0]);
  assert.deepEqual([byName('tgkill')[0]!.p.pid, byName('tgkill')[0]!.p.tid], [pid, pid]);
  assert.equal(byName('tkill')[0]!.p.tid, pid);
  assert.deepEqual([byName('setresgid')[0]!.p.rgid, byName('setreuid')[0]!.p.euid], [0xffffffff, 0xffffffff]);
  const mprotect = byName('mprotect').at(-1)!;
  assert.deepEqual([mprotect.p.addr, mprotect.p.length, mprotect.p.prot], [BigInt(out.get('mmap')![0]!), 4096n, 1 | 4]); // PPM_PROT_READ | EXEC
  const mmap = byName('mmap').find((e) => BigInt(e.p.res as bigint) === BigInt(out.get('mmap')![0]!))!;
  assert.deepEqual([mmap.p.length, mmap.p.prot, mmap.p.flags, mmap.p.fd], [4096n, 1 | 2, 2 | 8, -1]); // READ|WRITE, PRIVATE|ANONYMOUS
  assert.equal(byName('pidfd_open')[0]!.p.pid, pid);
  assert.deepEqual([byName('pidfd_getfd')[0]!.p.pid_fd, byName('pidfd_getfd')[0]!.p.target_fd], [Number(out.get('pidfd_open')![0]), 3]);
  assert.deepEqual([byName('close_range')[0]!.p.first, byName('close_range')[0]!.p.last], [900, 910]);
  assert.equal(byName('chroot')[0]!.p.path, '/nonexistent-saker-root');
  const u16 = (v: unknown): number => (Buffer.isBuffer(v) ? v.readUInt16LE(0) : Number(v));
  const generic = mine.find((e) => e.type === 1 && syscallName(u16(e.p.ID)) === 'fsopen');
  assert.ok(generic, `fsopen as a generic event: ${JSON.stringify(mine.filter((e) => e.type === 1).map((e) => e.p))}`);
  assert.equal(u16(generic.p.nativeID), 430);
  const setup = byName('io_uring_setup')[0]!;
  assert.deepEqual([setup.p.entries, setup.p.sq_entries, setup.p.cq_entries], [4, 4, 8]);
  const enter = byName('io_uring_enter')[0]!;
  assert.deepEqual([enter.p.fd, enter.p.to_submit, enter.p.min_complete, enter.p.flags], [Number(setup.p.res), 1, 1, 1]);
  assert.equal(byName('io_uring_register')[0]!.p.opcode, 8); // IORING_REGISTER_PROBE
  // what the rings did: an openat and a connect, reported as the syscalls they stand for
  const ringOpen = byName('openat').find((e) => e.p.name === '/etc/hostname');
  assert.ok(ringOpen, 'the ring openat');
  assert.equal(ringOpen.p.fd, Number(out.get('uring_openat')![0]));
  assert.equal(ringOpen.p.ino, BigInt(statSync('/etc/hostname').ino));
  const ringConnect = byName('connect')[0]!;
  assert.equal(ringConnect.p.res, Number(out.get('uring_connect')![0]));
  assert.equal(inet(ringConnect.p.addr as Buffer), '2 127.0.0.1:' + port);
});

test('the raw_tp flavour captures the same events', async (t) => {
  if (unavailable) return t.skip(unavailable);
  let pid = 0;
  const { events, sensor } = await capture(['execve', 'procexit'], () => {
    pid = run('/bin/true', ['raw']).pid;
  }, { attach: 'raw' });
  assert.equal(sensor.attach, 'raw_tp');
  const exec = one(events, 'execve', (e) => e.name === 'execve' && e.tid === pid);
  assert.equal((exec.p.args as Buffer).toString(), 'raw\0');
  one(events, 'procexit', (e) => e.name === 'procexit' && e.tid === pid);
});

test('the syscall set changes at run time', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const events: Snap[] = [];
  const sensor = await LiveSensor.start({ syscalls: ['execve'], onEvent: (v) => events.push(snap(v)) });
  const settle = async (): Promise<void> => {
    await sensor.stats(); // a round trip, then one drain period: what ran is delivered
    await new Promise((r) => setTimeout(r, 30));
  };
  try {
    const a = run(exerciser, ['open', '/etc/hostname']).pid;
    await sensor.setSyscalls(['openat', 'execve']);
    const b = run(exerciser, ['open', '/etc/hostname']).pid;
    await sensor.setSyscalls(['openat']);
    const c = run(exerciser, ['open', '/etc/hostname']).pid;
    await settle();
    const has = (tid: number, name: string): boolean => events.some((e) => e.tid === tid && e.name === name);
    assert.ok(has(a, 'execve') && !has(a, 'openat'), 'before openat was enabled');
    assert.ok(has(b, 'execve') && has(b, 'openat'), 'both enabled');
    assert.ok(!has(c, 'execve') && has(c, 'openat'), 'after execve was disabled');
    await assert.rejects(sensor.setSyscalls(['mmap2']), /does not support: mmap2/);
  } finally {
    await sensor.stop();
  }
});

test('the rings are read in this process by default; the loader reads them when asked to', async (t) => {
  if (unavailable) return t.skip(unavailable);
  if (!existsSync(ringReaderPath(root))) return t.skip(`the ring reader is not built (${ringReaderPath(root)}: no Node headers when the sensor was built)`);
  for (const reader of [undefined, 'loader'] as const) {
    let mine = 0;
    const sensor = await LiveSensor.start({ syscalls: ['openat'], reader, onEvent: (v) => {
      if (v.nparams > 2 && v.str(2) === '/etc/hostname') mine++;
    } });
    assert.equal(sensor.reader, reader ?? 'in-process');
    run('cat', ['/etc/hostname']);
    const stats = await sensor.stop();
    assert.ok(mine >= 1, `${sensor.reader}: the cat's open`);
    assert.equal(stats.events, stats.records + stats.drops, `${sensor.reader}: ${JSON.stringify(stats)}`);
    assert.equal(stats.received, stats.records);
  }
});

test('without the ring reader the loader reads the rings, and says why; in-process then refuses to start', async (t) => {
  if (unavailable) return t.skip(unavailable);
  const missing = join(scratch, 'no-such-ring-reader.node');
  const sensor = await LiveSensor.start({ syscalls: ['openat'], ringReader: missing, onEvent: () => {} });
  try {
    assert.equal(sensor.reader, 'loader');
    assert.match(sensor.readerNote, /no-such-ring-reader\.node is not built/);
  } finally {
    await sensor.stop();
  }
  await assert.rejects(LiveSensor.start({ syscalls: ['openat'], reader: 'in-process', ringReader: missing, onEvent: () => {} }), (err: unknown) =>
    err instanceof SensorError && err.code === 'reader' && /cannot read the rings in-process: .*is not built/.test(err.message));
});

// the rings read by this process (the ring reader) and by the loader into a socket
for (const reader of ['in-process', 'loader'] as const) {
  test(`drops are counted in the kernel and add up (${reader})`, async (t) => {
    if (unavailable) return t.skip(unavailable);
    // spawnSync blocks this process: nobody reads the sensor's pipe while the child floods a 1 MiB
    // ring, so the ring overflows
    const { events, stats } = await capture(['openat', 'close'], () => {
      run(exerciser, ['flood', '200000']);
    }, { ringMb: 1, reader });
    assert.ok(stats.drops > 0, `expected drops, got ${JSON.stringify(stats)}`);
    assert.ok((stats.dropsFull.open ?? 0) + (stats.dropsFull.close ?? 0) > 0);
    assert.equal(stats.events, stats.records + stats.drops);
    assert.equal(stats.received, stats.records);
    assert.equal(events.length, stats.records);
  });

  test(`records a full CPU ring cannot take go through the overflow ring, in time order (${reader})`, async (t) => {
    if (unavailable) return t.skip(unavailable);
    // as above, nobody reads while the child runs: once the loader's pipe and buffer are full, the
    // CPU rings (1 MiB each) fill and later records spill into the shared overflow ring
    const stamps = new Map<number, bigint[]>();
    const sensor = await LiveSensor.start({
      syscalls: ['openat', 'close'],
      ringMb: 1,
      reader,
      onEvent: (v) => {
        const list = stamps.get(v.tid) ?? [];
        list.push(v.ts);
        stamps.set(v.tid, list);
      },
    });
    const { pid } = run(exerciser, ['flood', '70000']);
    const stats = await sensor.stop();
    // a record is dropped only when it could go neither to its ring nor to the overflow ring
    assert.ok(stats.spilled > stats.drops, `no spilled record delivered: ${JSON.stringify(stats)}`);
    assert.equal(stats.events, stats.records + stats.drops);
    const mine = stamps.get(pid) ?? [];
    assert.ok(mine.length > 0 && mine.length <= stats.records);
    const back = mine.findIndex((ts, i) => i > 0 && ts < mine[i - 1]!);
    assert.equal(back, -1, `event ${back} of the flood is older than the one before it`);
  });

  test(`the first record after a quiet spell wakes the reader, not the drain timer (${reader})`, async (t) => {
    if (unavailable) return t.skip(unavailable);
    // a one-second timer: without the doorbell (sensor/README.md "Ring sizes and wakeups") a
    // record would wait half of it on average
    const marker = join(scratch, 'doorbell-marker');
    writeFileSync(marker, 'x');
    let seen: (() => void) | undefined;
    const sensor = await LiveSensor.start({
      syscalls: ['openat'],
      pollMs: 1000,
      reader,
      onEvent: (v) => {
        if (seen && v.nparams > 2 && v.str(2) === marker) seen();
      },
    });
    try {
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 100 + i * 37));
        const arrived = new Promise<void>((resolve) => (seen = resolve));
        const t0 = performance.now();
        spawn('cat', [marker], { stdio: 'ignore' });
        await arrived;
        waits.push(performance.now() - t0);
      }
      waits.sort((a, b) => a - b);
      // the child's own start-up is in it: a few ms, more on a loaded machine
      assert.ok(waits[2]! < 250, `spawn → record median ${waits[2]!.toFixed(1)} ms (all: ${waits.map((w) => w.toFixed(1)).join(', ')})`);
    } finally {
      await sensor.stop();
    }
  });

  test(`a record just after a drain is read at once after a quiet spell; records that keep coming are still read in batches (${reader})`, async (t) => {
    if (unavailable) return t.skip(unavailable);
    // drains 300 ms apart on average: a wait of a whole batch after every drain would hold the
    // second of two records 100 ms apart back by ~200 ms
    const BATCH_MS = 300;
    // getpriority: a syscall no other process on the host makes every few ms (an open would be
    // any process's, and other records earn no credit)
    let seen: (() => void) | undefined;
    let opener = 0;
    let chunks = 0;
    const sensor = await LiveSensor.start({
      syscalls: ['getpriority'],
      pollMs: 1000,
      reader,
      batchUs: BATCH_MS * 1000,
      onBatch: () => chunks++,
      onEvent: (v) => {
        if (seen && v.tid === opener) seen();
      },
    });
    // calls by another process (the sensor leaves this one out): a letter on its stdin, one call
    const child = spawn(process.execPath, ['-e', `const { getPriority } = require('node:os');
      process.stdin.setEncoding('utf8').on('data', (s) => { for (const c of s) if (c === 'o') getPriority(0); });`], { stdio: ['pipe', 'ignore', 'inherit'] });
    t.after(() => child.kill());
    opener = child.pid!;
    try {
      const call = async (): Promise<number> => {
        const arrived = new Promise<void>((resolve) => (seen = resolve));
        const t0 = performance.now();
        child.stdin.write('o');
        await arrived;
        seen = undefined;
        return performance.now() - t0;
      };
      await call(); // the child has started
      const pairs: number[][] = [];
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 1300)); // quiet: credit for more than one drain
        const first = await call();
        await new Promise((r) => setTimeout(r, 100));
        pairs.push([first, await call()]);
      }
      const seconds = pairs.map((p) => p[1]!).sort((a, b) => a - b);
      const show = pairs.map((p) => p.map((ms) => ms.toFixed(1)).join('/')).join(', ');
      assert.ok(seconds[1]! < BATCH_MS / 2, `the second record of a pair, 100 ms after the first, is read at once (median ${seconds[1]!.toFixed(1)} ms; first/second: ${show})`);

      // records that keep coming: a call every ~5 ms for 2.4 s; read in ~8 drains, not ~500
      const before = chunks;
      const end = performance.now() + 2400;
      while (performance.now() < end) {
        child.stdin.write('o');
        await new Promise((r) => setTimeout(r, 5));
      }
      await sensor.stats();
      const drains = chunks - before;
      assert.ok(drains <= 2400 / BATCH_MS + 4 + 4, `a steady stream is read in batches: ${drains} reads in 2.4 s at ${BATCH_MS} ms per drain`);
    } finally {
      await sensor.stop();
    }
  });
}

test('a sensor that dies is reported through onError', async (t) => {
  if (unavailable) return t.skip(unavailable);
  let onError: (err: SensorError) => void = () => {};
  const reported = new Promise<SensorError>((resolve) => (onError = resolve));
  const sensor = await LiveSensor.start({ syscalls: ['execve'], onEvent: () => {}, onError: (e) => onError(e) });
  process.kill(sensor.pid, 'SIGKILL');
  const err = await reported;
  assert.equal(err.code, 'exited');
  await assert.rejects(sensor.stats(), /not running/);
  await sensor.stop(); // still safe
});

test('refusals are clear', async (t) => {
  assert.throws(() => findSensorBinary(join(scratch, 'nowhere')), (err: unknown) =>
    err instanceof SensorError && err.code === 'not-built' && /sensor not built: run npm run setup/.test(err.message));
  if (unavailable) return t.skip(unavailable);
  await assert.rejects(LiveSensor.start({ syscalls: ['mmap2'], onEvent: () => {} }), /does not support: mmap2/);
  // the binary itself refuses to run unprivileged, in one line, with status 2
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', findSensorBinary()], { encoding: 'utf8' });
  if (r.error) return t.skip('setpriv not available');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'saker-sensor: must run as root (loading BPF programs needs CAP_BPF, CAP_PERFMON)');
  // root without the BPF capabilities: the kernel says no, and LiveSensor says why
  const wrapper = join(scratch, 'no-bpf-caps.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin ${findSensorBinary()} "$@"\n`, { mode: 0o755 });
  await assert.rejects(LiveSensor.start({ binary: wrapper, syscalls: ['execve'], onEvent: () => {} }), (err: unknown) => {
    assert.ok(err instanceof SensorError);
    assert.equal(err.code, 'bpf-refused');
    assert.match(err.message, /^the kernel refused the BPF programs \(tp_btf\): Operation not permitted/);
    return true;
  });
});
