// Reads the live system's threads and their fds from /proc into ThreadSnapshots, as libscap's
// /proc scan does (scap_procs.c, scap_fds.c): one snapshot per task, fds on the main thread,
// sockets resolved through the /proc/<pid>/net tables of the process's network namespace.
import { closeSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { L4Proto } from './types.js';
import type { FdSnapshot, ThreadSnapshot } from './snapshot.js';
import { ipv4At, ipv6At } from './sockaddr.js';
import { NO_ID, PPM_CL, PPM_O } from './ppm.js';

/** libscap reads at most this much of cmdline and environ (SCAP_MAX_ARGS_SIZE / SCAP_MAX_ENV_SIZE). */
const MAX_ARGS = 4096;
const TICKS_PER_SECOND = 100;

export interface ProcScanOptions {
  /** Where procfs is mounted (default /proc). */
  procRoot?: string;
  /** Read each process's fds (default true). */
  fds?: boolean;
  /** Resolve socket fds through the net tables (default true). */
  sockets?: boolean;
  /** Boot time in ns since the epoch, for start times (default: from /proc/uptime). */
  bootTs?: bigint;
}

export interface ProcScanStats {
  processes: number;
  threads: number;
  fds: number;
  /** Tasks that vanished or could not be read while scanning. */
  skipped: number;
  durationMs: number;
}

/** Boot time in ns since the epoch: now minus /proc/uptime. */
export function bootTimeNs(procRoot = '/proc'): bigint {
  try {
    const up = Number.parseFloat(readFileSync(`${procRoot}/uptime`, 'latin1'));
    return BigInt(Date.now()) * 1_000_000n - BigInt(Math.round(up * 1e9));
  } catch {
    return 0n;
  }
}

// One buffer for every small /proc file: open, read, close and no fstat or allocation per file.
const scratch = Buffer.allocUnsafe(64 * 1024);

/** Reads up to `max` bytes of a /proc file into the scratch buffer; returns the length or -1. */
function readInto(path: string, max = scratch.length): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    let n = 0;
    while (n < max) {
      const r = readSync(fd, scratch, n, max - n, null);
      if (r <= 0) break;
      n += r;
    }
    return n;
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

function tryRead(path: string, max: number): Buffer | undefined {
  const n = readInto(path, max);
  return n < 0 ? undefined : Buffer.from(scratch.subarray(0, n));
}

function tryText(path: string): string | undefined {
  const n = readInto(path);
  if (n < 0) return undefined;
  // Socket tables can outgrow the scratch buffer.
  if (n === scratch.length) {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return undefined;
    }
  }
  return scratch.toString('latin1', 0, n);
}

function tryLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** NUL-separated strings as libscap stores them: the read buffer's last byte becomes the terminator. */
function splitNul(b: Buffer | undefined): string[] {
  if (b === undefined || b.length <= 1) return [];
  return b.toString('utf8', 0, b.length - 1).split('\0');
}

interface StatusFields {
  tgid: number;
  ppid: number;
  uid: number;
  gid: number;
  capInh: bigint;
  capPrm: bigint;
  capEff: bigint;
  vmSize: number;
  vmRss: number;
  vmSwap: number;
  vtid: number;
  vpid: number;
  pgid: number;
  vpgid: number;
}

function parseStatus(text: string, tid: number): StatusFields {
  const f: StatusFields = {
    tgid: -1, ppid: -1, uid: NO_ID, gid: NO_ID, capInh: 0n, capPrm: 0n, capEff: 0n,
    vmSize: 0, vmRss: 0, vmSwap: 0, vtid: -1, vpid: -1, pgid: -1, vpgid: 0,
  };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon);
    const rest = line.slice(colon + 1).trim();
    switch (key) {
      case 'Tgid': f.tgid = Number.parseInt(rest, 10); break;
      case 'PPid': f.ppid = Number.parseInt(rest, 10); break;
      case 'Uid': f.uid = Number.parseInt(rest.split(/\s+/)[1] ?? '', 10); break; // effective uid
      case 'Gid': f.gid = Number.parseInt(rest.split(/\s+/)[1] ?? '', 10); break;
      case 'CapInh': f.capInh = BigInt('0x' + rest); break;
      case 'CapPrm': f.capPrm = BigInt('0x' + rest); break;
      case 'CapEff': f.capEff = BigInt('0x' + rest); break;
      case 'VmSize': f.vmSize = Number.parseInt(rest, 10); break;
      case 'VmRSS': f.vmRss = Number.parseInt(rest, 10); break;
      case 'VmSwap': f.vmSwap = Number.parseInt(rest, 10); break;
      case 'NSpid': {
        const ids = rest.split(/\s+/);
        f.vtid = ids.length >= 2 ? Number.parseInt(ids[1]!, 10) : tid;
        break;
      }
      case 'NStgid': {
        const ids = rest.split(/\s+/);
        f.vpid = ids.length >= 2 ? Number.parseInt(ids[1]!, 10) : -2;
        break;
      }
      case 'NSpgid': {
        // Only a process in a nested pid namespace gets pgid/vpgid here (libscap leaves vpgid 0 otherwise).
        const ids = rest.split(/\s+/);
        if (ids.length >= 2) {
          f.pgid = Number.parseInt(ids[0]!, 10);
          f.vpgid = Number.parseInt(ids[1]!, 10);
        }
        break;
      }
    }
  }
  if (f.vpid === -2 || f.vpid === -1) f.vpid = f.tgid;
  if (f.vtid === -1) f.vtid = tid;
  return f;
}

interface StatFields {
  comm: string;
  pgid: number;
  sid: number;
  tty: number;
  minflt: number;
  majflt: number;
  startTicks: number;
}

function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1) return undefined;
  const f = text.slice(close + 2).split(' ');
  // (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt ... starttime (field 22)
  return {
    comm: text.slice(open + 1, close),
    pgid: Number.parseInt(f[2]!, 10),
    sid: Number.parseInt(f[3]!, 10),
    tty: Number.parseInt(f[4]!, 10) >>> 0,
    minflt: Number.parseInt(f[7]!, 10),
    majflt: Number.parseInt(f[9]!, 10),
    startTicks: Number.parseInt(f[19]!, 10),
  };
}

/** "N:subsys,subsys:/path" lines as "subsys=/path" entries (cgroup v1), v2 as its controllers. */
function parseCgroups(text: string | undefined, v2Controllers: () => string[]): string[] {
  if (text === undefined) return [];
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const c1 = line.indexOf(':');
    const c2 = line.indexOf(':', c1 + 1);
    if (c1 === -1 || c2 === -1) continue;
    const subsys = line.slice(c1 + 1, c2);
    const path = line.slice(c2 + 1);
    if (subsys.length === 0) {
      // The unified hierarchy: every controller enabled there lives at this path.
      if (line.slice(0, c1) !== '0') continue;
      for (const ctl of v2Controllers()) out.push(`${ctl}=${path}`);
      continue;
    }
    for (const s of subsys.split(',')) out.push(`${s}=${path}`);
  }
  return out;
}

/** Linux open flags from /proc/<pid>/fdinfo as PPM_O_* (open_flags_to_scap). */
export function openFlagsToPpm(flags: number): number {
  let res = 0;
  switch (flags & 3) {
    case 1: res |= PPM_O.WRONLY; break;
    case 2: res |= PPM_O.RDWR; break;
    default: res |= PPM_O.RDONLY; break;
  }
  if (flags & 0o100) res |= PPM_O.CREAT;
  if ((flags & 0o20200000) === 0o20200000) res |= PPM_O.TMPFILE;
  if (flags & 0o2000) res |= PPM_O.APPEND;
  if (flags & 0o10000) res |= PPM_O.DSYNC;
  if (flags & 0o200) res |= PPM_O.EXCL;
  if (flags & 0o4000) res |= PPM_O.NONBLOCK;
  if ((flags & 0o4010000) === 0o4010000) res |= PPM_O.SYNC;
  if (flags & 0o1000) res |= PPM_O.TRUNC;
  if (flags & 0o40000) res |= PPM_O.DIRECT;
  if (flags & 0o200000) res |= PPM_O.DIRECTORY;
  if (flags & 0o100000) res |= PPM_O.LARGEFILE;
  if (flags & 0o2000000) res |= PPM_O.CLOEXEC;
  return res;
}

/** Classification of "anon_inode:[...]" links (classify_anon_inode_file). */
function anonInodeType(name: string): FdSnapshot['type'] {
  switch (name.slice('anon_inode:'.length)) {
    case '[eventfd]': return 'event';
    case '[eventpoll]': return 'eventpoll';
    case 'inotify': return 'inotify';
    case '[signalfd]': return 'signalfd';
    case '[timerfd]': return 'timerfd';
    case '[io_uring]': return 'io_uring';
    case '[userfaultfd]': return 'userfaultfd';
    case '[pidfd]': return 'pidfd';
    case 'bpf-map': case 'bpf-prog': case 'bpf-link': case 'bpf_iter': return 'bpf';
    default: return 'unsupported';
  }
}

type SocketEntry = Omit<FdSnapshot, 'fd'>;

interface ExeStat {
  ino: number;
  ctime: bigint;
  mtime: bigint;
  uid: number;
  gid: number;
  mode: number;
}

/** Little-endian u32 words as /proc/net prints addresses, back to network-order bytes. */
function hexAddrBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    const v = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    out[w * 4] = v & 0xff;
    out[w * 4 + 1] = (v >>> 8) & 0xff;
    out[w * 4 + 2] = (v >>> 16) & 0xff;
    out[w * 4 + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

function parseInetTable(text: string | undefined, v6: boolean, l4proto: L4Proto, into: Map<number, SocketEntry>): void {
  if (text === undefined) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [lip, lport] = f[1]!.split(':');
    const [rip, rport] = f[2]!.split(':');
    const ino = Number.parseInt(f[9]!, 10);
    if (lip === undefined || rip === undefined || !Number.isFinite(ino)) continue;
    const lb = hexAddrBytes(lip);
    const rb = hexAddrBytes(rip);
    const local = v6 ? ipv6At(lb, 0) : ipv4At(lb, 0);
    const remote = v6 ? ipv6At(rb, 0) : ipv4At(rb, 0);
    const remoteZero = rb.every((x) => x === 0);
    if (remoteZero) {
      into.set(ino, { type: v6 ? 'ipv6_server' : 'ipv4_server', ino, ip: local, port: Number.parseInt(lport ?? '0', 16), l4proto });
    } else {
      into.set(ino, {
        type: v6 ? 'ipv6' : 'ipv4', ino, l4proto,
        sip: local, sport: Number.parseInt(lport ?? '0', 16), dip: remote, dport: Number.parseInt(rport ?? '0', 16),
      });
    }
  }
}

function parseUnixTable(text: string | undefined, into: Map<number, SocketEntry>): void {
  if (text === undefined) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 7) continue;
    const num = f[0]!.replace(/:$/, '');
    const ino = Number.parseInt(f[6]!, 10);
    if (!/^[0-9a-f]+$/i.test(num) || !Number.isFinite(ino)) continue;
    into.set(ino, { type: 'unix', ino, source: BigInt('0x' + num), dest: 0n, name: f.slice(7).join(' ') });
  }
}

function parseNetlinkTable(text: string | undefined, into: Map<number, SocketEntry>): void {
  if (text === undefined) return;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const ino = Number.parseInt(f[9]!, 10);
    if (Number.isFinite(ino)) into.set(ino, { type: 'netlink', ino });
  }
}

/** Reads one network namespace's socket tables through /proc/<pid>/net. */
function readSockets(pidDir: string): Map<number, SocketEntry> {
  const m = new Map<number, SocketEntry>();
  const net = `${pidDir}/net/`;
  parseInetTable(tryText(net + 'tcp'), false, 'tcp', m);
  parseInetTable(tryText(net + 'udp'), false, 'udp', m);
  parseInetTable(tryText(net + 'raw'), false, 'raw', m);
  parseUnixTable(tryText(net + 'unix'), m);
  parseNetlinkTable(tryText(net + 'netlink'), m);
  parseInetTable(tryText(net + 'tcp6'), true, 'tcp', m);
  parseInetTable(tryText(net + 'udp6'), true, 'udp', m);
  parseInetTable(tryText(net + 'raw6'), true, 'raw', m);
  return m;
}

/** Scans /proc: reusable across many processes (socket tables are cached per network namespace). */
export class ProcScanner {
  readonly procRoot: string;
  readonly withFds: boolean;
  readonly withSockets: boolean;
  readonly bootTs: bigint;
  private readonly socketsByNetns = new Map<string, Map<number, SocketEntry>>();
  private v2Controllers: string[] | undefined;
  private readonly exeStats = new Map<string, ExeStat | undefined>();
  stats: ProcScanStats = { processes: 0, threads: 0, fds: 0, skipped: 0, durationMs: 0 };

  constructor(opts: ProcScanOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.withFds = opts.fds ?? true;
    this.withSockets = opts.sockets ?? true;
    this.bootTs = opts.bootTs ?? bootTimeNs(this.procRoot);
  }

  /** Every thread of every process. */
  scanAll(): ThreadSnapshot[] {
    const start = performance.now();
    this.stats = { processes: 0, threads: 0, fds: 0, skipped: 0, durationMs: 0 };
    this.socketsByNetns.clear();
    this.exeStats.clear();
    const out: ThreadSnapshot[] = [];
    let entries: string[];
    try {
      entries = readdirSync(this.procRoot);
    } catch {
      return out;
    }
    for (const e of entries) {
      const c = e.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(e);
      if (!Number.isInteger(pid)) continue;
      this.scanProcess(pid, out);
    }
    this.stats.durationMs = performance.now() - start;
    return out;
  }

  /** All threads of process `pid` (main thread first), appended to `out`. */
  scanProcess(pid: number, out: ThreadSnapshot[] = []): ThreadSnapshot[] {
    const pidDir = `${this.procRoot}/${pid}`;
    const main = this.readTask(pid, pid, pidDir, undefined);
    if (main === undefined) {
      this.stats.skipped++;
      return out;
    }
    this.stats.processes++;
    this.stats.threads++;
    out.push(main);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`${pidDir}/task`);
    } catch {
      // The process is gone or hides its tasks.
    }
    for (const e of tasks) {
      const tid = Number(e);
      if (!Number.isInteger(tid) || tid === pid) continue;
      const t = this.readTask(pid, tid, `${pidDir}/task/${tid}`, main);
      if (t === undefined) {
        this.stats.skipped++;
        continue;
      }
      this.stats.threads++;
      out.push(t);
    }
    if (this.withFds) main.fds = this.readFds(pidDir);
    return out;
  }

  /** One thread by tid (a live lookup for an event from an unknown thread), with fds if main. */
  readThread(tid: number): ThreadSnapshot | undefined {
    this.exeStats.clear();
    const status = tryText(`${this.procRoot}/${tid}/status`);
    if (status === undefined) return undefined;
    const tgid = parseStatus(status, tid).tgid;
    if (tgid <= 0) return undefined;
    const pidDir = `${this.procRoot}/${tgid}`;
    if (tgid === tid) {
      const main = this.readTask(tgid, tid, pidDir, undefined);
      if (main !== undefined && this.withFds) main.fds = this.readFds(pidDir);
      return main;
    }
    const main = this.readTask(tgid, tgid, pidDir, undefined);
    return this.readTask(tgid, tid, `${pidDir}/task/${tid}`, main);
  }

  /** Whether a thread is still alive (scap_is_thread_alive). */
  isAlive(pid: number, tid: number): boolean {
    try {
      statSync(`${this.procRoot}/${pid}/task/${tid}`);
      return true;
    } catch {
      return false;
    }
  }

  /** stat of an executable, cached for the scan: most processes share a few binaries. */
  private exeStat(path: string): ExeStat | undefined {
    if (this.exeStats.has(path)) return this.exeStats.get(path);
    let r: ExeStat | undefined;
    try {
      const st = statSync(path.endsWith(' (deleted)') ? path.slice(0, -10) : path, { bigint: true });
      r = { ino: Number(st.ino), ctime: st.ctimeNs, mtime: st.mtimeNs, uid: Number(st.uid), gid: Number(st.gid), mode: Number(st.mode) };
    } catch {
      r = undefined;
    }
    this.exeStats.set(path, r);
    return r;
  }

  private controllersV2(): string[] {
    if (this.v2Controllers === undefined) {
      const text = tryText('/sys/fs/cgroup/cgroup.controllers') ?? tryText('/sys/fs/cgroup/unified/cgroup.controllers') ?? '';
      this.v2Controllers = text.trim().split(/\s+/).filter((s) => s.length > 0);
    }
    return this.v2Controllers;
  }

  /**
   * Reads one task. Non-main threads take what is process-wide (command line, executable,
   * environment, cwd, root, cgroups, loginuid) from `main` instead of reading it again.
   */
  private readTask(pid: number, tid: number, dir: string, main: ThreadSnapshot | undefined): ThreadSnapshot | undefined {
    const statusText = tryText(`${dir}/status`);
    const statText = tryText(`${dir}/stat`);
    if (statusText === undefined || statText === undefined) return undefined;
    const status = parseStatus(statusText, tid);
    const stat = parseStat(statText);
    if (stat === undefined) return undefined;
    // /proc/<tid>/stat carries the same 15-character comm as /proc/<tid>/comm.
    const comm = Buffer.from(stat.comm, 'latin1').toString('utf8');

    let exe: string;
    let args: string[];
    let exepath: string;
    let env: string[];
    let cwd: string;
    let root: string;
    let cgroups: string[];
    let loginuid: number;
    let exeIno = 0;
    let exeInoCtime = 0n;
    let exeInoMtime = 0n;
    let exeWritable = false;
    let pidnsInitStartTs = 0n;
    if (main === undefined) {
      const cmd = splitNul(tryRead(`${dir}/cmdline`, MAX_ARGS));
      exepath = tryLink(`${dir}/exe`) ?? '';
      // No command line and no executable: a kernel thread or a zombie, which libscap skips.
      if (cmd.length === 0 && exepath === '') return undefined;
      exe = cmd[0] ?? '';
      args = cmd.slice(1);
      env = splitNul(tryRead(`${dir}/environ`, MAX_ARGS));
      const c = tryLink(`${dir}/cwd`);
      if (c === undefined) return undefined;
      cwd = c;
      root = tryLink(`${dir}/root`) ?? '';
      cgroups = parseCgroups(tryText(`${dir}/cgroup`), () => this.controllersV2());
      const lu = tryText(`${dir}/loginuid`);
      loginuid = lu === undefined ? NO_ID : Number.parseInt(lu, 10) >>> 0;
      const st = exepath === '' ? undefined : this.exeStat(exepath);
      if (st !== undefined) {
        exeIno = st.ino;
        exeInoCtime = st.ctime;
        exeInoMtime = st.mtime;
        // Approximates libscap's access(W_OK) as the process: owner, group or world write bit.
        exeWritable = st.uid === status.uid || (st.gid === status.gid && (st.mode & 0o020) !== 0) || (st.mode & 0o002) !== 0;
      }
      try {
        pidnsInitStartTs = statSync(`${dir}/root/proc/1/cmdline`, { bigint: true }).ctimeNs;
      } catch {
        pidnsInitStartTs = 0n;
      }
    } else {
      exe = main.exe;
      args = main.args;
      exepath = main.exepath;
      env = main.env;
      cwd = main.cwd;
      root = main.root ?? '';
      cgroups = main.cgroups;
      loginuid = main.loginuid;
      exeIno = main.exeIno ?? 0;
      exeInoCtime = main.exeInoCtime ?? 0n;
      exeInoMtime = main.exeInoMtime ?? 0n;
      exeWritable = main.exeWritable ?? false;
      pidnsInitStartTs = main.pidnsInitStartTs ?? 0n;
    }
    const pgid = status.pgid !== -1 ? status.pgid : stat.pgid;
    return {
      tid,
      pid,
      ptid: status.ppid,
      sid: stat.sid,
      vpgid: status.vpgid,
      pgid,
      vtid: status.vtid,
      vpid: status.vpid,
      comm,
      exe,
      exepath,
      exeWritable,
      args,
      env,
      cwd,
      flags: tid === pid ? 0 : PPM_CL.CLONE_THREAD | PPM_CL.CLONE_FILES,
      uid: status.uid,
      gid: status.gid,
      loginuid,
      capPermitted: status.capPrm,
      capEffective: status.capEff,
      capInheritable: status.capInh,
      exeIno,
      exeInoCtime,
      exeInoMtime,
      vmSizeKb: status.vmSize,
      vmRssKb: status.vmRss,
      vmSwapKb: status.vmSwap,
      pfMajor: stat.majflt,
      pfMinor: stat.minflt,
      pidnsInitStartTs,
      cgroups,
      root,
      // The task's start time (libscap uses the ctime of /proc/<tid>/cmdline, i.e. when procfs
      // first showed it, which makes every process at start-up look seconds old).
      cloneTs: this.bootTs + (BigInt(stat.startTicks) * 1_000_000_000n) / BigInt(TICKS_PER_SECOND),
      tty: stat.tty,
    };
  }

  private socketsOf(pidDir: string): Map<number, SocketEntry> | undefined {
    if (!this.withSockets) return undefined;
    const ns = tryLink(`${pidDir}/ns/net`) ?? '';
    let m = this.socketsByNetns.get(ns);
    if (m === undefined) {
      m = readSockets(pidDir);
      this.socketsByNetns.set(ns, m);
    }
    return m;
  }

  /** The fds of a process (scap_fd_scan_fd_dir). */
  private readFds(pidDir: string): FdSnapshot[] {
    const out: FdSnapshot[] = [];
    let names: string[];
    try {
      names = readdirSync(`${pidDir}/fd`);
    } catch {
      return out;
    }
    let sockets: Map<number, SocketEntry> | undefined;
    for (const n of names) {
      const fd = Number(n);
      if (!Number.isInteger(fd)) continue;
      const path = `${pidDir}/fd/${n}`;
      const link = tryLink(path);
      if (link === undefined) continue;
      if (link.startsWith('socket:[')) {
        sockets ??= this.socketsOf(pidDir);
        const ino = Number(link.slice(8, -1));
        const entry = sockets?.get(ino);
        if (entry !== undefined) out.push({ ...entry, fd });
        continue;
      }
      if (link.startsWith('pipe:[')) {
        out.push({ fd, type: 'pipe', ino: Number(link.slice(6, -1)), name: link });
        continue;
      }
      if (link.startsWith('anon_inode:')) {
        out.push({ fd, type: anonInodeType(link), name: '' });
        continue;
      }
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.isFIFO()) {
        out.push({ fd, type: 'pipe', ino: st.ino, name: link });
      } else if (st.isDirectory()) {
        out.push({ fd, type: 'directory', ino: st.ino, name: link });
      } else if (st.isSocket()) {
        continue;
      } else if (st.isFile() || st.isBlockDevice() || st.isCharacterDevice() || st.isSymbolicLink()) {
        if (link.startsWith('/memfd:')) {
          out.push({ fd, type: 'memfd', ino: st.ino, name: link });
          continue;
        }
        const info = tryText(`${pidDir}/fdinfo/${n}`);
        let openFlags = 0;
        let mountId = 0;
        if (info !== undefined) {
          const fm = /^flags:\s*([0-7]+)/m.exec(info);
          if (fm !== null) openFlags = openFlagsToPpm(Number.parseInt(fm[1]!, 8));
          const mm = /^mnt_id:\s*(\d+)/m.exec(info);
          if (mm !== null) mountId = Number(mm[1]);
        }
        out.push({ fd, type: 'file', ino: st.ino, name: link, openFlags, dev: 0, mountId });
      } else {
        out.push({ fd, type: 'unsupported', ino: st.ino, name: link });
      }
    }
    this.stats.fds += out.length;
    return out;
  }
}
