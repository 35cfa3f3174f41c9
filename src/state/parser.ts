// The state machine: each event updates threads and fds exactly as libsinsp's sinsp_parser does
// (parsers.cpp), and fills the one reused EventContext that rule evaluation reads. Removals that
// an event implies (a closed fd, an exited thread) are applied when the next event arrives, so
// the event itself is still evaluated against the state it refers to.
import type { EventView } from '../events/event.js';
import { EF, isExitCode } from '../events/event-info.js';
import { EVENT_TABLE } from '../events/event-table.js';
import type { EventContext, FdType, L4Proto, StateView } from './types.js';
import { CLONE_P, EV, EXECVE_P, FD_PARAM_OF_EXIT } from './event-codes.js';
import {
  FD_FLAG, FdState, addFd, ipSocketName, newIpSocket, setSocketTuple, swapSocketEnds, type FdTable,
} from './fds.js';
import { concatenatePaths } from './paths.js';
import {
  FD_CLOEXEC, IPPROTO, MAX_CAPS, NO_ID, PPM_AF, PPM_AT_FDCWD, PPM_CL, PPM_CLOSE_RANGE_CLOEXEC, PPM_EPOLL_CLOEXEC, PPM_EXE,
  PPM_FCNTL, PPM_FD_LOWER_LAYER_CREAT, PPM_FD_UPPER_LAYER_CREAT, PPM_O, PPM_PR_GET_CHILD_SUBREAPER,
  PPM_PR_SET_CHILD_SUBREAPER, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM,
} from './ppm.js';
import {
  decodeSockAddr, decodeSockTuple, isSockAddrValid, isSockTupleValid, sockAddrText, sockTupleText, unixTupleName,
} from './sockaddr.js';
import { cleanExepath, fdFromSnapshot, normalizeCgroups, threadFromSnapshot, type ThreadSnapshot } from './snapshot.js';
import { CLONE_STALE_NS, ProcessState, Thread, ThreadTable, joinCwd } from './threads.js';

/** -EINPROGRESS: a non-blocking connect still counts as connected. */
const EINPROGRESS = -115;
const PPM_RLIMIT_NOFILE = 7;

/** What the parser needs from the rest of the state. All optional: the parser runs alone in tests. */
export interface ParserOptions {
  threads?: ThreadTable;
  /** Put into every EventContext as `state`. */
  view?: StateView;
  /** Boot time in ns since the epoch (libscap machine info boot_ts_epoch). */
  bootTs?: bigint;
  /** Host root prefix for pidfd names (libsinsp scap_get_host_root(), '' normally). */
  hostRoot?: string;
  /** Reads a live thread missing from the table; absent (or undefined) means make a placeholder. */
  readThread?: (tid: number) => ThreadSnapshot | undefined;
  /** A thread started a new program or process (clone child, execve, chroot): recompute its container. */
  onProcessChange?: (t: Thread) => void;
  /** A thread's uid or gid changed: make the user/group tables know them. */
  onCredentials?: (t: Thread) => void;
  /** useradded/userdeleted meta events. */
  onUserEvent?: (added: boolean, containerId: string, uid: number, gid: number, name: string, home: string, shell: string) => void;
  /** Container metadata events (old container JSON events, the container plugin's async events). */
  onContainerEvent?: (added: boolean, json: string) => void;
  /** groupadded/groupdeleted meta events. */
  onGroupEvent?: (added: boolean, containerId: string, gid: number, name: string) => void;
  /** Purge idle and dead threads every `intervalNs` of event time (live mode only). */
  purge?: { intervalNs: number; timeoutNs: number; isAlive: (t: Thread) => boolean };
}

type Handler = (p: StateParser, evt: EventView, t: Thread | undefined) => void;

/** The EventContext the parser fills, with the state's own thread and fd classes. */
export interface StateContext extends EventContext {
  thread: Thread | undefined;
  fd: FdState | undefined;
}

const NO_STATE: StateView = {
  thread: () => undefined, user: () => undefined, group: () => undefined, container: () => undefined,
};

export class StateParser {
  readonly threads: ThreadTable;
  readonly ctx: StateContext;
  private readonly opts: ParserOptions;
  readonly bootTs: bigint;
  private pendingRemoveTid = -1;
  private pendingFdTid = -1;
  private readonly pendingFds: number[] = [];
  private lastPurgeTs = 0;
  /** Counters, for metrics. */
  readonly stats = { events: 0, placeholders: 0, procLookups: 0, removedThreads: 0, purged: 0 };

  constructor(opts: ParserOptions = {}) {
    this.opts = opts;
    this.threads = opts.threads ?? new ThreadTable();
    this.bootTs = opts.bootTs ?? 0n;
    this.ctx = { evt: undefined as unknown as EventView, thread: undefined, fdNum: -1, fd: undefined, fdNameChanged: false, state: opts.view ?? NO_STATE };
  }

  /** Updates the state for `evt` and returns the context rules are evaluated in. */
  process(evt: EventView): StateContext {
    this.stats.events++;
    this.applyPendingRemovals(evt);
    const ctx = this.ctx;
    ctx.evt = evt;
    ctx.thread = undefined;
    ctx.fd = undefined;
    ctx.fdNum = -1;
    ctx.fdNameChanged = false;
    const type = evt.type;

    if (type === EV.USER_ADDED_E || type === EV.USER_DELETED_E) {
      this.opts.onUserEvent?.(type === EV.USER_ADDED_E, evt.str(5), evt.uint(0), evt.uint(1), evt.str(2), evt.str(3), evt.str(4));
      return ctx;
    }
    if (type === EV.GROUP_ADDED_E || type === EV.GROUP_DELETED_E) {
      this.opts.onGroupEvent?.(type === EV.GROUP_ADDED_E, evt.str(2), evt.uint(0), evt.str(1));
      return ctx;
    }
    if (type === EV.CONTAINER_JSON_E || type === EV.CONTAINER_JSON_2_E) {
      this.opts.onContainerEvent?.(true, evt.str(0));
      return ctx;
    }
    if (type === EV.ASYNCEVENT_E) {
      // The container plugin announces containers as async events named "container" / "container_removed".
      const name = evt.str(1);
      if (name === 'container' || name === 'container_removed') this.opts.onContainerEvent?.(name === 'container', evt.str(2));
      return ctx;
    }
    if (type === EV.PLUGINEVENT_E) return ctx;

    // Clone exits and procexit never query /proc: the thread may not exist yet, or not any more.
    const queryOs = !(type === EV.CLONE_X || type === EV.FORK_X || type === EV.VFORK_X || type === EV.CLONE3_X ||
      type === EV.PROCEXIT_E || type === EV.SCHEDSWITCH_E);
    const tid = evt.tid;
    let t = this.threads.get(tid);
    if (t === undefined && queryOs) t = this.lookupUnknownThread(tid);
    if (t !== undefined) {
      t.lastAccessTs = evt.tsNumber;
      if (queryOs) t.flags |= PPM_CL.ACTIVE;
    }
    ctx.thread = t;

    if (t !== undefined && (evt.info.flags & EF.USES_FD) !== 0) {
      // Exit events carry their fd at a fixed place; the few enter events still emitted have it first.
      const loc = isExitCode(type) ? FD_PARAM_OF_EXIT[type]! : 0;
      if (loc >= 0 && loc < evt.nparams && evt.paramLength(loc) > 0) {
        ctx.fdNum = evt.int(loc);
        ctx.fd = this.lookupFd(t, ctx.fdNum);
      }
    }

    const h = HANDLERS[type];
    if (h !== undefined) h(this, evt, ctx.thread);

    const fd = ctx.fd;
    if (fd !== undefined) ctx.fdNameChanged = fd.name !== fd.oldName;
    this.maybePurge(evt);
    return ctx;
  }

  /** The fd `num` of `t`'s process, remembering its current name for fd.name_changed. */
  lookupFd(t: Thread, num: number): FdState | undefined {
    if (num < 0) return undefined;
    const fd = t.shared.fds.get(num);
    if (fd !== undefined) fd.oldName = fd.name;
    return fd;
  }

  /** Adds an fd to `t`'s process and makes it the event's fd (sinsp_threadinfo::add_fd). */
  addEventFd(t: Thread, num: number, fd: FdState): FdState | undefined {
    const added = addFd(t.shared.fds, num, fd);
    this.ctx.fdNum = num;
    this.ctx.fd = added;
    return added;
  }

  private applyPendingRemovals(evt: EventView): void {
    if (this.pendingRemoveTid !== -1) {
      const tid = this.pendingRemoveTid;
      this.pendingRemoveTid = -1;
      const t = this.threads.get(tid);
      this.threads.recordExit(tid, t?.ptid ?? -1, evt.tsNumber);
      this.threads.remove(tid);
      this.stats.removedThreads++;
    }
    if (this.pendingFdTid !== -1) {
      const t = this.threads.get(this.pendingFdTid);
      if (t !== undefined) for (const n of this.pendingFds) t.shared.fds.delete(n);
      this.pendingFdTid = -1;
      this.pendingFds.length = 0;
    }
  }

  /** Drops fd `num` of thread `tid`'s process when the next event arrives (after close). */
  scheduleFdRemoval(tid: number, num: number): void {
    this.pendingFdTid = tid;
    this.pendingFds.push(num);
  }

  scheduleThreadRemoval(tid: number): void {
    this.pendingRemoveTid = tid;
  }

  private maybePurge(evt: EventView): void {
    const p = this.opts.purge;
    if (p === undefined) return;
    const now = evt.tsNumber;
    if (this.lastPurgeTs === 0) {
      // The first scan comes 30 s in, so problems show early (remove_inactive_threads).
      this.lastPurgeTs = p.intervalNs > 30e9 ? now - p.intervalNs + 30e9 : now - p.intervalNs;
    }
    if (now <= this.lastPurgeTs + p.intervalNs) return;
    this.lastPurgeTs = now;
    this.stats.purged += this.threads.purge(now, p.timeoutNs, p.isAlive);
  }

  /**
   * A thread we have no entry for (sinsp_thread_manager::get_thread): read it from /proc when
   * live, otherwise (or when it is gone) add a placeholder so the lookup is not repeated.
   */
  lookupUnknownThread(tid: number): Thread | undefined {
    const read = this.opts.readThread;
    if (read !== undefined) {
      this.stats.procLookups++;
      const snap = read(tid);
      if (snap !== undefined) {
        const t = this.addFromSnapshot(snap);
        if (t !== undefined) return t;
      }
    }
    const t = new Thread(tid);
    t.comm = '<NA>';
    t.exe = '<NA>';
    t.uid = NO_ID;
    t.gid = NO_ID;
    t.loginuid = NO_ID;
    if (!this.threads.add(t)) return undefined;
    this.stats.placeholders++;
    return t;
  }

  private addFromSnapshot(snap: ThreadSnapshot): Thread | undefined {
    const group = this.threads.groups.get(snap.pid) ?? new ProcessState(snap.pid);
    const t = threadFromSnapshot(snap, group);
    if (snap.fds !== undefined && t.isMainThread) {
      for (const fs of snap.fds) {
        const fd = fdFromSnapshot(fs);
        if (fd !== undefined) addFd(group.fds, fs.fd, fd);
      }
    }
    if (!this.threads.add(t)) return undefined;
    this.opts.onProcessChange?.(t);
    this.opts.onCredentials?.(t);
    return t;
  }

  /** A thread by tid, read from /proc or made a placeholder when missing (get_thread). */
  getOrCreateThread(tid: number): Thread | undefined {
    return this.threads.get(tid) ?? this.lookupUnknownThread(tid);
  }

  /** Base directory for a relative path argument (parse_dirfd). */
  dirOf(t: Thread, name: string, dirfd: number): string {
    if (name.length > 0 && name.charCodeAt(0) === 47) return '.';
    if (dirfd === PPM_AT_FDCWD) return cwdOf(this.threads, t);
    const fd = this.lookupFd(t, dirfd);
    if (fd === undefined) return '<UNKNOWN>';
    return fd.name.length === 0 || fd.name.endsWith('/') ? fd.name : fd.name + '/';
  }

  updateCwd(t: Thread, path: string): void {
    const main = this.threads.mainThread(t);
    if (main === undefined) return;
    main.shared.cwd = joinCwd(main.shared.cwd, path, concatenatePaths);
  }

  notifyProcessChange(t: Thread): void {
    this.opts.onProcessChange?.(t);
  }

  notifyCredentials(t: Thread): void {
    this.opts.onCredentials?.(t);
  }

  get hostRoot(): string {
    return this.opts.hostRoot ?? '';
  }
}

/** The process working directory; './' when the main thread is unknown (sinsp_threadinfo::get_cwd). */
export function cwdOf(_threads: ThreadTable, t: Thread): string {
  return t.invalid || t.shared.cwd.length === 0 ? './' : t.shared.cwd;
}

/**
 * The name an fd-creating event gives its fd even when it failed and created none
 * (sinsp_filter_check_fd::extract_fdname_from_event): the resolved path of open/openat/creat,
 * the tuple of connect/accept. Undefined for other events.
 */
export function fdNameFromEvent(threads: ThreadTable, evt: EventView, t: Thread | undefined): string | undefined {
  const type = evt.type;
  if (type === EV.OPEN_X || type === EV.CREAT_X) {
    const name = evt.str(1);
    if (t === undefined || name === '<NA>' || name.length === 0 || name.charCodeAt(0) === 47) return name;
    return concatenatePaths(cwdOf(threads, t), name);
  }
  if (type === EV.ACCEPT_X || type === EV.ACCEPT4_X || type === EV.CONNECT_X) return sockTupleText(evt.bytes(1));
  if (type === EV.OPENAT_X || type === EV.OPENAT2_X) {
    if (evt.paramLength(2) === 0 || evt.paramLength(1) === 0) return undefined;
    const name = evt.str(2);
    if (t === undefined) return concatenatePaths('<UNKNOWN>', name);
    const dirfd = evt.int(1);
    let dir: string;
    if (name.length > 0 && name.charCodeAt(0) === 47) dir = '.';
    else if (dirfd === PPM_AT_FDCWD) dir = cwdOf(threads, t);
    else {
      const fd = t.shared.fds.get(dirfd);
      dir = fd === undefined ? '<UNKNOWN>' : fd.name.length === 0 || fd.name.endsWith('/') ? fd.name : fd.name + '/';
    }
    return concatenatePaths(dir, name);
  }
  if (type === EV.OPEN_BY_HANDLE_AT_X) return evt.str(3);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Per-event handlers.
// ---------------------------------------------------------------------------------------------

/** NUL-separated string list parameter (args, env, cgroups). */
function strList(evt: EventView, i: number): string[] {
  const len = evt.paramLength(i);
  if (len === 0) return [];
  const b = evt.bytes(i);
  const end = b[len - 1] === 0 ? len - 1 : len;
  if (end === 0) return [];
  return b.toString('utf8', 0, end).split('\0');
}

function has(evt: EventView, i: number): boolean {
  return i < evt.nparams && evt.paramLength(i) > 0;
}

function parseOpen(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const type = evt.type;
  const fdNum = evt.int(0);
  let name: string;
  let flags = 0;
  let dev = 0;
  let ino = 0;
  let dir: string;
  if (type === EV.OPEN_X) {
    name = evt.str(1);
    flags = evt.uint(2);
    if (has(evt, 4)) {
      dev = evt.uint(4);
      if (has(evt, 5)) ino = evt.uint(5);
    }
    dir = cwdOf(p.threads, t);
  } else if (type === EV.CREAT_X) {
    name = evt.str(1);
    if (has(evt, 3)) {
      dev = evt.uint(3);
      if (has(evt, 4)) {
        ino = evt.uint(4);
        if (has(evt, 5)) {
          // creat has no flags parameter: the overlay layer bits come in creat_flags.
          const cf = evt.uint(5);
          if (cf & PPM_FD_UPPER_LAYER_CREAT) flags |= PPM_O.FD_UPPER_LAYER;
          else if (cf & PPM_FD_LOWER_LAYER_CREAT) flags |= PPM_O.FD_LOWER_LAYER;
        }
      }
    }
    dir = cwdOf(p.threads, t);
  } else if (type === EV.OPENAT_X || type === EV.OPENAT2_X) {
    dir = '';
    name = has(evt, 2) ? evt.str(2) : '<NA>';
    if (has(evt, 3)) flags = evt.uint(3);
    const inoAt = type === EV.OPENAT_X ? 6 : 7;
    if (has(evt, inoAt)) {
      dev = evt.uint(inoAt - 1);
      ino = evt.uint(inoAt);
    }
    if (has(evt, 1)) dir = p.dirOf(t, name, evt.int(1));
  } else {
    // open_by_handle_at: the driver already resolves the path to an absolute one.
    flags = evt.uint(2);
    name = evt.str(3);
    if (evt.nparams > 4) dev = evt.uint(4);
    if (evt.nparams > 5) ino = evt.uint(5);
    dir = '';
  }
  if (fdNum < 0) return;
  const fd = new FdState(flags & PPM_O.DIRECTORY ? 'directory' : 'file');
  fd.openFlags = flags;
  fd.dev = dev;
  fd.ino = ino;
  fd.nameRaw = name;
  fd.name = concatenatePaths(dir, name);
  if (flags & PPM_O.FD_UPPER_LAYER) fd.flags |= FD_FLAG.OVERLAY_UPPER;
  if (flags & PPM_O.FD_LOWER_LAYER) fd.flags |= FD_FLAG.OVERLAY_LOWER;
  p.addEventFd(t, fdNum, fd);
}

/** The fd a socket() of this domain/type/protocol creates (sinsp_parser::add_socket). */
function newSocket(domain: number, type: number, protocol: number, flags: number): FdState {
  let fd: FdState;
  if (domain === PPM_AF.UNIX) {
    fd = new FdState('unix');
  } else if (domain === PPM_AF.INET || domain === PPM_AF.INET6) {
    let l4: L4Proto;
    if (protocol === IPPROTO.TCP) l4 = type === SOCK_RAW ? 'raw' : 'tcp';
    else if (protocol === IPPROTO.UDP) l4 = type === SOCK_RAW ? 'raw' : 'udp';
    else if (protocol === IPPROTO.IP) {
      // The type may carry SOCK_NONBLOCK/SOCK_CLOEXEC in its upper bits.
      if ((type & 0xff) === SOCK_STREAM) l4 = 'tcp';
      else if ((type & 0xff) === SOCK_DGRAM) l4 = 'udp';
    } else if (protocol === IPPROTO.ICMP) l4 = type === SOCK_RAW ? 'raw' : 'icmp';
    else if (protocol === IPPROTO.RAW) l4 = 'raw';
    fd = newIpSocket(domain === PPM_AF.INET ? 'ipv4' : 'ipv6', l4);
  } else if (domain === PPM_AF.NETLINK) {
    fd = new FdState('netlink');
  } else {
    fd = new FdState('unknown');
  }
  fd.openFlags = flags;
  return fd;
}

function parseSocket(p: StateParser, evt: EventView, t: Thread | undefined): void {
  const fdNum = evt.int(0);
  if (fdNum < 0 || t === undefined) return;
  p.addEventFd(t, fdNum, newSocket(evt.uint(1), evt.uint(2), evt.uint(3), evt.uint(4)));
}

function parseBind(p: StateParser, evt: EventView): void {
  const fd = p.ctx.fd;
  if (fd === undefined || evt.int(0) < 0) return;
  const raw = evt.bytes(1);
  if (!isSockAddrValid(raw)) return;
  const a = decodeSockAddr(raw);
  if (a !== undefined && (a.family === PPM_AF.INET || a.family === PPM_AF.INET6) && a.port > 0) {
    // A bound port makes it a server socket: only the local address is known.
    fd.type = a.family === PPM_AF.INET || a.mapped ? 'ipv4' : 'ipv6';
    fd.serverSocket = true;
    fd.sip = a.ip;
    fd.sport = a.port;
    fd.cip = undefined;
    fd.cport = undefined;
    fd.setRoleServer();
  }
  fd.name = sockAddrText(raw);
}

/** Fills a client socket from a connect tuple (sinsp_parser::fill_client_socket_info). */
function fillClientSocket(fd: FdState, tuple: Buffer): void {
  const tu = decodeSockTuple(tuple);
  if (tu === undefined) return;
  if (tu.family === PPM_AF.INET || tu.family === PPM_AF.INET6) {
    fd.type = tu.family === PPM_AF.INET6 && !tu.mapped ? 'ipv6' : 'ipv4';
    if (fd.serverSocket) resetServerSocket(fd);
    const changed = setSocketTuple(fd, tu.sip, tu.sport, tu.dip, tu.dport, true);
    // A udp server that connects: its end is the server end.
    if (changed && fd.isServer === true && fd.isUdp()) swapSocketEnds(fd);
    fd.name = ipSocketName(fd);
  } else {
    if (fd.type !== 'unix') return;
    fd.unixSource = tu.source;
    fd.unixDest = tu.dest;
    fd.unixPath = tu.path;
    fd.name = unixTupleName(tu.source, tu.dest, tu.path);
  }
  if (fd.roleNone) fd.setRoleClient();
}

/** A bound server socket turning into a connected one starts from an empty tuple. */
function resetServerSocket(fd: FdState): void {
  fd.serverSocket = false;
  const zero = fd.type === 'ipv6' ? '::' : '0.0.0.0';
  fd.cip = zero;
  fd.cport = 0;
  fd.sip = zero;
  fd.sport = 0;
}

function parseConnect(p: StateParser, evt: EventView, t: Thread | undefined): void {
  const fd = p.ctx.fd;
  if (t === undefined || fd === undefined) return;
  const res = evt.int(0);
  if (res < 0 && res !== EINPROGRESS) return;
  fd.setConnected();
  // Without the enter event's address (drivers no longer send it), the exit tuple is the source.
  if (evt.paramLength(1) === 0) return;
  const tuple = evt.bytes(1);
  if (!isSockTupleValid(tuple)) return;
  fillClientSocket(fd, tuple);
}

function parseAccept(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const fdNum = evt.int(0);
  if (fdNum < 0) return;
  p.ctx.fdNum = fdNum;
  const raw = evt.bytes(1);
  const tu = decodeSockTuple(raw);
  if (tu === undefined) return;
  let fd: FdState;
  if (tu.family === PPM_AF.INET || tu.family === PPM_AF.INET6) {
    fd = new FdState(tu.family === PPM_AF.INET || tu.mapped ? 'ipv4' : 'ipv6');
    fd.l4proto = 'tcp';
    fd.cip = tu.sip;
    fd.cport = tu.sport;
    fd.sip = tu.dip;
    fd.sport = tu.dport;
  } else {
    fd = new FdState('unix');
    fd.unixSource = tu.source;
    fd.unixDest = tu.dest;
    fd.unixPath = tu.path;
  }
  fd.name = sockTupleText(raw);
  fd.openFlags = evt.type === EV.ACCEPT4_X ? evt.int(5) & PPM_O.CLOEXEC : 0;
  fd.setRoleServer();
  fd.setConnected();
  p.addEventFd(t, fdNum, fd);
}

function parseClose(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined || p.ctx.fd === undefined) return;
  p.scheduleFdRemoval(t.tid, p.ctx.fdNum);
}

function parseCloseRange(_p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined || evt.int(0) < 0) return;
  const first = evt.uint(1);
  const last = evt.uint(2);
  const fds = t.shared.fds;
  if (evt.uint(3) & PPM_CLOSE_RANGE_CLOEXEC) {
    for (const [n, fd] of fds) if (n >= first && n <= last) fd.openFlags |= PPM_O.CLOEXEC;
  } else {
    for (const n of [...fds.keys()]) if (n >= first && n <= last) fds.delete(n);
  }
}

function parseFcntl(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const cmd = evt.uint(2);
  if (cmd !== PPM_FCNTL.F_DUPFD && cmd !== PPM_FCNTL.F_DUPFD_CLOEXEC && cmd !== PPM_FCNTL.F_SETFD) return;
  const res = evt.int(0);
  const fd = p.ctx.fd;
  if (res < 0 || fd === undefined) return;
  if (cmd === PPM_FCNTL.F_SETFD) {
    fd.clearCloexecBits();
    if (evt.u64(3) & BigInt(FD_CLOEXEC)) fd.openFlags |= PPM_O.CLOEXEC;
    return;
  }
  const dup = fd.clone();
  dup.clearCloexecBits();
  if (cmd === PPM_FCNTL.F_DUPFD_CLOEXEC) dup.openFlags |= PPM_O.CLOEXEC;
  p.addEventFd(t, res, dup);
}

function parseDup(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  const fd = p.ctx.fd;
  if (res < 0 || fd === undefined) return;
  // Heuristic for shell pipes: a dup onto stdin or stdout.
  if (res === 0) t.flags |= PPM_CL.PIPE_DST;
  if (res === 1) t.flags |= PPM_CL.PIPE_SRC;
  const dup = fd.clone();
  dup.clearCloexecBits();
  if (evt.type === EV.DUP3_X && evt.uint(3) & PPM_O.CLOEXEC) dup.openFlags |= PPM_O.CLOEXEC;
  p.addEventFd(t, res, dup);
}

function parsePipe(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined) return;
  const ino = evt.uint(3);
  const flags = evt.type === EV.PIPE2_X ? evt.uint(4) : 0;
  for (const n of [evt.int(1), evt.int(2)]) {
    const fd = new FdState('pipe');
    fd.ino = ino;
    fd.openFlags = flags;
    p.addEventFd(t, n, fd);
  }
}

function parseSocketpair(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined) return;
  const fd1 = evt.int(1);
  const fd2 = evt.int(2);
  if (fd1 === fd2) {
    p.ctx.fd = undefined;
    return;
  }
  const a = new FdState('unix');
  a.unixSource = evt.u64(3);
  a.unixDest = evt.u64(4);
  const b = a.clone();
  const added = p.addEventFd(t, fd1, a);
  // libsinsp leaves the event on the first fd but its number on the second.
  addFd(t.shared.fds, fd2, b);
  p.ctx.fd = added;
  p.ctx.fdNum = fd2;
}

function singleFdCreator(type: FdType, flagsOf?: (evt: EventView) => number): Handler {
  return (p, evt, t) => {
    if (t === undefined) return;
    const res = evt.int(0);
    if (res < 0) return;
    const fd = new FdState(type);
    if (flagsOf !== undefined) fd.openFlags = flagsOf(evt);
    p.addEventFd(t, res, fd);
  };
}

function parseMemfdCreate(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  if (res < 0) return;
  const fd = new FdState('memfd');
  fd.name = evt.str(1);
  fd.openFlags = evt.uint(2);
  p.addEventFd(t, res, fd);
}

function parsePidfdOpen(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  if (res < 0) return;
  const pid = evt.int(1);
  const fd = new FdState('pidfd');
  fd.name = `${p.hostRoot}/proc/${pid}`;
  fd.openFlags = evt.uint(2);
  fd.pid = pid;
  p.addEventFd(t, res, fd);
}

function parsePidfdGetfd(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  const pidfd = p.lookupFd(t, evt.int(1));
  if (res < 0 || pidfd === undefined || pidfd.type !== 'pidfd') return;
  const target = p.threads.get(pidfd.pid);
  const tfd = target === undefined ? undefined : p.lookupFd(target, evt.int(2));
  if (tfd === undefined) return;
  const fd = tfd.clone();
  fd.clearCloexecBits();
  fd.openFlags |= PPM_O.CLOEXEC;
  p.addEventFd(t, res, fd);
}

function parseChdir(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) >= 0 && t !== undefined) p.updateCwd(t, evt.str(1));
}

function parseFchdir(p: StateParser, evt: EventView, t: Thread | undefined): void {
  const fd = p.ctx.fd;
  if (evt.int(0) >= 0 && fd !== undefined && t !== undefined) p.updateCwd(t, fd.name);
}

function credentials(index: number, group: boolean): Handler {
  return (p, evt, t) => {
    if (evt.int(0) !== 0 || t === undefined || !has(evt, index)) return;
    if (group) t.gid = evt.uint(index);
    else t.uid = evt.uint(index);
    p.notifyCredentials(t);
  };
}

function parseChroot(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined || evt.int(0) !== 0) return;
  const path = evt.str(1);
  t.root = path.length === 0 || path === '<NA>' || path.charCodeAt(0) === 47 ? path : concatenatePaths(cwdOf(p.threads, t), path);
  p.notifyProcessChange(t);
}

function parseSetsid(_p: StateParser, evt: EventView, t: Thread | undefined): void {
  const res = evt.int(0);
  if (res >= 0 && t !== undefined) t.sid = res;
}

function parseCapset(_p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined) return;
  t.capInheritable = evt.u64(1);
  t.capPermitted = evt.u64(2);
  t.capEffective = evt.u64(3);
}

function parsePrctl(_p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined || t.invalid) return;
  const option = evt.uint(1);
  if (option !== PPM_PR_SET_CHILD_SUBREAPER && option !== PPM_PR_GET_CHILD_SUBREAPER) return;
  t.shared.reaper = evt.int(3) !== 0;
}

function parseUnshareSetns(_p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined) return;
  let flags = 0;
  if (evt.type === EV.UNSHARE_X) flags = evt.uint(1);
  else if (has(evt, 2)) flags = evt.uint(2);
  if ((flags & PPM_CL.CLONE_NEWUSER) === 0) return;
  // A new user namespace grants every capability inside it.
  t.capInheritable = MAX_CAPS;
  t.capPermitted = MAX_CAPS;
  t.capEffective = MAX_CAPS;
}

function parseRlimit(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined || evt.int(0) < 0) return;
  if (evt.uint(3) !== PPM_RLIMIT_NOFILE) return;
  const cur = evt.int(1);
  if (cur === -1) return;
  const main = p.threads.mainThread(t);
  if (main !== undefined) main.fdlimit = cur;
}

function parsePrlimit(p: StateParser, evt: EventView): void {
  if (evt.int(0) !== 0 || !has(evt, 6) || evt.uint(6) !== PPM_RLIMIT_NOFILE) return;
  const cur = evt.int(1);
  if (cur === -1 || !has(evt, 5)) return;
  let tid = evt.int(5);
  if (tid === 0) tid = evt.tid;
  const t = p.getOrCreateThread(tid);
  if (t === undefined || t.invalid) return;
  const main = p.threads.mainThread(t);
  if (main !== undefined) main.fdlimit = cur;
}

/** Reads carry a tuple that names a datagram socket (parse_read_exit / parse_write_exit). */
function tupleOnIo(tupleIndex: number, incoming: boolean): Handler {
  return (p, evt, t) => {
    const type = evt.type;
    if ((type === EV.RECVMMSG_X || type === EV.SENDMMSG_X) && evt.paramLength(0) === 0) return;
    if (!incoming && t !== undefined && p.ctx.fd === undefined && tupleIndex >= 0) inferSendSocket(p, evt, t);
    const fd = p.ctx.fd;
    if (fd === undefined || t === undefined) return;
    if (evt.int(0) < 0) return;
    if (fd.isIpSocket()) fd.setConnected();
    if (tupleIndex < 0 || !(fd.name.length === 0 || !fd.isTcp())) return;
    const tuple = evt.bytes(tupleIndex);
    if (!updateFdFromTuple(fd, tuple)) return;
    if (fd.isIpSocket()) {
      if (fd.roleNone) guessRole(p, t, fd, incoming);
      if (incoming ? fd.isServer === false : fd.isServer === true) swapSocketEnds(fd);
      fd.name = ipSocketName(fd);
    } else {
      fd.name = sockTupleText(tuple);
    }
  };
}

/** A send on an fd we never saw created: assume a UDP socket of the tuple's family. */
function inferSendSocket(p: StateParser, evt: EventView, t: Thread): void {
  if (evt.type !== EV.SEND_X && evt.type !== EV.SENDTO_X && evt.type !== EV.SENDMSG_X) return;
  if (evt.int(0) < 0 || !has(evt, 4)) return;
  const num = evt.int(2);
  const family = evt.bytes(4)[0];
  if (family !== PPM_AF.INET && family !== PPM_AF.INET6) return;
  p.addEventFd(t, num, newSocket(family, SOCK_DGRAM, IPPROTO.UDP, 0));
}

/** Applies a read/write tuple to a socket fd (sinsp_parser::update_fd); false when nothing new. */
function updateFdFromTuple(fd: FdState, tuple: Buffer): boolean {
  const tu = decodeSockTuple(tuple);
  if (tu === undefined) return false;
  if (tu.family === PPM_AF.UNIX) {
    fd.type = 'unix';
    fd.unixSource = tu.source;
    fd.unixDest = tu.dest;
    fd.unixPath = tu.path;
    fd.name = tu.path;
    return true;
  }
  if (tu.family === PPM_AF.INET || tu.mapped) fd.type = 'ipv4';
  if (fd.serverSocket) resetServerSocket(fd);
  if (!setSocketTuple(fd, tu.sip, tu.sport, tu.dip, tu.dport, false)) return false;
  // A changing peer is not TCP: without a known protocol, assume UDP.
  if (fd.isIpSocket() && fd.l4proto === undefined) fd.l4proto = 'udp';
  return true;
}

/** sinsp_fdinfo::set_net_role_by_guessing: whoever owns the server port is the server. */
function guessRole(p: StateParser, t: Thread, fd: FdState, incoming: boolean): void {
  const fds = t.shared.fds;
  if (!boundToPort(fds, fd.sport ?? 0)) {
    fd.setRoleClient();
    return;
  }
  if (!usesClientPort(fds, fd.cport ?? 0)) {
    fd.setRoleServer();
    return;
  }
  if (fd.roleNone) {
    if (incoming) fd.setRoleServer();
    else fd.setRoleClient();
  }
}

function boundToPort(fds: FdTable, port: number): boolean {
  for (const fd of fds.values()) {
    // A connected socket's server port, or a bound server socket's port.
    if (fd.type === 'ipv4' && fd.sport === port) return true;
  }
  return false;
}

function usesClientPort(fds: FdTable, port: number): boolean {
  for (const fd of fds.values()) if (fd.type === 'ipv4' && !fd.serverSocket && fd.cport === port) return true;
  return false;
}

// --- processes -------------------------------------------------------------------------------

function parseClone(p: StateParser, evt: EventView): void {
  const child = evt.int(CLONE_P.res);
  if (child < 0) return;
  if (child === 0) cloneInChild(p, evt);
  else cloneInCaller(p, evt, child);
}

/** Fields a new thread takes from the thread it was cloned from. */
function inheritFrom(child: Thread, from: Thread): void {
  child.exepath = from.exepath;
  child.exeFlags = from.exeFlags;
  child.root = from.root;
  child.sid = from.sid;
  child.vpgid = from.vpgid;
  child.pgid = from.pgid;
  child.tty = from.tty;
  child.loginuid = from.loginuid;
  child.capPermitted = from.capPermitted;
  child.capInheritable = from.capInheritable;
  child.capEffective = from.capEffective;
  child.exeIno = from.exeIno;
  child.exeInoCtime = from.exeInoCtime;
  child.exeInoMtime = from.exeInoMtime;
  child.exeInoCtimeDurationCloneTs = from.exeInoCtimeDurationCloneTs;
}

/** A new process's ProcessState: a copy of the parent's fd table, cwd and environment. */
function forkProcessState(pid: number, from: ProcessState | undefined): ProcessState {
  const s = new ProcessState(pid);
  if (from !== undefined) {
    for (const [n, fd] of from.fds) {
      const c = fd.clone();
      c.flags |= FD_FLAG.IS_CLONED;
      s.fds.set(n, c);
    }
    s.cwd = from.cwd;
    s.env = from.env;
  }
  return s;
}

/** Fields every clone event sets on the new thread. */
function fillFromCloneEvent(child: Thread, evt: EventView): void {
  child.exe = evt.str(CLONE_P.exe);
  child.args = strList(evt, CLONE_P.args);
  child.comm = has(evt, CLONE_P.comm) ? evt.str(CLONE_P.comm) : child.exe;
  child.fdlimit = evt.int(CLONE_P.fdlimit);
  if (has(evt, CLONE_P.vmSwap)) {
    child.pfMajor = evt.uint(CLONE_P.pgftMaj);
    child.pfMinor = evt.uint(CLONE_P.pgftMin);
    child.vmSizeKb = evt.uint(CLONE_P.vmSize);
    child.vmRssKb = evt.uint(CLONE_P.vmRss);
    child.vmSwapKb = evt.uint(CLONE_P.vmSwap);
  }
  child.uid = evt.uint(CLONE_P.uid);
  child.gid = evt.uint(CLONE_P.gid);
  if (has(evt, CLONE_P.cgroups)) child.cgroups = normalizeCgroups(strList(evt, CLONE_P.cgroups));
  child.cloneTs = evt.ts;
}

/** The clone exit in the parent (parse_clone_exit_caller): may create the child. */
function cloneInCaller(p: StateParser, evt: EventView, childTid: number): void {
  const callerTid = evt.tid;
  const caller = p.getOrCreateThread(callerTid);
  if (caller === undefined) {
    p.ctx.thread = undefined;
    return;
  }
  let validCaller = true;
  if (caller.invalid) {
    // Patch the placeholder with what the event knows about the caller.
    validCaller = false;
    caller.pid = evt.int(CLONE_P.pid);
    caller.ptid = evt.int(CLONE_P.ptid);
    if (has(evt, CLONE_P.vpid)) {
      caller.vtid = evt.int(CLONE_P.vtid);
      caller.vpid = evt.int(CLONE_P.vpid);
    } else {
      caller.vtid = callerTid;
      caller.vpid = -1;
    }
    p.threads.linkThread(caller);
  }
  p.ctx.thread = caller;
  caller.lastAccessTs = evt.tsNumber;

  const flags = evt.uint(CLONE_P.flags);
  // A child in another pid namespace is known by a different tid here: leave it to its own event.
  if (flags & (PPM_CL.CHILD_IN_PIDNS | PPM_CL.CLONE_NEWPID | PPM_CL.CLONE_PARENT) || callerTid !== caller.vtid) return;
  // With vfork the child may well have exited already: let the child's own event create it.
  if (flags & PPM_CL.CLONE_VFORK || evt.type === EV.VFORK_X) return;
  if (p.threads.recentlyExited(childTid, callerTid, evt.tsNumber)) return;

  const existing = p.threads.get(childTid);
  if (existing !== undefined) {
    if (existing.flags & PPM_CL.CLONE_INVERTED) return;
    // A stale entry whose exit we missed.
    p.threads.remove(childTid);
  }

  const isThread = (flags & PPM_CL.CLONE_THREAD) !== 0;
  let shared: ProcessState;
  let child: Thread;
  if (!isThread) {
    shared = forkProcessState(childTid, validCaller ? caller.shared : undefined);
    child = new Thread(childTid, shared);
    child.pid = childTid;
    child.ptid = caller.tid;
  } else {
    shared = p.threads.groups.get(caller.pid) ?? caller.shared;
    child = new Thread(childTid, shared);
    child.pid = caller.pid;
    child.ptid = caller.ptid;
    child.lastExecTs = caller.lastExecTs;
  }
  child.flags = flags | (isThread ? PPM_CL.CLONE_FILES : 0);
  child.vtid = child.tid;
  child.vpid = child.pid;
  fillFromCloneEvent(child, evt);
  child.pidnsInitStartTs = p.bootTs;
  if (validCaller) inheritFrom(child, caller);
  else {
    caller.exe = child.exe;
    caller.comm = child.comm;
    caller.args = child.args;
  }
  child.lastAccessTs = evt.tsNumber;
  if (!p.threads.add(child)) return;
  p.notifyProcessChange(child);
  p.notifyCredentials(child);
}

/** The clone exit in the child (parse_clone_exit_child): creates it unless the parent just did. */
function cloneInChild(p: StateParser, evt: EventView): void {
  const childTid = evt.tid;
  const existing = p.threads.get(childTid);
  if (existing !== undefined && existing.cloneTs !== 0n) {
    if (evt.tsNumber - Number(existing.cloneTs) < CLONE_STALE_NS) {
      p.ctx.thread = existing;
      return;
    }
    p.threads.remove(childTid);
    p.ctx.thread = undefined;
  }

  const flags = evt.uint(CLONE_P.flags) | PPM_CL.CLONE_INVERTED;
  const pid = evt.int(CLONE_P.pid);
  const ptid = evt.int(CLONE_P.ptid);
  let vtid: number;
  let vpid: number;
  if (has(evt, CLONE_P.vpid)) {
    vtid = evt.int(CLONE_P.vtid);
    vpid = evt.int(CLONE_P.vpid);
  } else {
    vtid = childTid;
    vpid = -1;
  }
  const isLeader = (flags & PPM_CL.CLONE_THREAD) === 0;
  // A new process copies from its parent, a new thread from its process's main thread.
  const lookup = p.getOrCreateThread(isLeader ? ptid : pid);
  if (lookup === undefined) {
    p.ctx.thread = undefined;
    return;
  }
  const validLookup = !lookup.invalid;
  if (!validLookup && !isLeader) {
    lookup.pid = pid;
    lookup.ptid = ptid;
    lookup.vpid = vpid;
    lookup.vtid = vpid;
    p.threads.linkThread(lookup);
  }

  let shared: ProcessState;
  if (isLeader) shared = forkProcessState(childTid, validLookup ? lookup.shared : undefined);
  else shared = p.threads.groups.get(pid) ?? new ProcessState(pid);
  const child = new Thread(childTid, shared);
  child.pid = pid;
  child.ptid = ptid;
  child.vtid = vtid;
  child.vpid = vpid;
  child.flags = flags | (isLeader ? 0 : PPM_CL.CLONE_FILES);
  fillFromCloneEvent(child, evt);
  if (validLookup) {
    inheritFrom(child, lookup);
    if (!isLeader) child.lastExecTs = lookup.lastExecTs;
  } else if (!isLeader) {
    lookup.exe = child.exe;
    lookup.comm = child.comm;
    lookup.args = child.args;
  }
  if (flags & (PPM_CL.CHILD_IN_PIDNS | PPM_CL.CLONE_NEWPID) || child.tid !== child.vtid) {
    if (has(evt, CLONE_P.pidnsInitStartTs)) child.pidnsInitStartTs = evt.u64(CLONE_P.pidnsInitStartTs) + p.bootTs;
  } else {
    child.pidnsInitStartTs = p.bootTs;
  }
  child.lastAccessTs = evt.tsNumber;
  if (!p.threads.add(child)) {
    p.ctx.thread = undefined;
    return;
  }
  p.ctx.thread = child;
  p.notifyProcessChange(child);
  p.notifyCredentials(child);
}

function parseExecve(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(EXECVE_P.res) < 0 || t === undefined) return;
  if (t.dead) p.threads.resurrect(t);
  t.exe = evt.str(EXECVE_P.exe);
  t.lastExecTs = evt.ts;
  t.comm = has(evt, EXECVE_P.comm) ? evt.str(EXECVE_P.comm) : t.exe;
  t.args = strList(evt, EXECVE_P.args);
  t.pid = evt.int(EXECVE_P.pid);
  if (t.invalid) {
    // A placeholder learns its identity from the exec.
    t.ptid = evt.int(EXECVE_P.ptid);
    if ((t.flags & PPM_CL.CHILD_IN_PIDNS) === 0) {
      t.vtid = t.tid;
      t.vpid = t.pid;
    }
    p.threads.linkThread(t);
  }
  t.fdlimit = evt.int(EXECVE_P.fdlimit);
  if (has(evt, EXECVE_P.vmSwap)) {
    t.pfMajor = evt.uint(EXECVE_P.pgftMaj);
    t.pfMinor = evt.uint(EXECVE_P.pgftMin);
    t.vmSizeKb = evt.uint(EXECVE_P.vmSize);
    t.vmRssKb = evt.uint(EXECVE_P.vmRss);
    t.vmSwapKb = evt.uint(EXECVE_P.vmSwap);
  }
  if (has(evt, EXECVE_P.env)) t.shared.env = strList(evt, EXECVE_P.env);
  if (has(evt, EXECVE_P.cgroups)) t.cgroups = normalizeCgroups(strList(evt, EXECVE_P.cgroups));
  if (has(evt, EXECVE_P.tty)) t.tty = evt.uint(EXECVE_P.tty);
  // Captures older than trusted_exepath needed the enter event to rebuild it; without one it stays.
  if (has(evt, EXECVE_P.trustedExepath)) t.exepath = cleanExepath(evt.str(EXECVE_P.trustedExepath));
  if (has(evt, EXECVE_P.vpgid)) t.vpgid = evt.int(EXECVE_P.vpgid);
  if (has(evt, EXECVE_P.loginuid)) t.loginuid = evt.uint(EXECVE_P.loginuid);
  if (has(evt, EXECVE_P.flags)) {
    t.exeFlags = evt.uint(EXECVE_P.flags) & (PPM_EXE.WRITABLE | PPM_EXE.UPPER_LAYER | PPM_EXE.FROM_MEMFD | PPM_EXE.LOWER_LAYER);
  }
  if (has(evt, EXECVE_P.capEffective)) {
    t.capInheritable = evt.u64(EXECVE_P.capInheritable);
    t.capPermitted = evt.u64(EXECVE_P.capPermitted);
    t.capEffective = evt.u64(EXECVE_P.capEffective);
  }
  if (has(evt, EXECVE_P.exeInoMtime)) {
    t.exeIno = evt.uint(EXECVE_P.exeIno);
    t.exeInoCtime = evt.u64(EXECVE_P.exeInoCtime);
    t.exeInoMtime = evt.u64(EXECVE_P.exeInoMtime);
    if (t.cloneTs !== 0n) t.exeInoCtimeDurationCloneTs = t.cloneTs - t.exeInoCtime;
    if (t.pidnsInitStartTs !== 0n && t.exeInoCtime > t.pidnsInitStartTs) {
      t.exeInoCtimeDurationPidnsStart = t.exeInoCtime - t.pidnsInitStartTs;
    }
  }
  if (has(evt, EXECVE_P.uid)) t.uid = evt.uint(EXECVE_P.uid);
  t.pgid = has(evt, EXECVE_P.pgid) ? evt.int(EXECVE_P.pgid) : -1;
  if (has(evt, EXECVE_P.gid)) t.gid = evt.uint(EXECVE_P.gid);

  // Close-on-exec fds are gone in the new program.
  const fds = t.shared.fds;
  for (const [n, fd] of fds) if (fd.cloexec) fds.delete(n);

  const keep = t.flags & (PPM_CL.PIPE_SRC | PPM_CL.PIPE_DST | PPM_CL.IS_MAIN_THREAD);
  const inverted = t.flags & PPM_CL.CLONE_INVERTED;
  t.flags = PPM_CL.ACTIVE | keep | inverted | PPM_CL.NAME_CHANGED;

  // Every other thread of the process is gone after a successful exec.
  const group = p.threads.groups.get(t.pid);
  if (group !== undefined && group.aliveCount > 1) {
    for (const other of [...group.threads]) {
      if (other === t || other.isMainThread || other.tid === t.tid) continue;
      p.threads.remove(other.tid);
    }
  }
  p.notifyProcessChange(t);
  p.notifyCredentials(t);
}

function parseProcexit(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  p.threads.markDead(t);
  p.scheduleThreadRemoval(evt.tid);
  if (t.children.size === 0) return;
  if (evt.nparams > 4) {
    if (has(evt, 4)) t.reaperTid = evt.int(4);
  } else {
    t.reaperTid = -1;
  }
}

const HANDLERS: Array<Handler | undefined> = new Array(EVENT_TABLE.length);
{
  const on = (codes: number[], h: Handler): void => {
    for (const c of codes) HANDLERS[c] = h;
  };
  on([EV.OPEN_X, EV.CREAT_X, EV.OPENAT_X, EV.OPENAT2_X, EV.OPEN_BY_HANDLE_AT_X], parseOpen);
  on([EV.SOCKET_X], parseSocket);
  on([EV.BIND_X], (p, evt) => parseBind(p, evt));
  on([EV.CONNECT_X], parseConnect);
  on([EV.ACCEPT_X, EV.ACCEPT4_X], parseAccept);
  on([EV.CLOSE_X], parseClose);
  on([EV.CLOSE_RANGE_X], parseCloseRange);
  on([EV.FCNTL_X], parseFcntl);
  on([EV.DUP_X, EV.DUP2_X, EV.DUP3_X], parseDup);
  on([EV.PIPE_X, EV.PIPE2_X], parsePipe);
  on([EV.SOCKETPAIR_X], parseSocketpair);
  on([EV.EVENTFD_X], singleFdCreator('event'));
  on([EV.EVENTFD2_X], singleFdCreator('event', (e) => e.uint(1)));
  on([EV.SIGNALFD_X], singleFdCreator('signalfd'));
  on([EV.SIGNALFD4_X], singleFdCreator('signalfd', (e) => e.uint(1)));
  on([EV.TIMERFD_CREATE_X], singleFdCreator('timerfd', (e) => e.uint(2)));
  on([EV.INOTIFY_INIT_X], singleFdCreator('inotify'));
  on([EV.INOTIFY_INIT1_X], singleFdCreator('inotify', (e) => e.uint(1)));
  on([EV.BPF_X], singleFdCreator('bpf'));
  on([EV.USERFAULTFD_X], singleFdCreator('userfaultfd'));
  on([EV.IO_URING_SETUP_X], singleFdCreator('io_uring'));
  on([EV.EPOLL_CREATE_X], singleFdCreator('eventpoll'));
  on([EV.EPOLL_CREATE1_X], singleFdCreator('eventpoll', (e) => (e.uint(1) & PPM_EPOLL_CLOEXEC ? PPM_O.CLOEXEC : 0)));
  on([EV.MEMFD_CREATE_X], parseMemfdCreate);
  on([EV.PIDFD_OPEN_X], parsePidfdOpen);
  on([EV.PIDFD_GETFD_X], parsePidfdGetfd);
  on([EV.CHDIR_X], parseChdir);
  on([EV.FCHDIR_X], parseFchdir);
  on([EV.GETCWD_X], parseChdir);
  on([EV.SETUID_X], credentials(1, false));
  on([EV.SETRESUID_X, EV.SETREUID_X], credentials(2, false));
  on([EV.SETGID_X], credentials(1, true));
  on([EV.SETRESGID_X, EV.SETREGID_X], credentials(2, true));
  on([EV.CHROOT_X], parseChroot);
  on([EV.SETSID_X], parseSetsid);
  on([EV.CAPSET_X], parseCapset);
  on([EV.PRCTL_X], parsePrctl);
  on([EV.UNSHARE_X, EV.SETNS_X], parseUnshareSetns);
  on([EV.GETRLIMIT_X, EV.SETRLIMIT_X], parseRlimit);
  on([EV.PRLIMIT_X], (p, evt) => parsePrlimit(p, evt));
  on([EV.CLONE_X, EV.FORK_X, EV.VFORK_X, EV.CLONE3_X], (p, evt) => parseClone(p, evt));
  on([EV.EXECVE_X, EV.EXECVEAT_X], parseExecve);
  on([EV.PROCEXIT_E], parseProcexit);
  on([EV.READ_X, EV.PREAD_X, EV.READV_X, EV.PREADV_X], tupleOnIo(-1, true));
  on([EV.RECVFROM_X], tupleOnIo(2, true));
  on([EV.RECVMSG_X], tupleOnIo(3, true));
  on([EV.RECVMMSG_X, EV.RECV_X], tupleOnIo(4, true));
  on([EV.WRITE_X, EV.PWRITE_X, EV.WRITEV_X, EV.PWRITEV_X], tupleOnIo(-1, false));
  on([EV.SEND_X, EV.SENDTO_X, EV.SENDMSG_X, EV.SENDMMSG_X], tupleOnIo(4, false));
}

