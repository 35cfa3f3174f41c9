// The thread table as libsinsp keeps it (threadinfo.h, thread_manager.cpp): one Thread per tid,
// threads of one process sharing a ProcessState (fd table, cwd, environment), parent links by
// ptid with children lists for re-parenting when a parent exits, and a bounded size with
// purging of dead or idle entries.
import type { ProcessShared, ThreadInfo } from './types.js';
import { FdTable } from './fds.js';
import { NO_ID, PPM_CL } from './ppm.js';

/** libsinsp's default thread table size (falco_libs.thread_table_size). */
export const DEFAULT_MAX_THREADS = 262144;

/** What all threads of one process share. */
export class ProcessState implements ProcessShared {
  readonly fds: FdTable = new FdTable();
  /** Working directory, always ending in '/' (libsinsp keeps it that way). */
  cwd = '';
  env: string[] = [];
  /** Threads of the group that have not exited. */
  aliveCount = 0;
  /** True for init processes and child subreapers (prctl PR_SET_CHILD_SUBREAPER). */
  reaper = false;
  readonly threads = new Set<Thread>();
  /** The last FdBudget recount that counted this process's fds (each table once per recount). */
  countedIn = 0;

  constructor(readonly pid: number) {}
}

export class Thread implements ThreadInfo {
  tid: number;
  pid = -1;
  ptid = -1;
  sid = -1;
  vpgid = -1;
  pgid = -1;
  vtid = -1;
  vpid = -1;
  comm = '';
  exe = '';
  exepath = '';
  args: string[] = [];
  tty = 0;
  loginuid = NO_ID;
  uid = NO_ID;
  gid = NO_ID;
  capPermitted = 0n;
  capEffective = 0n;
  capInheritable = 0n;
  exeFlags = 0;
  exeIno = 0;
  exeInoCtime = 0n;
  exeInoMtime = 0n;
  exeInoCtimeDurationCloneTs = 0n;
  exeInoCtimeDurationPidnsStart = 0n;
  cloneTs = 0n;
  lastExecTs = 0n;
  pidnsInitStartTs = 0n;
  cgroups: string[] = [];
  containerId = '';
  root = '';
  fdlimit = -1;
  vmSizeKb = 0;
  vmRssKb = 0;
  vmSwapKb = 0;
  pfMajor = 0;
  pfMinor = 0;
  /** PPM_CL_* bits: clone flags plus libsinsp's own (closed, inverted clone ...). */
  flags: number = PPM_CL.NAME_CHANGED;
  /** Where this thread's children go when it exits (procexit reaper_tid), -1 when unknown. */
  reaperTid = -1;
  /** Event time (ns) of the last event of this thread, for idle purging. */
  lastAccessTs = 0;
  /** Threads whose ptid is this thread's tid. */
  readonly children = new Set<Thread>();
  shared: ProcessState;

  constructor(tid: number, shared?: ProcessState) {
    this.tid = tid;
    this.shared = shared ?? new ProcessState(-1);
  }

  /** The process working directory (the thread group's, as libsinsp's get_cwd). */
  get cwd(): string {
    return this.shared.cwd;
  }

  set cwd(value: string) {
    this.shared.cwd = value;
  }

  get env(): string[] {
    return this.shared.env;
  }

  set env(value: string[]) {
    this.shared.env = value;
  }

  /** libsinsp is_invalid(): a placeholder for a thread we know nothing about. */
  get invalid(): boolean {
    return this.tid < 0 || this.pid < 0 || this.ptid < 0;
  }

  get dead(): boolean {
    return (this.flags & PPM_CL.CLOSED) !== 0;
  }

  get isMainThread(): boolean {
    return this.tid === this.pid || (this.flags & PPM_CL.IS_MAIN_THREAD) !== 0;
  }

  /** In a pid namespace other than the init one. */
  get inPidNamespace(): boolean {
    return (this.flags & PPM_CL.CHILD_IN_PIDNS) !== 0 || (this.tid !== this.vtid && this.vtid >= 0);
  }

  /** The fd table this thread uses (its process's). */
  get fds(): FdTable {
    return this.shared.fds;
  }
}

/** proc.cmdline: comm followed by the arguments (sinsp_threadinfo::populate_cmdline). */
export function cmdline(t: ThreadInfo): string {
  return t.args.length === 0 ? t.comm : `${t.comm} ${t.args.join(' ')}`;
}

/**
 * The process working directory (sinsp_threadinfo::get_cwd): './' for a placeholder, which has no
 * process; a process whose cwd was never learnt (a placeholder that exec'd) has an empty one.
 */
export function cwdOf(t: Thread): string {
  return t.invalid ? './' : t.shared.cwd;
}

/** Updates the process cwd from a chdir-style path, keeping libsinsp's trailing '/'. */
export function joinCwd(current: string, next: string, join: (a: string, b: string) => string): string {
  const cwd = join(current, next);
  return cwd.length === 0 || cwd.charCodeAt(cwd.length - 1) !== 47 ? cwd + '/' : cwd;
}

export interface ThreadTableOptions {
  maxThreads?: number;
  /** Our own pid: never refused for lack of room (libsinsp m_sinsp_pid). */
  selfPid?: number;
}

/** A (ptid, tid) pair seen exiting, with the time, to ignore a late clone from the parent. */
interface RecentExit {
  key: number;
  ts: number;
}

const RECENT_EXITS = 16;
/** Clone events older than this relative to a child entry mean the entry is stale (CLONE_STALE_TIME_NS). */
export const CLONE_STALE_NS = 2_000_000_000;

export class ThreadTable {
  readonly threads = new Map<number, Thread>();
  readonly groups = new Map<number, ProcessState>();
  maxThreads: number;
  selfPid: number;
  /** Threads refused because the table was full. */
  droppedFull = 0;
  /**
   * Finds a thread the table lacks as the parser does (/proc when live, else a placeholder):
   * remove() looks the kernel's reaper up this way, as libs' remove_thread calls get_thread.
   */
  lookupMissing: ((tid: number) => Thread | undefined) | undefined = undefined;
  private readonly recentExits: RecentExit[] = [];
  private recentExitNext = 0;
  /** The last thread get() found: consecutive events mostly come from one thread. NaN: none. */
  private cachedTid = NaN;
  private cachedThread: Thread | undefined = undefined;

  constructor(opts: ThreadTableOptions = {}) {
    this.maxThreads = opts.maxThreads ?? DEFAULT_MAX_THREADS;
    this.selfPid = opts.selfPid ?? -1;
  }

  get size(): number {
    return this.threads.size;
  }

  get(tid: number): Thread | undefined {
    if (tid === this.cachedTid) return this.cachedThread;
    const t = this.threads.get(tid);
    if (t !== undefined) {
      this.cachedTid = tid;
      this.cachedThread = t;
    }
    return t;
  }

  /** Drops get()'s cached entry: every change to the map goes through here first. */
  private forgetCached(): void {
    this.cachedTid = NaN;
    this.cachedThread = undefined;
  }

  /**
   * Adds `t` (replacing any entry with its tid), joining it to its process and its parent
   * (create_thread_dependencies) unless `link` is false (bulk loads link once all are in).
   * Returns false when the table is full.
   */
  add(t: Thread, link = true): boolean {
    // (the agent's own threads are exempt; a placeholder's pid, -1, is not the agent's)
    if (this.threads.size >= this.maxThreads && (t.pid < 0 || t.pid !== this.selfPid) && !this.threads.has(t.tid)) {
      this.droppedFull++;
      return false;
    }
    const old = this.threads.get(t.tid);
    if (old !== undefined && old !== t) this.remove(old.tid);
    this.forgetCached();
    this.threads.set(t.tid, t);
    if (link) this.linkThread(t);
    return true;
  }

  /** Joins `t` to its thread group and to its parent's children (create_thread_dependencies). */
  linkThread(t: Thread): void {
    if (t.invalid) return;
    let group = this.groups.get(t.pid);
    if (group === undefined) {
      // The thread's own state object becomes the group's when it is the first of its process.
      group = t.shared.pid === t.pid && t.shared.threads.size === 0 ? t.shared : new ProcessState(t.pid);
      if (group !== t.shared) {
        group.cwd = t.shared.cwd;
        group.env = t.shared.env;
        for (const [n, fd] of t.shared.fds) {
          fd.aliased = true; // in both tables from now on
          group.fds.set(n, fd);
        }
      }
      group.reaper = t.pid === 1 || t.vpid === 1;
      this.groups.set(t.pid, group);
    } else if (group !== t.shared && t.isMainThread) {
      // A main thread brings the process's cwd, env and fds (a /proc scan fills them on it).
      if (t.shared.cwd !== '') group.cwd = t.shared.cwd;
      if (t.shared.env.length > 0) group.env = t.shared.env;
      for (const [n, fd] of t.shared.fds) {
        fd.aliased = true;
        group.fds.set(n, fd);
      }
    }
    if (!group.threads.has(t)) {
      group.threads.add(t);
      if (!t.dead) group.aliveCount++;
    }
    t.shared = group;
    if (t.pid === 1) return;
    const parent = this.threads.get(t.ptid);
    if (parent === undefined || parent.invalid) {
      t.ptid = 0;
      return;
    }
    parent.children.add(t);
  }

  /** The main thread of `t`'s process (libsinsp get_main_thread), if it is in the table. */
  mainThread(t: Thread): Thread | undefined {
    if (t.isMainThread) return t;
    if (t.invalid) return undefined;
    const m = this.threads.get(t.pid);
    return m !== undefined && m.isMainThread ? m : undefined;
  }

  /**
   * The n-th ancestor process of `t` (sinsp_thread_manager::get_ancestor_process): starting from
   * the main thread, n times the main thread of the parent. ancestor(t, 0) is t's main thread.
   */
  ancestor(t: Thread, n: number): Thread | undefined {
    let mt = this.mainThread(t);
    for (let i = 0; i < n && mt !== undefined; i++) {
      const p = this.threads.get(mt.ptid);
      if (p === undefined) return undefined;
      mt = this.mainThread(p);
    }
    return mt;
  }

  /**
   * Visits the parents of `t` (by ptid, starting at its parent) until `visit` returns false,
   * the chain ends, or a loop is found (traverse_parent_state, Floyd's cycle detection).
   * Returns false when it stopped on a loop.
   */
  forEachAncestor(t: Thread, visit: (p: Thread) => boolean): boolean {
    let slow = this.threads.get(t.ptid);
    let fast = slow !== undefined ? this.threads.get(slow.ptid) : undefined;
    while (slow !== undefined && slow.tid !== -1) {
      if (!visit(slow)) return true;
      slow = this.threads.get(slow.ptid);
      for (let i = 0; i < 2; i++) {
        fast = fast !== undefined ? this.threads.get(fast.ptid) : undefined;
        if (slow !== undefined && (slow === fast || slow.tid === slow.ptid)) return false;
      }
    }
    return true;
  }

  /**
   * The oldest ancestor sharing `t`'s id as `idOf` reads it (sinsp_thread_manager::
   * get_oldest_matching_ancestor): proc.sname uses the session id, proc.vpgid.name the virtual
   * process group. A host-namespace id is looked up directly first; a virtual one inside a pid
   * namespace only by walking the parents.
   */
  oldestMatchingAncestor(t: Thread, idOf: (x: Thread) => number, isVirtual: boolean): Thread | undefined {
    const id = idOf(t);
    if (id === -1) return undefined;
    if (!isVirtual || !t.inPidNamespace) {
      const leader = this.threads.get(id);
      if (leader !== undefined) return leader;
    }
    let leader: Thread | undefined;
    this.forEachAncestor(t, (p) => {
      if (idOf(p) !== id) return false;
      leader = p;
      return true;
    });
    return leader;
  }

  /** Marks `t` exited (procexit). Removal happens later with remove(). */
  markDead(t: Thread): void {
    if (t.dead) return;
    t.flags |= PPM_CL.CLOSED;
    if (this.groups.get(t.pid) === t.shared && t.shared.threads.has(t)) t.shared.aliveCount--;
  }

  /** Undoes markDead (an execve by a thread whose main thread had exited). */
  resurrect(t: Thread): void {
    if (!t.dead) return;
    t.flags &= ~PPM_CL.CLOSED;
    if (this.groups.get(t.pid) === t.shared && t.shared.threads.has(t)) t.shared.aliveCount++;
  }

  /**
   * Removes thread `tid` as sinsp_thread_manager::remove_thread: re-parents its children, and
   * keeps a dead main thread (with the process's fds) until the last thread of the group goes.
   */
  remove(tid: number): void {
    const t = this.threads.get(tid);
    if (t === undefined) return;
    this.forgetCached();
    const group = this.groups.get(t.pid);
    if (t.invalid || group === undefined || group !== t.shared) {
      this.unlinkFromParent(t);
      this.threads.delete(tid);
      return;
    }
    this.markDead(t);
    if (t.children.size > 0) {
      let reaper: Thread | undefined;
      if (t.reaperTid > 0) {
        // A reaper the table lacks is looked up, leaving a placeholder where it cannot be read
        // (libs prints one as `ptid=1(<NA>)` later); a placeholder reaps nothing.
        reaper = this.threads.get(t.reaperTid) ?? this.lookupMissing?.(t.reaperTid);
        if (reaper !== undefined && reaper.invalid) reaper = undefined;
      }
      reaper ??= this.findNewReaper(t);
      if (reaper !== undefined) {
        t.reaperTid = reaper.tid;
        if (reaper.pid !== t.pid) reaper.shared.reaper = true;
      }
      this.reparentChildren(t, reaper);
    }
    if (group.aliveCount <= 0) {
      const main = this.threads.get(t.pid);
      if (main !== undefined && main.shared === group) {
        this.unlinkFromParent(main);
        if (main.children.size > 0) this.reparentChildren(main, this.findNewReaper(main));
        this.threads.delete(main.tid);
      }
      this.groups.delete(t.pid);
    }
    if (!t.isMainThread) {
      this.unlinkFromParent(t);
      group.threads.delete(t);
      this.threads.delete(tid);
    }
  }

  private unlinkFromParent(t: Thread): void {
    this.threads.get(t.ptid)?.children.delete(t);
  }

  private reparentChildren(t: Thread, reaper: Thread | undefined): void {
    for (const child of t.children) {
      if (this.threads.get(child.tid) !== child) continue;
      if (reaper === undefined) child.ptid = 0;
      else {
        child.ptid = reaper.tid;
        reaper.children.add(child);
      }
    }
    t.children.clear();
  }

  /**
   * The kernel's find_new_reaper, as far as the table knows: another live thread of the same
   * process, else the closest ancestor process marked as reaper (same pid-namespace level).
   */
  findNewReaper(t: Thread): Thread | undefined {
    for (const other of t.shared.threads) {
      if (other !== t && !other.dead) return other;
    }
    const seen = new Set<number>([t.tid]);
    let p = this.threads.get(t.ptid);
    while (p !== undefined) {
      if (seen.has(p.tid)) break;
      seen.add(p.tid);
      if (p.inPidNamespace !== t.inPidNamespace) break;
      if (p.shared.reaper && p.shared.aliveCount > 0) {
        for (const th of p.shared.threads) if (!th.dead) return th;
      }
      p = this.threads.get(p.ptid);
    }
    return undefined;
  }

  /** Remembers that (ptid, tid) exited at `ts`, so a late parent clone does not recreate it. */
  recordExit(tid: number, ptid: number, ts: number): void {
    const entry = { key: exitKey(ptid, tid), ts };
    if (this.recentExits.length < RECENT_EXITS) this.recentExits.push(entry);
    else this.recentExits[this.recentExitNext] = entry;
    this.recentExitNext = (this.recentExitNext + 1) % RECENT_EXITS;
  }

  recentlyExited(tid: number, ptid: number, ts: number): boolean {
    const key = exitKey(ptid, tid);
    for (const e of this.recentExits) {
      if (e.key === key && ts >= e.ts && ts - e.ts < CLONE_STALE_NS) return true;
    }
    return false;
  }

  /**
   * Removes invalid threads and threads idle for more than `timeoutNs` (at event time `nowTs`)
   * that `isAlive` says are gone (remove_inactive_threads). Returns how many were removed.
   */
  purge(nowTs: number, timeoutNs: number, isAlive: (t: Thread) => boolean): number {
    const doomed: number[] = [];
    for (const t of this.threads.values()) {
      if (t.invalid || (nowTs > t.lastAccessTs + timeoutNs && !isAlive(t))) doomed.push(t.tid);
    }
    for (const tid of doomed) this.remove(tid);
    return doomed.length;
  }

  clear(): void {
    this.forgetCached();
    this.threads.clear();
    this.groups.clear();
  }
}

function exitKey(ptid: number, tid: number): number {
  // Both ids fit in 22 bits on Linux (pid_max <= 4194304); 2^44 stays an exact double.
  return (ptid & 0x3fffff) * 0x400000 + (tid & 0x3fffff);
}
