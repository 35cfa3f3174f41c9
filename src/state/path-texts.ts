// Path parameters decoded once per distinct byte string: a process opens the same few files over
// and over, and decoding a path (UTF-8, a new string) and checking whether it is already normal
// cost more than hashing and comparing its bytes. Equal bytes give the very same string, which
// also makes later comparisons of names that came from it a pointer test.
import type { EventView } from '../events/index.js';
import { basenameOf, concatenatePaths, dirnameOf, isNormalAbsolute } from './paths.js';
import { neverProcLink, resolveProcLinks } from './proc-links.js';
import type { Thread } from './threads.js';

/** A decoded path parameter: its text (as EventView.str gives it) and whether it is an absolute
 *  path that normalising leaves unchanged (paths.isNormalAbsolute). The text never changes; what
 *  fd.directory and fd.filename make of it is worked out on first use and kept, so the rules
 *  that read them on every open of a file cost a string scan and a copy once per path, not once
 *  per event (FdState.namePath). */
export class PathText {
  private dir: string | undefined = undefined;
  private base: string | undefined = undefined;
  private collapsedText: string | undefined = undefined;
  private openedDir: string | undefined = undefined;
  /** openedName's name, once worked out; whether it can name a procfs link (neverProcLink). */
  private opened: string | undefined = undefined;
  private openedMayBeLink = false;
  /** Check results kept for the rule groups that asked lately (checkMemo), the last one first. */
  private memoOwners: object[] | undefined = undefined;
  private memos: Uint8Array[] | undefined = undefined;

  constructor(readonly text: string, readonly normalAbsolute: boolean) {}

  /**
   * The results `owner` (a compiled rule group) keeps for checks of this path, `size` of them
   * (0: not worked out yet; the owner's own codes otherwise). Kept for the few owners that asked
   * last: a file's events are evaluated by the groups of a few event codes at most.
   */
  checkMemo(owner: object, size: number): Uint8Array {
    const owners = (this.memoOwners ??= []);
    const memos = (this.memos ??= []);
    if (owners[0] === owner) return memos[0]!;
    let i = owners.indexOf(owner);
    let memo: Uint8Array;
    if (i < 0) {
      memo = new Uint8Array(size);
      i = owners.length < MAX_MEMOS ? owners.length : MAX_MEMOS - 1; // the least recent goes
    } else {
      memo = memos[i]!;
    }
    // to the front, the others one place back
    for (let j = i; j > 0; j--) {
      owners[j] = owners[j - 1]!;
      memos[j] = memos[j - 1]!;
    }
    owners[0] = owner;
    memos[0] = memo;
    return memo;
  }

  /**
   * The name a successful open by this path gives its fd in thread `t` (open-names.ts openName),
   * for an absolute path: whatever the call's cwd or dirfd, the path normalised, then resolved
   * through `t`'s own procfs links. The normalised name, and whether it can be such a link at
   * all, are worked out on first use: opens repeat the same paths.
   */
  openedName(t: Thread): string {
    let name = this.opened;
    if (name === undefined) {
      name = this.opened = concatenatePaths('', this.text, this.normalAbsolute);
      this.openedMayBeLink = !neverProcLink(name);
    }
    return this.openedMayBeLink ? resolveProcLinks(name, t) : name;
  }

  /** Whether the text starts with '/' (openedName applies). */
  get absolute(): boolean {
    return this.text.charCodeAt(0) === 47;
  }

  /** dirnameOf(text). */
  get directory(): string {
    return (this.dir ??= dirnameOf(this.text));
  }

  /** basenameOf(text). */
  get filename(): string {
    return (this.base ??= basenameOf(this.text));
  }

  /** dirnameOf(name), kept when `name` is the text or the opened name of this path (the names a
   *  failed open shows): a process probing paths makes no string per event. */
  directoryOf(name: string): string {
    if (name === this.text) return this.directory;
    if (name === this.opened) return (this.openedDir ??= dirnameOf(name));
    return dirnameOf(name);
  }

  /** The text with each run of '/' made one (what libs names a failed openat by, for fd.nameraw). */
  get collapsed(): string {
    return (this.collapsedText ??= this.text.includes('//') ? this.text.replaceAll(/\/{2,}/g, '/') : this.text);
  }
}

const SLOTS = 512; // a power of two
/** Rule groups whose check results one path keeps (PathText.checkMemo). */
const MAX_MEMOS = 8;
/** Longer paths are decoded every time: they are rarely repeated and costly to compare. */
const MAX_CACHED = 256;

/**
 * The paths one state parser decoded lately, by their bytes. Owned by the parser rather than
 * shared by the process: entries carry the check memos of the parser's rule groups, and two
 * agents, replays or tests in one process must not see each other's.
 */
export class PathTexts {
  /** The path of an openat without its path parameter: libsinsp names it '<NA>'. */
  readonly missing = new PathText('<NA>', false);
  /** Each slot's path as little-endian 32-bit words (the last one zero-padded), and its length
   *  in bytes (-1: no path yet). */
  private readonly keys: Int32Array[] = new Array<Int32Array>(SLOTS).fill(new Int32Array(0));
  private readonly keyLengths = new Int32Array(SLOTS).fill(-1);
  /** (filled with `missing` only to be an array of PathText: a slot without a key is never read) */
  private readonly entries: PathText[] = new Array<PathText>(SLOTS).fill(this.missing);
  /** The words of the path in hand, read once for both the hash and the comparison. */
  private readonly words = new Int32Array(MAX_CACHED / 4);

  /** Parameter i of `evt` as a path (without its NUL terminator), from the cache when seen lately. */
  param(evt: EventView, i: number): PathText {
    const b = evt.buf;
    const start = evt.paramOffset(i);
    let end = start + evt.paramLength(i);
    if (end > start && b[end - 1] === 0) end--;
    const n = end - start;
    if (n > MAX_CACHED) return decode(evt, i);
    // Read four bytes at a time into words, hashed as they come: paths are some tens of bytes,
    // read on every open. A hit then compares words, not bytes assembled again.
    const words = this.words;
    let h = n;
    let k = start;
    let count = 0;
    for (; k + 4 <= end; k += 4) {
      const x = b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (b[k + 3]! << 24);
      words[count++] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    if (k < end) {
      let x = b[k]!;
      if (k + 1 < end) x |= b[k + 1]! << 8;
      if (k + 2 < end) x |= b[k + 2]! << 16;
      words[count++] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    const slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    if (this.keyLengths[slot] === n) {
      const key = this.keys[slot]!;
      let j = 0;
      while (j < count && key[j] === words[j]) j++;
      if (j === count) return this.entries[slot]!;
    }
    const entry = decode(evt, i);
    this.keys[slot] = words.slice(0, count);
    this.keyLengths[slot] = n;
    this.entries[slot] = entry;
    return entry;
  }
}

function decode(evt: EventView, i: number): PathText {
  const text = evt.str(i);
  return new PathText(text, isNormalAbsolute(text));
}
