// The name of a file an open made, checked against the path the kernel opened. The sensor reads an
// open's path text from the process's memory after the syscall, as libs does; a second thread can
// change that memory between the kernel's copy and the sensor's read, so the event would name a
// harmless file while /etc/shadow was opened, and evade every rule on fd.name (startswith, glob,
// fd.directory as much as =). The sensor also sends the opened file's path rebuilt from its dentry,
// from the opener's root (a container's, a chroot's): what was really opened.
//
// The two differ without a race whenever the path text goes through a symbolic link (/lib ->
// usr/lib, /proc/self, /etc/localtime) or a `..` after one: libsinsp keeps the text, and so does
// this module when the text, resolved inside the opener's root, leads to the very file opened
// (same device and inode). When it does not (or cannot be checked: the process is gone and was in
// a container), the fd is named after the kernel's path, and counted.
//
// Costs the usual open one string comparison; a difference costs a few lstat calls, once per
// (container, text, kernel path, file): the verdicts that keep the text are remembered. A
// container process that has exited by then is checked through another process of its container.
import { lstatSync, readlinkSync, statSync, type Stats } from 'node:fs';
import type { Thread, ThreadTable } from './threads.js';

/** Remembered verdicts at most (then forgotten all at once: they are cheap to make again). */
const MAX_KEPT = 4096;
/** Symbolic links followed in one path at most, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;
/** Roots a path is walked in at most, when the process lending one exits during the walk. */
const ROOT_ATTEMPTS = 3;

/** A check that kept the path text `name`: in container `containerId`'s root (or the host's) it
 *  led to the file opened, `dev` and `ino`. */
interface KeptText {
  readonly name: string;
  readonly containerId: string;
  readonly dev: number;
  readonly ino: number;
}

export class OpenedPaths {
  /** Checks that kept the path text, by the kernel's path. Looked up by the strings the events
   *  give (the decoded-path cache hands out the same string for the same bytes) and compared
   *  field by field: a key string made per open was most of the live agent's garbage, for the
   *  common opens that differ (/proc/self/..., a merged /usr's /lib/...). */
  private readonly kept = new Map<string, KeptText[]>();
  private keptCount = 0;
  /** Per container, a process last seen alive in it: its root stands for the container's. */
  private readonly liveIn = new Map<string, number>();
  private hostRootDir: Stats | undefined;

  /** `threads`: where a process in the same container is looked for when the opener is gone. */
  constructor(
    private readonly procRoot: string,
    private readonly hostRoot: string,
    private readonly threads?: ThreadTable,
  ) {}

  /**
   * The name for the fd an open of thread `t` made: `name` (libsinsp's, from the path text) when
   * it agrees with `kernelPath` or leads to the file opened (`dev`, `ino`), else `kernelPath`.
   */
  nameOf(name: string, kernelPath: string, dev: number, ino: number, t: Thread): string {
    if (name === kernelPath || kernelPath.length === 0 || ino === 0) return name;
    const containerId = t.containerId;
    let kept = this.kept.get(kernelPath);
    if (kept !== undefined) {
      for (let i = 0; i < kept.length; i++) {
        const k = kept[i]!;
        if (k.ino === ino && k.dev === dev && k.name === name && k.containerId === containerId) return name;
      }
    }
    const st = this.resolve(name, t);
    if (st !== undefined && st.dev === dev && st.ino === ino) {
      if (this.keptCount >= MAX_KEPT) {
        this.kept.clear();
        this.keptCount = 0;
        kept = undefined;
      }
      if (kept === undefined) this.kept.set(kernelPath, (kept = []));
      kept.push({ name, containerId, dev, ino });
      this.keptCount++;
      return name;
    }
    return kernelPath;
  }

  /** The file `path` leads to in `t`'s root, or undefined when it leads nowhere or no root is left. */
  private resolve(path: string, t: Thread): Stats | undefined {
    // The process whose root is walked may exit during the walk (the opener itself, often: a
    // `cat` is gone a moment after its open), and a walk through a root that is gone finds
    // nothing: then once more, through the root of a process still alive.
    for (let attempt = 0; attempt < ROOT_ATTEMPTS; attempt++) {
      const root = this.rootOf(t);
      if (root === undefined) return undefined;
      const st = resolveInRoot(root, path, t);
      if (st !== undefined || statSafe(`${root}/`, true) !== undefined) return st;
    }
    return undefined;
  }

  /**
   * `t`'s root directory as a path this process can resolve in: through /proc/<pid>/root of `t`,
   * or, once it has exited (short-lived processes usually have by now), of another live process
   * with the same root: in its container (one not yet pivoted into the container's root does
   * not count), or on the host.
   */
  private rootOf(t: Thread): string | undefined {
    if (this.rootAlive(t.pid)) return `${this.procRoot}/${t.pid}/root`;
    const chrooted = t.root !== '' && t.root !== '/';
    if (t.containerId === '') return chrooted ? undefined : this.hostRoot;
    const known = this.liveIn.get(t.containerId);
    if (known !== undefined && this.inContainerRoot(known)) return `${this.procRoot}/${known}/root`;
    this.liveIn.delete(t.containerId);
    if (this.threads === undefined) return undefined;
    for (const o of this.threads.threads.values()) {
      // (not compared by Thread.root: a process read from /proc has its root as this process
      // reads the link, the container's rootfs path on the host, one seen exec has '/')
      if (o.containerId !== t.containerId || o.pid === t.pid || !this.inContainerRoot(o.pid)) continue;
      if (this.liveIn.size >= MAX_KEPT) this.liveIn.clear();
      this.liveIn.set(t.containerId, o.pid);
      return `${this.procRoot}/${o.pid}/root`;
    }
    return undefined;
  }

  private rootAlive(pid: number): boolean {
    return statSafe(`${this.procRoot}/${pid}/root/`, true) !== undefined;
  }

  /** Process `pid` lives and its root is not the host's. */
  private inContainerRoot(pid: number): boolean {
    const root = statSafe(`${this.procRoot}/${pid}/root/`, true);
    if (root === undefined) return false;
    const host = (this.hostRootDir ??= statSafe(`${this.hostRoot}/`, true));
    return host === undefined || root.dev !== host.dev || root.ino !== host.ino;
  }
}

/**
 * Stats the file `path` leads to, resolved inside directory `root` as the kernel resolves it for
 * a process whose root that is: component by component, an absolute symbolic link starting again
 * from `root` rather than from this process's root, `..` never above it, /proc/self and
 * /proc/thread-self as `t`'s own entries in the procfs found there. Undefined when a component is
 * missing or unreadable, or links loop.
 */
export function resolveInRoot(root: string, path: string, t: Pick<Thread, 'pid' | 'tid' | 'vpid' | 'vtid'>): Stats | undefined {
  const todo = path.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  let st: Stats | undefined;
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      st = undefined;
      continue;
    }
    // The agent's own /proc/self would be read there: the opener's entries instead.
    if (done.length === 1 && done[0] === 'proc' && (c === 'self' || c === 'thread-self')) {
      if (c === 'thread-self') todo.push(String(t.vtid > 0 ? t.vtid : t.tid), 'task');
      todo.push(String(t.vpid > 0 ? t.vpid : t.pid));
      continue;
    }
    const at = `${root}/${done.join('/')}${done.length > 0 ? '/' : ''}${c}`;
    st = statSafe(at, false);
    if (st === undefined) return undefined;
    if (!st.isSymbolicLink()) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    if (done[0] === 'proc') {
      // procfs links (fd/N, cwd, root, exe) lead to the file itself, not to their text, which is
      // written as this process sees it: let the kernel follow them, and the rest of the path.
      return statSafe([at, ...todo.reverse()].join('/'), true);
    }
    let target: string;
    try {
      target = readlinkSync(at);
    } catch {
      return undefined;
    }
    if (target.startsWith('/')) done.length = 0;
    st = undefined;
    const parts = target.split('/');
    for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
  }
  return st ?? statSafe(`${root}/${done.join('/')}`, false);
}

/** stat (`follow`) or lstat; undefined for a missing or unreadable file. */
function statSafe(at: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(at, { throwIfNoEntry: false }) : lstatSync(at, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
