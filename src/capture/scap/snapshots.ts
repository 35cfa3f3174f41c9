// A capture's table blocks as the state's seed: process list entries (with their fd lists) become
// thread snapshots, the user list fills the host's user and group tables, and the interface list
// says which addresses are this machine's (fd.lip / fd.rip). This is what libsinsp does when it
// opens a capture, before the first event.
import type { FdType, L4Proto } from '../../state/types.js';
import type { FdSnapshot, ThreadSnapshot } from '../../state/snapshot.js';
import type { State } from '../../state/state.js';
import { setLocalInterfaces } from '../../state/interfaces.js';
import { SCAP_FD, SCAP_L4, type ScapFd, type ScapProcess, type ScapTables } from './format.js';

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
  if (t.interfaces.length > 0) setLocalInterfaces(t.interfaces.map((i) => ({ family: i.family, addr: i.addr, netmask: i.netmask })));
  const threads = state.loadSnapshots(t.processes.map(threadSnapshotFromScap));
  return { threads, users: t.users.length, groups: t.groups.length, interfaces: t.interfaces.length };
}
