// Process lifecycle and credentials from events (sinsp_parser parse_clone_exit_caller/_child,
// parse_execve_exit, parse_thread_exit, parse_set*id_exit): who a new thread is and what it takes
// from its parent, what an exec replaces, when an exited thread goes.
import type { EventView } from '../events/index.js';
import { CLONE_P, EV, EXECVE_P } from './parsed-events.js';
import { paramStrings } from './param-readers.js';
import { FD_FLAG, type FdPool, type FdState } from './fds.js';
import type { EventHandler, HandlerParser } from './event-handler.js';
import { PPM_CL, PPM_EXE } from './ppm.js';
import { cleanExepath, normalizeCgroups } from './snapshot.js';
import { CLONE_STALE_NS, ProcessState, Thread } from './threads.js';

/** Clone exits; `t` is the event's thread as the table has it (process() reads no /proc for them). */
export function parseClone(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  const child = evt.int(CLONE_P.res);
  if (child < 0) return;
  if (child === 0) cloneInChild(p, evt, t);
  else cloneInCaller(p, evt, t, child);
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

/** A new process's ProcessState: a copy of the parent's fd table (fds from `pool`), cwd and environment. */
function forkProcessState(pool: FdPool, pid: number, from: ProcessState | undefined): ProcessState {
  const s = new ProcessState(pid);
  if (from !== undefined) {
    const fds = s.fds;
    from.fds.forEach((fd, n) => {
      const c = fd.clone(pool);
      c.flags |= FD_FLAG.IS_CLONED;
      fds.set(n, c);
    });
    s.cwd = from.cwd;
    s.env = from.env;
  }
  return s;
}

/** Fields every clone event sets on the new thread. */
/** Where clone and execve exits (which share these parameters) keep fdlimit and the memory counters. */
interface LimitsAndMemoryParams {
  fdlimit: number;
  pgftMaj: number;
  pgftMin: number;
  vmSize: number;
  vmRss: number;
  vmSwap: number;
}

function fillLimitsAndMemory(t: Thread, evt: EventView, p: LimitsAndMemoryParams): void {
  t.fdlimit = evt.int(p.fdlimit);
  if (!evt.hasParam(p.vmSwap)) return; // older event versions stop before the counters
  t.pfMajor = evt.uint(p.pgftMaj);
  t.pfMinor = evt.uint(p.pgftMin);
  t.vmSizeKb = evt.uint(p.vmSize);
  t.vmRssKb = evt.uint(p.vmRss);
  t.vmSwapKb = evt.uint(p.vmSwap);
}

function fillFromCloneEvent(child: Thread, evt: EventView): void {
  child.exe = evt.str(CLONE_P.exe);
  child.args = paramStrings(evt, CLONE_P.args);
  child.comm = evt.hasParam(CLONE_P.comm) ? evt.str(CLONE_P.comm) : child.exe;
  fillLimitsAndMemory(child, evt, CLONE_P);
  child.uid = evt.uint(CLONE_P.uid);
  child.gid = evt.uint(CLONE_P.gid);
  if (evt.hasParam(CLONE_P.cgroups)) child.cgroups = normalizeCgroups(paramStrings(evt, CLONE_P.cgroups));
  child.cloneTs = evt.ts;
}

/** The clone exit in the parent (parse_clone_exit_caller), `t` the parent if known: may create the child. */
function cloneInCaller(p: HandlerParser, evt: EventView, t: Thread | undefined, childTid: number): void {
  const callerTid = evt.tid;
  const caller = t ?? p.lookupUnknownThread(callerTid);
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
    if (evt.hasParam(CLONE_P.vpid)) {
      caller.vtid = evt.int(CLONE_P.vtid);
      caller.vpid = evt.int(CLONE_P.vpid);
    } else {
      caller.vtid = callerTid;
      caller.vpid = -1;
    }
    p.threads.linkThread(caller);
  }
  p.ctx.thread = caller;
  const now = evt.tsNumber;
  caller.lastAccessTs = now;

  const flags = evt.uint(CLONE_P.flags);
  // A child in another pid namespace is known by a different tid here: leave it to its own event.
  if (flags & (PPM_CL.CHILD_IN_PIDNS | PPM_CL.CLONE_NEWPID | PPM_CL.CLONE_PARENT) || callerTid !== caller.vtid) return;
  // With vfork the child may well have exited already: let the child's own event create it.
  if (flags & PPM_CL.CLONE_VFORK || evt.type === EV.VFORK_X) return;
  if (p.threads.recentlyExited(childTid, callerTid, now)) return;

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
    shared = forkProcessState(p.fdPool, childTid, validCaller ? caller.shared : undefined);
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
  child.lastAccessTs = now;
  if (!p.threads.add(child)) return;
  p.notifyProcessChange(child);
  p.notifyCredentials(child);
}

/** The clone exit in the child (parse_clone_exit_child), `existing` the child if known: creates
 *  it unless the parent just did. */
function cloneInChild(p: HandlerParser, evt: EventView, existing: Thread | undefined): void {
  const childTid = evt.tid;
  const now = evt.tsNumber;
  if (existing !== undefined && existing.cloneTs !== 0n) {
    if (now - Number(existing.cloneTs) < CLONE_STALE_NS) {
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
  if (evt.hasParam(CLONE_P.vpid)) {
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
  if (isLeader) shared = forkProcessState(p.fdPool, childTid, validLookup ? lookup.shared : undefined);
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
    if (evt.hasParam(CLONE_P.pidnsInitStartTs)) child.pidnsInitStartTs = evt.u64(CLONE_P.pidnsInitStartTs) + p.bootTs;
  } else {
    child.pidnsInitStartTs = p.bootTs;
  }
  child.lastAccessTs = now;
  if (!p.threads.add(child)) {
    p.ctx.thread = undefined;
    return;
  }
  p.ctx.thread = child;
  p.notifyProcessChange(child);
  p.notifyCredentials(child);
}

export function parseExecve(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  if (evt.int(EXECVE_P.res) < 0 || t === undefined) return;
  if (t.dead) p.threads.resurrect(t);
  t.exe = evt.str(EXECVE_P.exe);
  t.lastExecTs = evt.ts;
  t.comm = evt.hasParam(EXECVE_P.comm) ? evt.str(EXECVE_P.comm) : t.exe;
  t.args = paramStrings(evt, EXECVE_P.args);
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
  fillLimitsAndMemory(t, evt, EXECVE_P);
  if (evt.hasParam(EXECVE_P.env)) t.shared.env = paramStrings(evt, EXECVE_P.env);
  if (evt.hasParam(EXECVE_P.cgroups)) t.cgroups = normalizeCgroups(paramStrings(evt, EXECVE_P.cgroups));
  if (evt.hasParam(EXECVE_P.tty)) t.tty = evt.uint(EXECVE_P.tty);
  // Captures older than trusted_exepath needed the enter event to rebuild it; without one it stays.
  if (evt.hasParam(EXECVE_P.trustedExepath)) t.exepath = cleanExepath(evt.str(EXECVE_P.trustedExepath));
  if (evt.hasParam(EXECVE_P.vpgid)) t.vpgid = evt.int(EXECVE_P.vpgid);
  if (evt.hasParam(EXECVE_P.loginuid)) t.loginuid = evt.uint(EXECVE_P.loginuid);
  if (evt.hasParam(EXECVE_P.flags)) {
    t.exeFlags = evt.uint(EXECVE_P.flags) & (PPM_EXE.WRITABLE | PPM_EXE.UPPER_LAYER | PPM_EXE.FROM_MEMFD | PPM_EXE.LOWER_LAYER);
  }
  if (evt.hasParam(EXECVE_P.capEffective)) {
    t.capInheritable = evt.u64(EXECVE_P.capInheritable);
    t.capPermitted = evt.u64(EXECVE_P.capPermitted);
    t.capEffective = evt.u64(EXECVE_P.capEffective);
  }
  if (evt.hasParam(EXECVE_P.exeInoMtime)) {
    t.exeIno = evt.uint(EXECVE_P.exeIno);
    t.exeInoCtime = evt.u64(EXECVE_P.exeInoCtime);
    t.exeInoMtime = evt.u64(EXECVE_P.exeInoMtime);
    if (t.cloneTs !== 0n) t.exeInoCtimeDurationCloneTs = t.cloneTs - t.exeInoCtime;
    if (t.pidnsInitStartTs !== 0n && t.exeInoCtime > t.pidnsInitStartTs) {
      t.exeInoCtimeDurationPidnsStart = t.exeInoCtime - t.pidnsInitStartTs;
    }
  }
  if (evt.hasParam(EXECVE_P.uid)) t.uid = evt.uint(EXECVE_P.uid);
  t.pgid = evt.hasParam(EXECVE_P.pgid) ? evt.int(EXECVE_P.pgid) : -1;
  if (evt.hasParam(EXECVE_P.gid)) t.gid = evt.uint(EXECVE_P.gid);

  // Close-on-exec fds are gone in the new program.
  t.shared.fds.forEach(dropIfCloexec);

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

function dropIfCloexec(fd: FdState, num: number, table: Map<number, FdState>): void {
  if (fd.cloexec) table.delete(num);
}

export function parseProcexit(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  p.threads.markDead(t);
  p.scheduleThreadRemoval(evt.tid);
  if (t.children.size === 0) return;
  if (evt.nparams > 4) {
    if (evt.hasParam(4)) t.reaperTid = evt.int(4);
  } else {
    t.reaperTid = -1;
  }
}

export function credentials(index: number, group: boolean): EventHandler {
  return (p, evt, t) => {
    if (evt.int(0) !== 0 || t === undefined || !evt.hasParam(index)) return;
    if (group) t.gid = evt.uint(index);
    else t.uid = evt.uint(index);
    p.notifyCredentials(t);
  };
}
