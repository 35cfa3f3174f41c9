// Files the rules name exactly (fd.name = /etc/shadow), known by device and inode, so that an
// open cannot hide which of them it opened. The sensor reads an open's path from the process's
// memory after the syscall, as libs does; a second thread can change that memory between the
// kernel's copy and the sensor's read, so the event names a harmless file while /etc/shadow was
// opened. The event also carries the device and inode the kernel opened: when they are a watched
// file's but the path is another, the path is checked on disk (through the process's root) — a
// hard or symbolic link, a bind mount, a path another way round still leads to that file and
// keeps its name, as in libsinsp — and if it does not, the fd is named after the watched file.
// The host's files are looked up when the rules load, a container's on its first open (its own
// /etc/shadow is another inode). Costs every open one Map lookup by inode number.
// Opens the sensor sends with the kernel's path of the file opened are checked against that path
// first, for every file (opened-paths.ts); this watch still covers the opens that come without it
// (io_uring's, those the open prefilter sends late) for the files the rules name exactly.
// Not covered here: files a rule matches by prefix, glob or directory (no single inode to watch),
// a container's watched file replaced by another inode after its first open.
// A path that leads to a watched file by another name (/usr/lib/os-release, which /etc/os-release
// links to) is opened by that name all the time: what the check on disk found is kept for a
// second per process and path (bench/agent-profile: the stat was a quarter of the agent's CPU
// under a load opening it). Within that second a path that stopped leading to the file still
// keeps its own name, as it did for an open through the link, which it could have been.
import { statSync } from 'node:fs';
import { resolveInRoot } from './opened-paths.js';
import type { Thread } from './threads.js';

interface Watched {
  dev: number;
  path: string;
}

/** Where a path led when it was last looked up on disk. */
interface Found {
  dev: number;
  ino: number;
  /** performance.now() of the lookup. */
  at: number;
}

/** How long a lookup stands, and how many are kept (the oldest half goes when full). */
const FOUND_MS = 1000;
const FOUND_MAX = 4096;

export class WatchedFiles {
  /** inode number -> the watched files with it (devices told apart on a hit). */
  private readonly byIno = new Map<number, Watched[]>();
  /** Containers whose copies of the files have been looked up -> the inodes they added. Bounded
   *  by the container table: the state forgets a container it removes or evicts. */
  private readonly roots = new Map<string, number[]>();
  /** `pid\0path` -> where the path led through that process's root. */
  private readonly found = new Map<string, Found>();

  constructor(
    private readonly paths: readonly string[],
    private readonly procRoot: string,
    private readonly hostRoot: string,
  ) {
    for (const p of paths) this.watch(`${hostRoot}${p}`, p);
  }

  get size(): number {
    return this.paths.length;
  }

  /**
   * The watched path to name the fd that open of thread `t` made, whose path text gave `name`,
   * when the kernel opened a watched file (`dev`, `ino`) that `name` does not lead to; else
   * undefined (the usual case: one Map miss).
   */
  nameOf(dev: number, ino: number, name: string, t: Thread): string | undefined {
    if (t.containerId !== '' && !this.roots.has(t.containerId)) this.watchContainer(t);
    const hits = this.byIno.get(ino);
    if (hits === undefined) return undefined;
    for (const w of hits) {
      if (w.dev !== dev || w.path === name) continue;
      const st = this.lookup(t, name);
      if (st !== undefined && st.dev === dev && st.ino === ino) return undefined;
      return w.path;
    }
    return undefined;
  }

  /** Where `name` leads inside thread `t`'s root (a lookup at most FOUND_MS old). */
  private lookup(t: Thread, name: string): Found | undefined {
    const key = `${t.pid}\0${name}`;
    const now = performance.now();
    const known = this.found.get(key);
    if (known !== undefined && now - known.at < FOUND_MS) return known;
    // resolved as the kernel resolves it for `t`: a container's absolute links inside its root
    const st = resolveInRoot(`${this.procRoot}/${t.pid}/root`, name, t);
    if (st === undefined) {
      this.found.delete(key);
      return undefined;
    }
    if (this.found.size >= FOUND_MAX) {
      let n = FOUND_MAX / 2;
      for (const k of this.found.keys()) {
        this.found.delete(k);
        if (--n === 0) break;
      }
    }
    const f = { dev: st.dev, ino: st.ino, at: now };
    this.found.delete(key); // re-inserted last: the oldest lookups are the first keys
    this.found.set(key, f);
    return f;
  }

  private watchContainer(t: Thread): void {
    const added: number[] = [];
    this.roots.set(t.containerId, added);
    for (const p of this.paths) {
      const ino = this.watch(`${this.procRoot}/${t.pid}/root${p}`, p);
      if (ino !== undefined) added.push(ino);
    }
  }

  /** Forgets a container's files (it is gone). */
  forget(containerId: string): void {
    const added = this.roots.get(containerId);
    if (added === undefined) return;
    this.roots.delete(containerId);
    // Its inodes go; a host file that happens to share one was looked up again on the host's
    // watch and stays (the lists are tiny: compare by device too would need the device here).
    for (const ino of added) this.byIno.delete(ino);
    for (const p of this.paths) this.watch(`${this.hostRoot}${p}`, p);
  }

  /** Watches the file at `at` under the rule's `path`; returns its inode number if it is one. */
  private watch(at: string, path: string): number | undefined {
    let st;
    try {
      st = statSync(at, { throwIfNoEntry: false });
    } catch {
      return undefined; // unreadable: nothing to watch
    }
    if (st === undefined || !st.isFile()) return undefined;
    // Node's st_dev is the C library's dev_t, which for devices with major < 4096 is the sensor's
    // encoding (new_encode_dev) of the kernel's.
    const list = this.byIno.get(st.ino);
    if (list === undefined) this.byIno.set(st.ino, [{ dev: st.dev, path }]);
    else if (!list.some((w) => w.dev === st.dev && w.path === path)) list.push({ dev: st.dev, path });
    return st.ino;
  }
}
