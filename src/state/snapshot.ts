// The plain description of a thread and its fds that seeds the thread table: what a /proc scan
// reads and what a .scap process list (PL) and fd list (FDL) block holds (libscap's
// scap_threadinfo and scap_fdinfo). Loading follows sinsp_threadinfo::init and
// add_fd_from_scap, including the client/server fix-up of sockets seen in /proc.
import type { FdType, L4Proto } from './types.js';
import { FD_FLAG, FdState, addFd, addrName, ipSocketName, swapSocketEnds } from './fds.js';
import { completeTuple, type NetworkInterfaces } from './interfaces.js';
import { concatenatePaths } from './paths.js';
import { PPM_CL, PPM_EXE } from './ppm.js';
import { ProcessState, Thread, joinCwd, type ThreadTable } from './threads.js';

/** One fd of a snapshot. Sockets carry the tuple as scap does: source then destination. */
export interface FdSnapshot {
  fd: number;
  /** fd kind; 'ipv4_server'/'ipv6_server' are bound sockets with only a local address (ip, port). */
  type: FdType | 'ipv4_server' | 'ipv6_server';
  ino?: number;
  /** Path for files and directories, link text for others ("pipe:[123]", "anon_inode:..."), unix path. */
  name?: string;
  /** PPM_O_* flags (files). */
  openFlags?: number;
  dev?: number;
  mountId?: number;
  /** ipv4/ipv6 tuple: source = local end in a /proc scan, destination = remote end. IPs as text. */
  sip?: string;
  sport?: number;
  dip?: string;
  dport?: number;
  /** Server sockets: the bound address. */
  ip?: string;
  port?: number;
  l4proto?: L4Proto;
  /** unix sockets: kernel addresses of the two ends. */
  source?: bigint;
  dest?: bigint;
}

/** One thread, as scap_threadinfo describes it. Strings are whole (args and env split on NUL). */
export interface ThreadSnapshot {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  vtid: number;
  vpid: number;
  comm: string;
  exe: string;
  exepath: string;
  exeWritable?: boolean;
  exeUpperLayer?: boolean;
  exeLowerLayer?: boolean;
  exeFromMemfd?: boolean;
  args: string[];
  env: string[];
  cwd: string;
  fdlimit?: number;
  /** PPM_CL_* flags; a /proc scan sets CLONE_THREAD|CLONE_FILES on non-main threads. */
  flags?: number;
  uid: number;
  gid: number;
  loginuid: number;
  capPermitted: bigint;
  capEffective: bigint;
  capInheritable: bigint;
  exeIno?: number;
  exeInoCtime?: bigint;
  exeInoMtime?: bigint;
  vmSizeKb?: number;
  vmRssKb?: number;
  vmSwapKb?: number;
  pfMajor?: number;
  pfMinor?: number;
  pidnsInitStartTs?: bigint;
  /** "subsys=path" entries. */
  cgroups: string[];
  root?: string;
  cloneTs?: bigint;
  tty: number;
  /** The process's fds; only meaningful on the main thread (scap stores them there). */
  fds?: FdSnapshot[];
}

/** libsinsp renames some cgroup subsystems (sinsp_threadinfo::set_cgroups). */
export function normalizeCgroups(cgroups: readonly string[]): string[] {
  const out: string[] = [];
  for (const def of cgroups) {
    const eq = def.indexOf('=');
    if (eq === -1) return out;
    let subsys = def.slice(0, eq);
    const pos = subsys.indexOf('_cgroup');
    if (pos !== -1) subsys = subsys.slice(0, pos) + subsys.slice(pos + 7);
    if (subsys === 'perf') subsys = 'perf_event';
    else if (subsys === 'mem') subsys = 'memory';
    else if (subsys === 'io') subsys = 'blkio';
    out.push(`${subsys}=${def.slice(eq + 1)}`);
  }
  return out;
}

/** libsinsp strips a " (deleted)" suffix from executable paths. */
export function cleanExepath(p: string): string {
  return p.length > 10 && p.endsWith(' (deleted)') ? p.slice(0, -10) : p;
}

/** Builds a Thread from a snapshot (sinsp_threadinfo::init(scap_threadinfo)), in `group`. */
export function threadFromSnapshot(s: ThreadSnapshot, group: ProcessState): Thread {
  const t = new Thread(s.tid, group);
  t.pid = s.pid;
  t.ptid = s.ptid;
  t.sid = s.sid;
  t.vpgid = s.vpgid;
  t.pgid = s.pgid;
  t.comm = s.comm;
  t.exe = s.exe;
  t.exepath = cleanExepath(s.exepath);
  t.exeFlags = (s.exeWritable ? PPM_EXE.WRITABLE : 0) | (s.exeUpperLayer ? PPM_EXE.UPPER_LAYER : 0) |
    (s.exeLowerLayer ? PPM_EXE.LOWER_LAYER : 0) | (s.exeFromMemfd ? PPM_EXE.FROM_MEMFD : 0);
  t.args = s.args;
  if (t.isMainThread) {
    group.env = s.env;
    group.cwd = joinCwd(group.cwd, s.cwd, concatenatePaths);
  }
  t.flags |= (s.flags ?? 0) | PPM_CL.ACTIVE;
  t.fdlimit = s.fdlimit ?? -1;
  t.capPermitted = s.capPermitted;
  t.capEffective = s.capEffective;
  t.capInheritable = s.capInheritable;
  t.exeIno = s.exeIno ?? 0;
  t.exeInoCtime = s.exeInoCtime ?? 0n;
  t.exeInoMtime = s.exeInoMtime ?? 0n;
  t.vmSizeKb = s.vmSizeKb ?? 0;
  t.vmRssKb = s.vmRssKb ?? 0;
  t.vmSwapKb = s.vmSwapKb ?? 0;
  t.pfMajor = s.pfMajor ?? 0;
  t.pfMinor = s.pfMinor ?? 0;
  t.vtid = s.vtid;
  t.vpid = s.vpid;
  t.pidnsInitStartTs = s.pidnsInitStartTs ?? 0n;
  t.cloneTs = s.cloneTs ?? 0n;
  t.lastExecTs = 0n;
  t.tty = s.tty;
  t.cgroups = normalizeCgroups(s.cgroups);
  t.root = s.root ?? '';
  t.gid = s.gid;
  t.uid = s.uid;
  t.loginuid = s.loginuid;
  return t;
}

/** IPv4 text of an IPv4-mapped IPv6 address ("::ffff:a.b.c.d", or "::" which libsinsp counts too). */
function mappedIpv4(ip: string): string | undefined {
  if (ip === '::') return '0.0.0.0';
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m === null ? undefined : m[1];
}

/** An FdState for a snapshot fd (sinsp_threadinfo::add_fd_from_scap); undefined for unknown kinds. */
export function fdFromSnapshot(s: FdSnapshot, ifs: NetworkInterfaces): FdState | undefined {
  let fd: FdState;
  switch (s.type) {
    case 'ipv4': {
      fd = new FdState('ipv4');
      fd.cip = s.sip ?? '0.0.0.0';
      fd.cport = s.sport ?? 0;
      fd.sip = s.dip ?? '0.0.0.0';
      fd.sport = s.dport ?? 0;
      fd.l4proto = s.l4proto;
      if (s.l4proto === 'tcp') fd.flags |= FD_FLAG.SOCKET_CONNECTED;
      completeTuple(fd, ifs);
      fd.name = ipSocketName(fd);
      break;
    }
    case 'ipv6': {
      const ms = mappedIpv4(s.sip ?? '::');
      const md = mappedIpv4(s.dip ?? '::');
      fd = new FdState(ms !== undefined && md !== undefined ? 'ipv4' : 'ipv6');
      fd.cip = fd.type === 'ipv4' ? ms : s.sip ?? '::';
      fd.cport = s.sport ?? 0;
      fd.sip = fd.type === 'ipv4' ? md : s.dip ?? '::';
      fd.sport = s.dport ?? 0;
      fd.l4proto = s.l4proto;
      if (s.l4proto === 'tcp') fd.flags |= FD_FLAG.SOCKET_CONNECTED;
      if (fd.type === 'ipv4') completeTuple(fd, ifs);
      fd.name = ipSocketName(fd);
      break;
    }
    case 'ipv4_server':
    case 'ipv6_server': {
      fd = new FdState(s.type === 'ipv4_server' ? 'ipv4' : 'ipv6');
      fd.serverSocket = true;
      fd.sip = s.ip ?? (s.type === 'ipv4_server' ? '0.0.0.0' : '::');
      fd.sport = s.port ?? 0;
      fd.l4proto = s.l4proto;
      fd.name = addrName(fd.sip, fd.sport);
      break;
    }
    case 'unix': {
      fd = new FdState('unix');
      fd.unixSource = s.source ?? 0n;
      fd.unixDest = s.dest ?? 0n;
      fd.name = s.name ?? '';
      fd.unixPath = fd.name;
      if (fd.name === '') fd.setRoleClient();
      else fd.setRoleServer();
      break;
    }
    case 'file':
      fd = new FdState('file');
      fd.openFlags = s.openFlags ?? 0;
      fd.name = s.name ?? '';
      fd.dev = s.dev ?? 0;
      fd.mountId = s.mountId ?? 0;
      break;
    default:
      fd = new FdState(s.type);
      fd.name = s.name ?? '';
      break;
  }
  fd.flags |= FD_FLAG.FROM_PROC;
  fd.ino = s.ino ?? 0;
  return fd;
}

export interface LoadOptions {
  /** The interfaces that complete sockets' local ends. */
  interfaces: NetworkInterfaces;
  /** Called for every loaded thread once the table is linked (container id, users). */
  onThread?: (t: Thread) => void;
}

/**
 * Loads snapshots into `table` as libsinsp does after a /proc scan or when opening a capture:
 * threads first, then the sockets' client/server fix-up, then parent/group links.
 * Returns the loaded threads.
 */
export function loadSnapshots(table: ThreadTable, snaps: Iterable<ThreadSnapshot>, opts: LoadOptions): Thread[] {
  const loaded: Thread[] = [];
  const groups = new Map<number, ProcessState>();
  const serverPorts = new Set<number>();
  for (const s of snaps) {
    let group = groups.get(s.pid);
    if (group === undefined) {
      group = new ProcessState(s.pid);
      groups.set(s.pid, group);
    }
    const t = threadFromSnapshot(s, group);
    if (s.fds !== undefined && t.isMainThread) {
      for (const fs of s.fds) {
        const fd = fdFromSnapshot(fs, opts.interfaces);
        if (fd === undefined || addFd(group.fds, fs.fd, fd) === undefined) continue;
        if (fd.serverSocket) serverPorts.add(fd.sport ?? 0);
      }
    }
    loaded.push(t);
  }
  for (const group of groups.values()) fixSocketsFromProc(group, serverPorts);
  for (const t of loaded) table.add(t, false);
  for (const t of loaded) {
    if (table.get(t.tid) === t) table.linkThread(t);
  }
  if (opts.onThread !== undefined) for (const t of loaded) opts.onThread(t);
  return loaded;
}

/**
 * /proc cannot say which end of a connected ipv4 socket is ours as a server: a socket whose
 * local port some process listens on is the server side (sinsp_threadinfo::fix_sockets_coming_from_proc).
 */
function fixSocketsFromProc(group: ProcessState, serverPorts: Set<number>): void {
  for (const fd of group.fds.values()) {
    if (fd.type !== 'ipv4' || fd.serverSocket) continue;
    if (!serverPorts.has(fd.cport ?? 0)) {
      fd.setRoleClient();
      continue;
    }
    swapSocketEnds(fd);
    fd.name = ipSocketName(fd);
    fd.setRoleServer();
  }
}
