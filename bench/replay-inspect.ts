// Replay speed of `saker inspect F FILTER -p %evt.num` (read → convert → state → filter → print)
// side by side with `sysdig -r F -p %evt.num FILTER` on one synthetic capture written with
// ScapWriter in the layouts sysdig 0.29 knows: enter/exit pairs of openat, read, close, socket,
// connect, clone and execve (plus procexit) from 16 long-lived threads of 8 processes and
// short-lived children, over a process list with open fds.
// Usage: node --import tsx bench/replay-inspect.ts [syscalls]   (default 560k syscalls ≈ 1.1M events)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEvent, eventCode, type ParamValue } from '../src/events/index.js';
import { SCAP_FD, type ScapProcess, ScapWriter } from '../src/capture/scap/index.js';
import { encodeSockAddr, encodeSockTuple } from '../src/state/index.js';

const SYSCALLS = Number(process.argv[2] ?? 560_000);
const FILTER = '(evt.type = openat and fd.name startswith /etc) or (evt.type = connect and fd.sport = 443) or proc.name = sh';
const devNull = openSync('/dev/null', 'w');
const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..');
// SAKER_BENCH_FILE=path keeps the capture there (for profiling) instead of a temporary folder.
const keep = process.env.SAKER_BENCH_FILE;
const dir = mkdtempSync(join(tmpdir(), 'saker-bench-'));
const file = keep ?? join(dir, 'replay.scap');

const X = (name: string) => eventCode(name);
const E = (name: string) => eventCode(name) - 1;
const PROCEXIT = eventCode('procexit', false);
const nul = (...xs: string[]) => Buffer.from(xs.map((x) => `${x}\0`).join(''));

function proc(tid: number, pid: number, comm: string, fds: ScapProcess['fds'] = []): ScapProcess {
  return {
    tid, pid, ptid: 1, sid: pid, vpgid: pid, pgid: pid, comm, exe: `/usr/sbin/${comm}`, exepath: `/usr/sbin/${comm}`, args: ['-c', comm],
    env: ['PATH=/usr/bin'], cwd: '/srv/', fdlimit: 1024, flags: 0, uid: 33, gid: 33, vmSizeKb: 0, vmRssKb: 0, vmSwapKb: 0,
    pfMajor: 0n, pfMinor: 0n, vtid: tid, vpid: pid, cgroups: ['cpu=/system.slice'], root: '/', pidnsInitStartTs: 0n, tty: 0,
    loginuid: 0xffffffff, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, fds,
  };
}

const PATHS = ['/etc/hosts', '/var/log/app/access.log', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/proc/self/stat', '/srv/data/blob.bin', '/etc/ssl/certs/ca.pem'];
const DATA = Buffer.from('GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench\r\n\r\n..........');

async function makeCapture(): Promise<number> {
  const w = new ScapWriter(file, { sysdigCompat: true });
  const names = ['nginx', 'postgres', 'redis', 'node', 'python3', 'java', 'sshd', 'cron'];
  const procs: ScapProcess[] = [proc(1, 1, 'systemd')];
  const threads: number[] = [];
  names.forEach((n, i) => {
    const pid = 1000 + i * 10;
    procs.push(proc(pid, pid, n, [{ fd: 3, ino: 1n, type: SCAP_FD.FILE_V2, openFlags: 2, name: `/var/log/${n}.log`, dev: 0 }]));
    procs.push(proc(pid + 1, pid, n));
    threads.push(pid, pid + 1);
  });
  w.writeTables({ processes: procs, users: [{ uid: 33, gid: 33, name: 'www-data', homedir: '/var/www', shell: '/bin/sh' }], groups: [{ gid: 33, name: 'www-data' }], interfaces: [] });
  let ts = 1_700_000_000_000_000_000n;
  let records = 0;
  const put = (tid: number, type: number, params: ParamValue[]) => {
    ts += 1500n;
    w.writeEvent(encodeEvent({ ts, tid, type, params }), tid & 1);
    records++;
  };
  const open = new Map<number, number[]>(); // pid -> fds opened by the bench
  let nextChild = 50_000;
  let rng = 12345;
  const rand = (n: number) => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < SYSCALLS; i++) {
    const tid = threads[rand(threads.length)]!;
    const pid = tid - (tid % 10 === 1 ? 1 : 0);
    const fds = open.get(pid) ?? open.set(pid, []).get(pid)!;
    const r = rand(100);
    if (r < 23 || fds.length === 0) {
      const fd = 4 + fds.length;
      const path = PATHS[rand(PATHS.length)]!;
      put(tid, E('openat'), [-100, path, 1, 0]);
      put(tid, X('openat'), [fd, -100, path, 1, 0, 0x803]);
      fds.push(fd);
    } else if (r < 63) {
      const fd = fds[rand(fds.length)]!;
      put(tid, E('read'), [fd, 4096]);
      put(tid, X('read'), [DATA.length, DATA]);
    } else if (r < 86 || fds.length > 40) {
      const fd = fds.pop()!;
      put(tid, E('close'), [fd]);
      put(tid, X('close'), [0]);
    } else if (r < 96) {
      const fd = 4 + fds.length;
      put(tid, E('socket'), [2, 1, 0]);
      put(tid, X('socket'), [fd]);
      const port = r & 1 ? 443 : 5432;
      put(tid, E('connect'), [fd, encodeSockAddr({ ip: '10.1.0.7', port })]);
      put(tid, X('connect'), [0, encodeSockTuple({ sip: '10.0.0.5', sport: 30000 + (i % 30000), dip: '10.1.0.7', dport: port })]);
      fds.push(fd);
    } else {
      // A short-lived child: clone, exec of sh, a file read, exit.
      const child = nextChild++;
      // clone exit: res, exe, args, tid, pid, ptid (of the thread the event is from), cwd ... vtid, vpid.
      const cloneX = (res: number, self: number, selfPid: number, parent: number) =>
        [res, '/usr/sbin/x', nul('-c', 'x'), self, selfPid, parent, '/srv', 1024, 0, 0, 0, 0, 0, 'x', nul('cpu=/system.slice'), 0, 33, 33, self, selfPid];
      put(tid, E('clone'), []);
      put(tid, X('clone'), cloneX(child, tid, pid, 1));
      put(child, E('clone'), []);
      put(child, X('clone'), cloneX(0, child, child, pid));
      put(child, E('execve'), ['/bin/sh']);
      put(child, X('execve'), [0, '/bin/sh', nul('-c', 'date'), child, child, pid, '/srv', 1024, 0, 0, 0, 0, 0, 'sh', nul('cpu=/system.slice'), nul('PATH=/usr/bin'), 0, child, 33, 0]);
      put(child, E('openat'), [-100, '/etc/localtime', 1, 0]);
      put(child, X('openat'), [3, -100, '/etc/localtime', 1, 0, 0x803]);
      put(child, E('read'), [3, 4096]);
      put(child, X('read'), [DATA.length, DATA]);
      put(child, PROCEXIT, [0, 0, 0, 0, 0]);
    }
    if (w.wantsFlush) await w.flush();
  }
  await w.close();
  return records;
}

/** Wall time of one run with its output thrown away (/dev/null), and the number of lines it prints. */
function timed(cmd: string, args: string[]): { ms: number; lines: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', devNull, 'pipe'], cwd: REPO });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString() || r.error}`);
  return { ms, lines: -1 };
}

function countLines(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: REPO });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.error}`);
  return r.stdout.split('\n').filter(Boolean).length;
}

try {
  const records = await makeCapture();
  const mb = statSync(file).size / 1e6;
  console.log(`capture: ${records} events (${SYSCALLS} syscalls as enter/exit pairs), ${mb.toFixed(0)} MB`);
  console.log(`filter: ${FILTER}`);
  // Best of three runs each, after a warm-up run that also counts the lines (file cache, compile cache).
  const best = (cmd: string, args: string[]) => {
    const lines = countLines(cmd, args);
    let ms = Infinity;
    for (let i = 0; i < 3; i++) ms = Math.min(ms, timed(cmd, args).ms);
    return { ms, lines };
  };
  const ours = best(process.execPath, [join(REPO, 'bin/saker.js'), 'inspect', file, FILTER, '-p', '%evt.num']);
  const rate = (records / ours.ms) * 1000;
  console.log(`saker inspect: ${ours.ms.toFixed(0)} ms, ${(rate / 1e6).toFixed(2)} M events/s, ${ours.lines} lines`);
  let sd: { ms: number; lines: number } | undefined;
  try {
    sd = best('sysdig', ['-r', file, '-p', '%evt.num', FILTER]);
  } catch (e) {
    console.log(`sysdig: not available (${(e as Error).message.split('\n')[0]}), no ratio`);
  }
  if (sd) {
    const sdRate = (records / sd.ms) * 1000;
    console.log(`sysdig -r:     ${sd.ms.toFixed(0)} ms, ${(sdRate / 1e6).toFixed(2)} M events/s, ${sd.lines} lines (enter events included)`);
    console.log(`ratio saker/sysdig (events/s): ${(rate / sdRate).toFixed(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
