// Paths through procfs's magic links, resolved as the kernel resolves them. An open of
// /proc/self/fd/3/shadow (fd 3 a directory fd on /etc), /proc/self/cwd/x or /proc/self/root/etc/shadow
// opens the file the link points at, but libsinsp names the fd after the literal string, so a rule
// on fd.name = /etc/shadow never sees it. Here the link part is replaced by what the thread's own
// state says it points at: its fd table, its cwd, its root (fd names are relative to the thread's
// root already). Links of other processes (/proc/<other pid>/...) are left as given: their state
// may be stale and the kernel would check permissions we cannot see.
import { concatenatePaths } from './paths.js';
import { cwdOf, type Thread } from './threads.js';

/** How many nested links one path may go through (/proc/self/root/proc/self/root/...). */
const MAX_HOPS = 8;
const PROC = '/proc/';

/** True when `name` may go through a procfs link of its own process (a cheap pre-check). */
export function mayBeProcLink(name: string): boolean {
  return name.length > 10 && name.charCodeAt(1) === 112 /* p */ && name.startsWith(PROC);
}

/**
 * `name` (absolute and normalised) with its leading /proc/{self,thread-self,<own pid>}/{fd/N,cwd,root}
 * replaced by what it points at for thread `t`, repeatedly; `name` itself when it is no such path or
 * the link cannot be resolved (an fd not in the table, a socket or pipe fd).
 */
export function resolveProcLinks(name: string, t: Thread): string {
  for (let hop = 0; hop < MAX_HOPS && mayBeProcLink(name); hop++) {
    const next = resolveOnce(name, t);
    if (next === undefined) break;
    name = next;
  }
  return name;
}

/**
 * True when resolveProcLinks(name, t) is `name` whatever thread `t` is: no /proc path, or one
 * whose part after /proc/<who>/ (or /proc/<who>/task/<tid>/) is not a link resolveOnce follows
 * (root, cwd, fd). Thread-free, so it can be worked out once per path (path-texts.ts).
 */
export function neverProcLink(name: string): boolean {
  if (!mayBeProcLink(name)) return true;
  const whoEnd = name.indexOf('/', PROC.length);
  if (whoEnd < 0) return true;
  const at = whoEnd + 1;
  if (mayBeLinkPart(name, at)) return false;
  // /proc/<who>/task/<tid>/<what>: resolveOnce follows <what> for self and the own pid
  if (!name.startsWith('task/', at)) return true;
  const tidEnd = name.indexOf('/', at + 5);
  return tidEnd < 0 || !mayBeLinkPart(name, tidEnd + 1);
}

/** Whether the component of `name` at `at` is one resolveOnce follows. */
function mayBeLinkPart(name: string, at: number): boolean {
  const found = name.indexOf('/', at);
  const end = found < 0 ? name.length : found;
  return isText(name, at, end, 'root') || isText(name, at, end, 'cwd') || isText(name, at, end, 'fd');
}

function resolveOnce(name: string, t: Thread): string | undefined {
  // /proc/<who>/<what>[/<rest>], read in place: most opens under /proc are of files such as
  // /proc/self/stat, which are no link and are answered without making a string.
  const whoEnd = name.indexOf('/', PROC.length);
  if (whoEnd < 0) return undefined;
  let at = whoEnd + 1;
  if (isText(name, PROC.length, whoEnd, 'thread-self')) {
    // the thread's own task directory: same fd table, cwd and root as its process
  } else if (isText(name, PROC.length, whoEnd, 'self') || isText(name, PROC.length, whoEnd, String(t.pid))) {
    // /proc/self/task/<tid>/... names a thread of the same process
    if (name.startsWith('task/', at)) {
      const tidEnd = name.indexOf('/', at + 5);
      if (tidEnd < 0) return undefined;
      at = tidEnd + 1;
    }
  } else {
    return undefined;
  }
  const found = name.indexOf('/', at);
  const whatEnd = found < 0 ? name.length : found;
  // (an empty second path joins to '' in libsinsp's rules: the link itself is its target)
  if (isText(name, at, whatEnd, 'root')) return found < 0 || whatEnd + 1 === name.length ? '/' : concatenatePaths('/', name.slice(whatEnd + 1));
  if (isText(name, at, whatEnd, 'cwd')) return concatenatePaths(cwdOf(t), found < 0 || whatEnd + 1 === name.length ? '.' : name.slice(whatEnd + 1));
  if (found < 0 || !isText(name, at, whatEnd, 'fd')) return undefined;
  const numEnd = name.indexOf('/', whatEnd + 1);
  const num = name.slice(whatEnd + 1, numEnd < 0 ? undefined : numEnd);
  if (!/^\d{1,9}$/.test(num)) return undefined;
  const fd = t.shared.fds.get(Number(num));
  if (fd === undefined || (fd.type !== 'file' && fd.type !== 'directory')) return undefined;
  const target = fd.name;
  if (target.length === 0 || target.charCodeAt(0) !== 47) return undefined;
  if (numEnd < 0) return target;
  return concatenatePaths(target.endsWith('/') ? target : target + '/', name.slice(numEnd + 1));
}

/** Whether name[start, end) is `text`. */
function isText(name: string, start: number, end: number, text: string): boolean {
  return end - start === text.length && name.startsWith(text, start);
}
