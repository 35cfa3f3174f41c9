// The tables a capture starts with, from what a live system looks like: thread snapshots (a /proc
// scan) become process-list and fd-list entries, /etc/passwd and /etc/group the user list, the
// network interfaces the interface list, and the machine info block. libscap's live engine writes
// the same blocks at the start of a capture so that a reader can rebuild the state.
import { readFileSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import { PPM_CL } from '../../state/ppm.js';
import type { FdSnapshot, ThreadSnapshot } from '../../state/snapshot.js';
import { parseGroup, parsePasswd } from '../../state/users.js';
import { SCAP_FD, SCAP_L4, type ScapFd, type ScapInterface, type ScapMachineInfo, type ScapProcess, type ScapTables } from './format.js';

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
