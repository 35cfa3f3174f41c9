// Process-tree walks shared by the proc.* fields, with libsinsp's semantics: the "process" of a
// thread is its thread-group leader, and a process's parent is the leader of its ptid's group.
import type { StateView, ThreadInfo } from '../../state/types.js';

/** The thread-group leader of `t` (itself when it is the main thread or the leader is unknown). */
export function mainThread(state: StateView, t: ThreadInfo): ThreadInfo {
  if (t.tid === t.pid) return t;
  return state.thread(t.pid) ?? t;
}

/** The parent process of `t`, or undefined at the top of the known tree. */
export function parentProcess(state: StateView, t: ThreadInfo): ThreadInfo | undefined {
  const mt = mainThread(state, t);
  if (mt.ptid <= 0 || mt.ptid === mt.tid) return undefined;
  const p = state.thread(mt.ptid);
  return p ? mainThread(state, p) : undefined;
}

/** The n-th ancestor process (0 = the process itself, 1 = parent ...). */
export function ancestor(state: StateView, t: ThreadInfo, n: number): ThreadInfo | undefined {
  let cur: ThreadInfo | undefined = mainThread(state, t);
  for (let i = 0; i < n && cur; i++) cur = parentProcess(state, cur);
  return cur;
}

/**
 * Calls `visit` on each ancestor starting from the parent until it returns true.
 * Stops on loops (a pid seen twice) and after 256 levels.
 */
export function someAncestor(state: StateView, t: ThreadInfo, visit: (a: ThreadInfo) => boolean): boolean {
  let cur = parentProcess(state, t);
  const start = mainThread(state, t).tid;
  for (let depth = 0; cur && depth < 256; depth++) {
    if (visit(cur)) return true;
    if (cur.tid === start) return false;
    const next = parentProcess(state, cur);
    if (next === cur) return false;
    cur = next;
  }
  return false;
}

/** All ancestors from the parent up, as an array (outputs of no-index ancestor fields). */
export function ancestors(state: StateView, t: ThreadInfo): ThreadInfo[] {
  const out: ThreadInfo[] = [];
  someAncestor(state, t, (a) => {
    out.push(a);
    return false;
  });
  return out;
}

/** proc.cmdline: comm followed by the arguments. */
export function cmdline(t: ThreadInfo): string {
  return t.args.length === 0 ? t.comm : `${t.comm} ${t.args.join(' ')}`;
}
