// The state and a capture's table blocks, both ways: the process list, fd lists, users and
// interfaces of a .scap file seed the State before replay (as libsinsp does when it opens a
// capture), and a live system's /proc scan, users and interfaces become the table blocks a
// capture starts with (as libscap's live engine writes them).
import type { FdType, L4Proto } from './types.js';
import type { FdSnapshot, ThreadSnapshot } from './snapshot.js';
import type { State } from './state.js';
import { SCAP_FD, SCAP_L4, type ScapFd, type ScapProcess, type ScapTables, type ScapInterface, type ScapMachineInfo } from '../capture/scap/file-format.js';
import { readFileSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import { PPM_CL } from './ppm.js';
import { parseGroup, parsePasswd } from './users.js';

/** scap_fd_type → the state's fd kind (bound server sockets keep their own kind). */
const FD_KIND: Record<number, FdSnapshot['type']> = {
  [SCAP_FD.UNKNOWN]: 'unknown',
  [SCAP_FD.FILE]: 'file',
  [SCAP_FD.FILE_V2]: 'file',
  [SCAP_FD.DIRECTORY]: 'directory',
  [SCAP_FD.IPV4_SOCK]: 'ipv4',
  [SCAP_FD.IPV6_SOCK]: 'ipv6',
  [SCAP_FD.IPV4_SERVSOCK]: 'ipv4_server',
  [SCAP_FD.IPV6_SERVSOCK]: 'ipv6_server',
  [SCAP_FD.FIFO]: 'pipe',
  [SCAP_FD.UNIX_SOCK]: 'unix',
  [SCAP_FD.EVENT]: 'event',
  [SCAP_FD.UNSUPPORTED]: 'unsupported',
  [SCAP_FD.SIGNALFD]: 'signalfd',
  [SCAP_FD.EVENTPOLL]: 'eventpoll',
  [SCAP_FD.INOTIFY]: 'inotify',
  [SCAP_FD.TIMERFD]: 'timerfd',
  [SCAP_FD.NETLINK]: 'netlink',
  [SCAP_FD.BPF]: 'bpf',
  [SCAP_FD.USERFAULTFD]: 'userfaultfd',
  [SCAP_FD.IOURING]: 'io_uring',
  [SCAP_FD.MEMFD]: 'memfd',
  [SCAP_FD.PIDFD]: 'pidfd',
};

function l4(proto: number | undefined): L4Proto {
  switch (proto) {
    case SCAP_L4.TCP: return 'tcp';
    case SCAP_L4.UDP: return 'udp';
    case SCAP_L4.ICMP: return 'icmp';
    case SCAP_L4.RAW: return 'raw';
    default: return undefined;
  }
}

/** One fd list entry as an FdSnapshot (scap_fdinfo → what sinsp_threadinfo::add_fd_from_scap reads). */
export function fdSnapshotFromScap(f: ScapFd): FdSnapshot {
  const type: FdSnapshot['type'] = FD_KIND[f.type] ?? ('unsupported' satisfies FdType);
  const s: FdSnapshot = { fd: f.fd, type, ino: Number(f.ino) };
  switch (type) {
    case 'ipv4':
    case 'ipv6':
      s.sip = f.sip;
      s.dip = f.dip;
      s.sport = f.sport;
      s.dport = f.dport;
      s.l4proto = l4(f.l4proto);
      break;
    case 'ipv4_server':
    case 'ipv6_server':
      s.ip = f.sip;
      s.port = f.sport;
      s.l4proto = l4(f.l4proto);
      break;
    case 'unix':
      s.source = f.source;
      s.dest = f.destination;
      s.name = f.name;
      break;
    case 'file':
      s.openFlags = f.openFlags;
      s.dev = f.dev;
      s.name = f.name;
      break;
    default:
      s.name = f.name;
  }
  return s;
}

/** One process list entry (a thread) and its fds as a ThreadSnapshot. */
export function threadSnapshotFromScap(p: ScapProcess): ThreadSnapshot {
  return {
    tid: p.tid, pid: p.pid, ptid: p.ptid, sid: p.sid, vpgid: p.vpgid, pgid: p.pgid, vtid: p.vtid, vpid: p.vpid,
    comm: p.comm, exe: p.exe, exepath: p.exepath,
    exeWritable: p.exeWritable, exeUpperLayer: p.exeUpperLayer, exeLowerLayer: p.exeLowerLayer, exeFromMemfd: p.exeFromMemfd,
    args: p.args, env: p.env, cwd: p.cwd, fdlimit: p.fdlimit, flags: p.flags, uid: p.uid, gid: p.gid, loginuid: p.loginuid,
    capPermitted: p.capPermitted, capEffective: p.capEffective, capInheritable: p.capInheritable,
    exeIno: Number(p.exeIno), exeInoCtime: p.exeInoCtime, exeInoMtime: p.exeInoMtime,
    vmSizeKb: p.vmSizeKb, vmRssKb: p.vmRssKb, vmSwapKb: p.vmSwapKb, pfMajor: Number(p.pfMajor), pfMinor: Number(p.pfMinor),
    pidnsInitStartTs: p.pidnsInitStartTs, cgroups: p.cgroups, root: p.root, tty: p.tty,
    fds: p.fds.map(fdSnapshotFromScap),
  };
}

export interface LoadedTables {
  threads: number;
  users: number;
  groups: number;
  interfaces: number;
}

/**
 * Seeds `state` from one section's tables: the interfaces become the local ones and users and
 * groups are added first (fd tuples and the threads' credentials use them), then the threads
 * with their fds.
 */
export function loadScapTables(state: State, t: ScapTables): LoadedTables {
  for (const u of t.users) state.users.addUser('', { uid: u.uid, gid: u.gid, name: u.name, home: u.homedir, shell: u.shell });
  for (const g of t.groups) state.users.addGroup('', { gid: g.gid, name: g.name });
  if (t.interfaces.length > 0) state.setInterfaces(t.interfaces.map((i) => ({ family: i.family, addr: i.addr, netmask: i.netmask })));
  const threads = state.loadSnapshots(t.processes.map(threadSnapshotFromScap));
  return { threads, users: t.users.length, groups: t.groups.length, interfaces: t.interfaces.length };
}

const L4: Record<string, number> = { tcp: SCAP_L4.TCP, udp: SCAP_L4.UDP, icmp: SCAP_L4.ICMP, raw: SCAP_L4.RAW };

const FD_TYPE: Record<string, number> = {
  file: SCAP_FD.FILE_V2, directory: SCAP_FD.DIRECTORY, ipv4: SCAP_FD.IPV4_SOCK, ipv6: SCAP_FD.IPV6_SOCK,
  ipv4_server: SCAP_FD.IPV4_SERVSOCK, ipv6_server: SCAP_FD.IPV6_SERVSOCK, pipe: SCAP_FD.FIFO, unix: SCAP_FD.UNIX_SOCK,
  event: SCAP_FD.EVENT, signalfd: SCAP_FD.SIGNALFD, eventpoll: SCAP_FD.EVENTPOLL, inotify: SCAP_FD.INOTIFY,
  timerfd: SCAP_FD.TIMERFD, netlink: SCAP_FD.NETLINK, bpf: SCAP_FD.BPF, userfaultfd: SCAP_FD.USERFAULTFD,
  io_uring: SCAP_FD.IOURING, memfd: SCAP_FD.MEMFD, pidfd: SCAP_FD.PIDFD,
};

export function scapFdOf(f: FdSnapshot): ScapFd {
  const fd: ScapFd = { fd: f.fd, ino: BigInt(f.ino ?? 0), type: FD_TYPE[f.type] ?? SCAP_FD.UNKNOWN };
  if (f.name !== undefined) fd.name = f.name;
  if (f.openFlags !== undefined) fd.openFlags = f.openFlags;
  if (f.dev !== undefined) fd.dev = f.dev;
  if (f.type === 'ipv4_server' || f.type === 'ipv6_server') {
    fd.sip = f.ip;
    fd.sport = f.port;
  } else {
    fd.sip = f.sip;
    fd.sport = f.sport;
    fd.dip = f.dip;
    fd.dport = f.dport;
  }
  if (f.l4proto) fd.l4proto = L4[f.l4proto] ?? SCAP_L4.UNKNOWN;
  if (f.source !== undefined) fd.source = f.source;
  if (f.dest !== undefined) fd.destination = f.dest;
  return fd;
}

export function scapProcessOf(t: ThreadSnapshot): ScapProcess {
  return {
    tid: t.tid, pid: t.pid, ptid: t.ptid, sid: t.sid, vpgid: t.vpgid, pgid: t.pgid, comm: t.comm, exe: t.exe,
    exepath: t.exepath, args: t.args, env: t.env, cwd: t.cwd, fdlimit: t.fdlimit ?? 1024,
    flags: (t.flags ?? 0) | (t.tid === t.pid ? PPM_CL.IS_MAIN_THREAD : 0), uid: t.uid, gid: t.gid,
    vmSizeKb: t.vmSizeKb ?? 0, vmRssKb: t.vmRssKb ?? 0, vmSwapKb: t.vmSwapKb ?? 0,
    pfMajor: BigInt(t.pfMajor ?? 0), pfMinor: BigInt(t.pfMinor ?? 0), vtid: t.vtid, vpid: t.vpid,
    cgroups: t.cgroups, root: t.root ?? '/', pidnsInitStartTs: t.pidnsInitStartTs ?? 0n, tty: t.tty,
    loginuid: t.loginuid, exeWritable: t.exeWritable ?? false, capInheritable: t.capInheritable,
    capPermitted: t.capPermitted, capEffective: t.capEffective, exeUpperLayer: t.exeUpperLayer ?? false,
    exeLowerLayer: t.exeLowerLayer ?? false, exeFromMemfd: t.exeFromMemfd ?? false,
    exeIno: BigInt(t.exeIno ?? 0), exeInoCtime: t.exeInoCtime ?? 0n, exeInoMtime: t.exeInoMtime ?? 0n,
    fds: (t.fds ?? []).map(scapFdOf),
  };
}

function interfaces(): ScapInterface[] {
  const out: ScapInterface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      out.push({ family: a.family === 'IPv4' ? 'ipv4' : 'ipv6', name, addr: a.address, netmask: a.netmask, bcast: a.family === 'IPv4' ? a.address : '', linkspeed: 0n });
    }
  }
  return out;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The table blocks describing this machine now, for the start of a live capture. */
export function liveTables(snapshots: readonly ThreadSnapshot[], bootTsEpoch: bigint): Pick<ScapTables, 'machine' | 'processes' | 'users' | 'groups' | 'interfaces'> {
  const machine: ScapMachineInfo = {
    numCpus: cpus().length, memorySizeBytes: BigInt(totalmem()), maxPid: BigInt(Number(readOr('/proc/sys/kernel/pid_max').trim()) || 32768),
    hostname: hostname(), bootTsEpoch, flags: 0n,
  };
  return {
    machine,
    processes: snapshots.map(scapProcessOf),
    users: parsePasswd(readOr('/etc/passwd')).map((u) => ({ uid: u.uid, gid: u.gid, name: u.name, homedir: u.home, shell: u.shell })),
    groups: parseGroup(readOr('/etc/group')),
    interfaces: interfaces(),
  };
}
