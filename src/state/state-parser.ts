// The state machine: each event updates threads and fds exactly as libsinsp's sinsp_parser does
// (parsers.cpp), and fills the one reused EventContext that rule evaluation reads. Removals that
// an event implies (a closed fd, an exited thread) are applied when the next event arrives, so
// the event itself is still evaluated against the state it refers to.
import { FdBudget } from './fd-budget.js';
import { NegativeCache } from './negative-cache.js';
import { type EventView, EF, isExitCode, EVENT_TABLE } from '../events/index.js';
import type { FdType, FieldScope, L4Proto, StateView } from './types.js';
import type { EventHandler, HandlerParser, StateContext } from './event-handler.js';
import { AgentFieldScope } from './field-scope.js';
import { HostNames } from './host-names.js';
import { hostInterfaces, type NetworkInterfaces } from './interfaces.js';
import { EV, FD_PARAM_OF_EXIT } from './parsed-events.js';
import { type FdState, FdPool, addFd, socketName, type FdTable } from './fds.js';
import { OPEN_EXITS, isOpenExit, openName, openPath } from './open-names.js';
import { concatenatePaths } from './paths.js';
import {
  FD_CLOEXEC, MAX_CAPS, NO_ID, PPM_CL, PPM_CLOSE_RANGE_CLOEXEC, PPM_EPOLL_CLOEXEC, PPM_FCNTL,
  PPM_FD_LOWER_LAYER_CREAT, PPM_FD_UPPER_LAYER_CREAT, PPM_O, PPM_PR_GET_CHILD_SUBREAPER, PPM_PR_SET_CHILD_SUBREAPER,
} from './ppm.js';
import { credentials, parseClone, parseExecve, parseProcexit } from './process-events.js';
import { newSockTuple, sockTupleText } from './sockaddr.js';
import { fdFromSnapshot, threadFromSnapshot, type ThreadSnapshot } from './snapshot.js';
import { parseAccept, parseBind, parseConnect, parseSocket, tupleOnIo } from './socket-events.js';
import { ProcessState, Thread, ThreadTable, cwdOf, joinCwd } from './threads.js';
import type { WatchedFiles } from './watched-files.js';
import type { OpenedPaths } from './opened-paths.js';
import { PathTexts } from './path-texts.js';

const PPM_RLIMIT_NOFILE = 7;

/** What the parser needs from the rest of the state. All optional: the parser runs alone in tests. */
export interface ParserOptions {
  threads?: ThreadTable;
  /** Fds tracked over all processes at most (default fd-budget.ts DEFAULT_MAX_FDS_TOTAL). */
  maxFdsTotal?: number;
  /** Put into every EventContext as `state`. */
  view?: StateView;
  /** Put into every EventContext as `scope` (default: Falco's rendering, the host's name). */
  scope?: FieldScope;
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


/** A view over the thread table alone, for a parser used without the rest of State. */
function threadTableView(threads: ThreadTable, paths: PathTexts): StateView {
  let ifs: NetworkInterfaces | undefined;
  return {
    thread: (tid) => threads.get(tid),
    user: () => undefined,
    group: () => undefined,
    container: () => undefined,
    mainThread: (t) => threads.mainThread(t as Thread),
    ancestor: (t, n) => threads.ancestor(t as Thread, n),
    forEachAncestor: (t, visit) => threads.forEachAncestor(t as Thread, visit),
    sessionLeader: (t) => threads.oldestMatchingAncestor(t as Thread, (x) => x.sid, true),
    vpgidLeader: (t) => threads.oldestMatchingAncestor(t as Thread, (x) => x.vpgid, true),
    pgidLeader: (t) => threads.oldestMatchingAncestor(t as Thread, (x) => x.pgid, false),
    cwd: (t) => cwdOf(t as Thread),
    fdNameFromEvent: (ctx) => fdNameFromEvent(ctx.evt, ctx.thread as Thread | undefined, paths),
    openPath: (ctx) => (isOpenExit(ctx.evt.type) ? openPath(ctx.evt, paths) : undefined),
    get interfaces() {
      return (ifs ??= hostInterfaces());
    },
    hostNames: new HostNames(),
  };
}

/**
 * The one EventContext the parser fills. fd.name_changed is worked out only when a field asks
 * for it: comparing names on every event would make every socket name, which are mostly never
 * read (see FdState.nameFromTuple).
 */
class ParserContext implements StateContext {
  evt: EventView = undefined as unknown as EventView;
  thread: Thread | undefined = undefined;
  fdNum = -1;
  fd: FdState | undefined = undefined;
  seq = 0;

  constructor(readonly state: StateView, readonly scope: FieldScope, private readonly parser: StateParser) {}

  get fdNameChanged(): boolean {
    return this.fd !== undefined && this.parser.nameChanged(this.fd);
  }
}

export class StateParser implements HandlerParser {
  readonly threads: ThreadTable;
  readonly ctx: StateContext;
  /** The fd process() looked up for this event, and how its name was then (for nameChanged):
   *  the name's change count, the name if made, else the tuple it is to be made from. */
  private lookedUp: FdState | undefined = undefined;
  private lookedUpGen = 0;
  private lookedUpName: string | undefined = undefined;
  private oldType: FdType = 'unknown';
  private oldL4: L4Proto = undefined;
  private oldCip: string | undefined = undefined;
  private oldCport: number | undefined = undefined;
  private oldSip: string | undefined = undefined;
  private oldSport: number | undefined = undefined;
  private readonly opts: ParserOptions;
  readonly bootTs: bigint;
  private pendingRemoveTid = -1;
  /** The fd table closes were applied to on the last event (its fds go on the next one):
   *  the table itself rather than its thread's tid, so applying it needs no thread lookup. */
  private pendingFdTable: FdTable | undefined = undefined;
  /** pendingFds[0 .. pendingFdCount): a count rather than `length = 0`, which is a runtime call. */
  private readonly pendingFds: number[] = [];
  private pendingFdCount = 0;
  /** The event time after which the next purge scan is due (0: no event seen yet): compared on
   *  every event, the scan's method called only when one is due. */
  private nextPurgeTs = 0;
  /** Counters, for metrics. */
  readonly stats = { placeholders: 0, procLookups: 0, removedThreads: 0, purged: 0, openNamesCorrected: 0 };
  /** Checks open names against the path the kernel opened (live only). */
  openedPaths: OpenedPaths | undefined;
  /** The files the rules name exactly, watched by inode (live only; replaced on each rules load). */
  watchedFiles: WatchedFiles | undefined;
  /** Fds over all processes: bounded (fd-budget.ts). */
  readonly fdBudget: FdBudget;
  /** Tids /proc could not give us lately: not looked up again on each of their events. */
  readonly untracked = new NegativeCache();
  /** The path parameters of this parser's events, decoded once per distinct path. */
  readonly paths = new PathTexts();
  readonly fdPool = new FdPool();
  readonly sockTuple = newSockTuple();

  constructor(opts: ParserOptions = {}) {
    this.opts = opts;
    this.threads = opts.threads ?? new ThreadTable();
    this.threads.lookupMissing = (tid) => this.lookupUnknownThread(tid);
    this.fdBudget = new FdBudget(this.threads.threads, opts.maxFdsTotal);
    this.bootTs = opts.bootTs ?? 0n;
    this.ctx = new ParserContext(opts.view ?? threadTableView(this.threads, this.paths), opts.scope ?? new AgentFieldScope(), this);
  }

  /** Updates the state for `evt` and returns the context rules are evaluated in. */
  process(evt: EventView): StateContext {
    if (this.pendingRemoveTid !== -1 || this.pendingFdTable !== undefined) this.applyPendingRemovals(evt);
    const ctx = this.ctx;
    ctx.evt = evt;
    ctx.seq++;
    ctx.thread = undefined;
    ctx.fd = undefined;
    ctx.fdNum = -1;
    this.lookedUp = undefined;
    const type = evt.type;
    const kind = TYPE_KIND[type] ?? 0;
    if (kind & KIND.META) return this.processMeta(evt, ctx);
    if (kind & KIND.SKIP_RESET) {
      // EF_SKIPPARSERESET events (procinfo, drop, page faults ...): libs gives procinfo the thread
      // it already has, the others none, and never makes a placeholder for them (sinsp_parser::reset).
      ctx.thread = type === EV.PROCINFO_E ? this.threads.get(evt.tid) : undefined;
      return ctx;
    }

    // Only the purge of idle threads (live) reads event times here: the access time, the scan time.
    const purge = this.opts.purge;
    const now = purge === undefined ? 0 : evt.tsNumber;
    // Clone exits and procexit never query /proc: the thread may not exist yet, or not any more.
    const queryOs = (kind & KIND.NO_QUERY_OS) === 0;
    const tid = evt.tid;
    let t = this.threads.get(tid);
    if (t === undefined && queryOs) t = this.lookupUnknownThread(tid);
    if (t !== undefined) {
      if (purge !== undefined) t.lastAccessTs = now;
      if (queryOs) t.flags |= PPM_CL.ACTIVE;
    }
    ctx.thread = t;

    if (t !== undefined && (kind & KIND.USES_FD) !== 0) {
      // Exit events carry their fd at a fixed place; the few enter events still emitted have it first.
      const loc = FD_PARAM[type]!;
      if (loc >= 0 && evt.hasParam(loc)) {
        const num = evt.int(loc);
        ctx.fdNum = num;
        if (num >= 0) {
          const fd = t.shared.fds.get(num);
          if (fd !== undefined) {
            this.noteLookedUp(fd);
            ctx.fd = fd;
          }
        }
      }
    }

    const h = HANDLERS[type];
    if (h !== undefined) h(this, evt, t);

    if (purge !== undefined && now > this.nextPurgeTs) this.purgeDue(purge, now);
    return ctx;
  }

  /** Meta events (users, groups, containers, plugins): no thread, no fd. */
  private processMeta(evt: EventView, ctx: StateContext): StateContext {
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
    // PLUGINEVENT_E
    return ctx;
  }

  /** Remembers how the name of the event's fd is before the event changes it. */
  private noteLookedUp(fd: FdState): void {
    this.lookedUp = fd;
    this.lookedUpGen = fd.nameGen;
    const name = fd.settledName;
    this.lookedUpName = name;
    if (name === undefined) {
      this.oldType = fd.type;
      this.oldL4 = fd.l4proto;
      this.oldCip = fd.cip;
      this.oldCport = fd.cport;
      this.oldSip = fd.sip;
      this.oldSport = fd.sport;
    }
  }

  /**
   * fd.name_changed for the event's fd `fd` (libsinsp compares its name before and after the
   * event): the fd looked up for the event against its name then; an fd the event created, once
   * named, against the name it was created with ('' or, for a copy, the original's).
   */
  nameChanged(fd: FdState): boolean {
    if (fd !== this.lookedUp) return fd.nameGen !== 0 && fd.name !== fd.oldName;
    if (fd.nameGen === this.lookedUpGen) return false;
    const old = this.lookedUpName ?? socketName(this.oldType, this.oldL4, this.oldCip, this.oldCport, this.oldSip, this.oldSport);
    return fd.name !== old;
  }

  /** The fd `num` of `t`'s process (an fd the event refers to besides its own: a dirfd, a pidfd). */
  lookupFd(t: Thread, num: number): FdState | undefined {
    return num < 0 ? undefined : t.shared.fds.get(num);
  }

  /** Adds an fd to `t`'s process and makes it the event's fd (sinsp_threadinfo::add_fd). */
  addEventFd(t: Thread, num: number, fd: FdState): FdState | undefined {
    const fds = t.shared.fds;
    const added = fds.has(num) || this.fdBudget.allowAdd() ? addFd(fds, num, fd) : undefined;
    this.ctx.fdNum = num;
    this.ctx.fd = added;
    return added;
  }

  private applyPendingRemovals(evt: EventView): void {
    // The rare thread removal apart: code the JIT had not seen run would throw away the
    // optimised fd removal, which runs after every close, when first reached.
    if (this.pendingRemoveTid !== -1) this.removePendingThread(evt);
    const table = this.pendingFdTable;
    if (table !== undefined) {
      const fds = this.pendingFds;
      for (let i = 0; i < this.pendingFdCount; i++) {
        // The closed fd is not the event's any more, nor anyone else's: it can be reused.
        const fd = table.get(fds[i]!);
        if (fd !== undefined) {
          table.delete(fds[i]!);
          this.fdPool.release(fd);
        }
      }
      this.pendingFdTable = undefined;
      this.pendingFdCount = 0;
    }
  }

  private removePendingThread(evt: EventView): void {
    const tid = this.pendingRemoveTid;
    this.pendingRemoveTid = -1;
    const t = this.threads.get(tid);
    this.threads.recordExit(tid, t?.ptid ?? -1, evt.tsNumber);
    this.threads.remove(tid);
    this.stats.removedThreads++;
  }

  /** Drops fd `num` of thread `tid`'s process when the next event arrives (after close). */
  scheduleFdRemoval(t: Thread, num: number): void {
    this.pendingFdTable = t.shared.fds;
    this.pendingFds[this.pendingFdCount++] = num;
  }

  scheduleThreadRemoval(tid: number): void {
    this.pendingRemoveTid = tid;
  }

  /** Called once `now` (an event's time) is past nextPurgeTs. On the first event, sets the first
   *  scan: 30 s in when the interval is longer, so problems show early, else on the next event
   *  (remove_inactive_threads). Later, purges idle and dead threads and sets the next scan
   *  `p.intervalNs` on. */
  private purgeDue(p: NonNullable<ParserOptions['purge']>, now: number): void {
    if (this.nextPurgeTs === 0) {
      this.nextPurgeTs = p.intervalNs > 30e9 ? now + 30e9 : now;
      return;
    }
    this.nextPurgeTs = now + p.intervalNs;
    this.stats.purged += this.threads.purge(now, p.timeoutNs, p.isAlive);
  }

  /**
   * A thread we have no entry for (sinsp_thread_manager::get_thread): read it from /proc when
   * live, otherwise (or when it is gone) add a placeholder so the lookup is not repeated.
   */
  lookupUnknownThread(tid: number): Thread | undefined {
    if (this.untracked.has(tid)) return undefined;
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
    if (!this.threads.add(t)) {
      this.untracked.add(tid); // the table is full: not retried on each of its events
      return undefined;
    }
    this.stats.placeholders++;
    return t;
  }

  private addFromSnapshot(snap: ThreadSnapshot): Thread | undefined {
    const group = this.threads.groups.get(snap.pid) ?? new ProcessState(snap.pid);
    const t = threadFromSnapshot(snap, group);
    if (snap.fds !== undefined && t.isMainThread) {
      for (const fs of snap.fds) {
        const fd = fdFromSnapshot(fs, this.ctx.state.interfaces);
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

/**
 * The name an fd-creating event gives its fd even when it failed and created none
 * (sinsp_filter_check_fd::extract_fdname_from_event): the path of an open-family event
 * (openName), the tuple of connect/accept, '' for other exit events. Undefined for enter events.
 */
export function fdNameFromEvent(evt: EventView, t: Thread | undefined, paths: PathTexts): string | undefined {
  const type = evt.type;
  if (isOpenExit(type)) return openName(evt, t, openPath(evt, paths), false);
  if (type === EV.ACCEPT_X || type === EV.ACCEPT4_X || type === EV.CONNECT_X) return sockTupleText(evt.bytes(1));
  // Any other exit event about an fd that is not in the table names it '' (enter events: nothing).
  return isExitCode(type) ? '' : undefined;
}

// ---------------------------------------------------------------------------------------------
// Per-event handlers.
// ---------------------------------------------------------------------------------------------

function parseOpen(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const type = evt.type;
  const fdNum = evt.int(0);
  // A failed open creates no fd (its name, for fd.name, comes from fdNameFromEvent).
  if (fdNum < 0) return;
  let flags = 0;
  let dev = 0;
  let ino = 0;
  if (type === EV.OPEN_X) {
    flags = evt.uint(2);
    if (evt.hasParam(4)) {
      dev = evt.uint(4);
      if (evt.hasParam(5)) ino = evt.uint(5);
    }
  } else if (type === EV.CREAT_X) {
    if (evt.hasParam(3)) {
      dev = evt.uint(3);
      if (evt.hasParam(4)) {
        ino = evt.uint(4);
        if (evt.hasParam(5)) {
          // creat has no flags parameter: the overlay layer bits come in creat_flags.
          const cf = evt.uint(5);
          if (cf & PPM_FD_UPPER_LAYER_CREAT) flags |= PPM_O.FD_UPPER_LAYER;
          else if (cf & PPM_FD_LOWER_LAYER_CREAT) flags |= PPM_O.FD_LOWER_LAYER;
        }
      }
    }
  } else if (type === EV.OPENAT_X || type === EV.OPENAT2_X) {
    if (evt.hasParam(3)) flags = evt.uint(3);
    const inoAt = type === EV.OPENAT_X ? 6 : 7;
    if (evt.hasParam(inoAt)) {
      dev = evt.uint(inoAt - 1);
      ino = evt.uint(inoAt);
    }
  } else {
    // open_by_handle_at
    flags = evt.uint(2);
    if (evt.nparams > 4) dev = evt.uint(4);
    if (evt.nparams > 5) ino = evt.uint(5);
  }
  const path = openPath(evt, p.paths);
  const fd = p.fdPool.take(flags & PPM_O.DIRECTORY ? 'directory' : 'file');
  fd.openFlags = flags;
  fd.dev = dev;
  fd.ino = ino;
  fd.nameRaw = path.text;
  fd.name = openName(evt, t, path, true);
  // The sensor's path of the file opened, past libs' parameters (opened-paths.ts). An O_TMPFILE
  // file has none that libsinsp would name (it names the directory).
  // Only opens that come without it are left to the watch of exactly named files, whose look-up
  // follows a container's absolute links from the agent's root, not the container's.
  const kp = evt.info.params.length;
  if (p.openedPaths !== undefined && evt.nparams > kp) {
    if ((flags & PPM_O.TMPFILE) === 0) {
      const named = p.openedPaths.nameOf(fd.name, p.paths.param(evt, kp).text, dev, ino, t);
      if (named !== fd.name) {
        fd.name = named;
        p.stats.openNamesCorrected++;
      }
    }
  } else if (p.watchedFiles !== undefined && ino !== 0) {
    const opened = p.watchedFiles.nameOf(dev, ino, fd.name, t);
    if (opened !== undefined) {
      fd.name = opened;
      p.stats.openNamesCorrected++;
    }
  }
  // (after the corrections above: the name is the path's text unless one of them changed it)
  if (fd.name === path.text) fd.namePath = path;
  p.addEventFd(t, fdNum, fd);
}

function parseClose(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined || p.ctx.fd === undefined) return;
  p.scheduleFdRemoval(t, p.ctx.fdNum);
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
  const dup = fd.clone(p.fdPool);
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
  const dup = fd.clone(p.fdPool);
  dup.clearCloexecBits();
  if (evt.type === EV.DUP3_X && evt.uint(3) & PPM_O.CLOEXEC) dup.openFlags |= PPM_O.CLOEXEC;
  p.addEventFd(t, res, dup);
}

function parsePipe(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) < 0 || t === undefined) return;
  const ino = evt.uint(3);
  const flags = evt.type === EV.PIPE2_X ? evt.uint(4) : 0;
  for (let i = 1; i <= 2; i++) {
    const fd = p.fdPool.take('pipe');
    fd.ino = ino;
    fd.openFlags = flags;
    p.addEventFd(t, evt.int(i), fd);
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
  const a = p.fdPool.take('unix');
  a.unixSource = evt.u64(3);
  a.unixDest = evt.u64(4);
  const b = a.clone(p.fdPool);
  const added = p.addEventFd(t, fd1, a);
  // libsinsp leaves the event on the first fd but its number on the second.
  addFd(t.shared.fds, fd2, b);
  p.ctx.fd = added;
  p.ctx.fdNum = fd2;
}

function singleFdCreator(type: FdType, flagsOf?: (evt: EventView) => number): EventHandler {
  return (p, evt, t) => {
    if (t === undefined) return;
    const res = evt.int(0);
    if (res < 0) return;
    const fd = p.fdPool.take(type);
    if (flagsOf !== undefined) fd.openFlags = flagsOf(evt);
    p.addEventFd(t, res, fd);
  };
}

function parseMemfdCreate(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  if (res < 0) return;
  const fd = p.fdPool.take('memfd');
  fd.name = evt.str(1);
  fd.openFlags = evt.uint(2);
  p.addEventFd(t, res, fd);
}

function parsePidfdOpen(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const res = evt.int(0);
  if (res < 0) return;
  const pid = evt.int(1);
  const fd = p.fdPool.take('pidfd');
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
  const fd = tfd.clone(p.fdPool);
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

function parseChroot(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined || evt.int(0) !== 0) return;
  const path = evt.str(1);
  t.root = path.length === 0 || path === '<NA>' || path.charCodeAt(0) === 47 ? path : concatenatePaths(cwdOf(t), path);
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
  else if (evt.hasParam(2)) flags = evt.uint(2);
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

function parsePrlimit(p: StateParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(0) !== 0 || !evt.hasParam(6) || evt.uint(6) !== PPM_RLIMIT_NOFILE) return;
  const cur = evt.int(1);
  if (cur === -1 || !evt.hasParam(5)) return;
  let tid = evt.int(5);
  if (tid === 0) tid = evt.tid;
  // The caller's own limit (pid 0 or its own tid): its thread is `t`, looked up already.
  const target = tid === evt.tid && t !== undefined ? t : p.getOrCreateThread(tid);
  if (target === undefined || target.invalid) return;
  const main = p.threads.mainThread(target);
  if (main !== undefined) main.fdlimit = cur;
}

/** What process() needs to know of an event type, as bits (one table read per event). */
const KIND = {
  /** User, group, container, async and plugin events: processMeta. */
  META: 1,
  /** Clone exits, procexit, sched switch: a missing thread is not looked up in /proc. */
  NO_QUERY_OS: 2,
  /** EF_USES_FD: the event is about the fd at FD_PARAM[type]. */
  USES_FD: 4,
  /** EF_SKIPPARSERESET (less the converter's): no lookup beyond the table, no handler. */
  SKIP_RESET: 8,
} as const;
const TYPE_KIND = new Uint8Array(EVENT_TABLE.length);
/** Where an event's fd parameter is: fixed per exit event, first for the few enter events. */
const FD_PARAM = new Int8Array(EVENT_TABLE.length);
EVENT_TABLE.forEach((info, type) => {
  let k = 0;
  if ((info.flags & EF.USES_FD) !== 0) k |= KIND.USES_FD;
  if ((info.flags & (EF.SKIPPARSERESET | EF.CONVERTER_MANAGED)) === EF.SKIPPARSERESET) k |= KIND.SKIP_RESET;
  FD_PARAM[type] = isExitCode(type) ? FD_PARAM_OF_EXIT[type]! : 0;
  TYPE_KIND[type] = k;
});
for (const c of [EV.USER_ADDED_E, EV.USER_DELETED_E, EV.GROUP_ADDED_E, EV.GROUP_DELETED_E, EV.CONTAINER_JSON_E,
  EV.CONTAINER_JSON_2_E, EV.ASYNCEVENT_E, EV.PLUGINEVENT_E]) TYPE_KIND[c] = KIND.META;
for (const c of [EV.CLONE_X, EV.FORK_X, EV.VFORK_X, EV.CLONE3_X, EV.PROCEXIT_E, EV.SCHEDSWITCH_E]) TYPE_KIND[c]! |= KIND.NO_QUERY_OS;

const HANDLERS = new Array<EventHandler<StateParser> | undefined>(EVENT_TABLE.length);
{
  const on = (codes: readonly number[], h: EventHandler<StateParser>): void => {
    for (const c of codes) HANDLERS[c] = h;
  };
  on(OPEN_EXITS, parseOpen);
  on([EV.SOCKET_X], parseSocket);
  on([EV.BIND_X], parseBind);
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
  on([EV.PRLIMIT_X], parsePrlimit);
  on([EV.CLONE_X, EV.FORK_X, EV.VFORK_X, EV.CLONE3_X], parseClone);
  on([EV.EXECVE_X, EV.EXECVEAT_X], parseExecve);
  on([EV.PROCEXIT_E], parseProcexit);
  on([EV.READ_X, EV.PREAD_X, EV.READV_X, EV.PREADV_X], tupleOnIo(-1, true));
  on([EV.RECVFROM_X], tupleOnIo(2, true));
  on([EV.RECVMSG_X], tupleOnIo(3, true));
  on([EV.RECVMMSG_X, EV.RECV_X], tupleOnIo(4, true));
  on([EV.WRITE_X, EV.PWRITE_X, EV.WRITEV_X, EV.PWRITEV_X], tupleOnIo(-1, false));
  on([EV.SEND_X, EV.SENDTO_X, EV.SENDMSG_X, EV.SENDMMSG_X], tupleOnIo(4, false));
}

