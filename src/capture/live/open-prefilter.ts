// The open prefilter's tables and its decision, as the sensor's kernel side applies them
// (sensor/src/bpf/prefilter.bpf.h): which open/openat/openat2 exits may stay in the kernel.
// The tables are derived from the loaded rules elsewhere (src/rules/open-prefilter-rules.ts);
// this module only says what they mean, turns them into the sensor's control commands, and
// decides exactly as the kernel does, so a capture can be filtered here the way the kernel
// would have filtered it (the equivalence tests).
//
// A table is a set of terms (at most TERM_BITS). Term i stands for "some rule may care about
// this open" under a path condition and a flags condition: the open's path starts with (or is)
// one of the term's path entries, or the term has no path condition (anyPath); and its flags
// have one of the term's flag bits, or the term has no flags condition. An open is sent when a
// term holds for both; ALWAYS_BIT is a term without flags condition for paths that must always
// be sent.

/** Terms the kernel can tell apart: bits of a u64, the top one being ALWAYS_BIT. */
export const ALWAYS_BIT = 63n;
/** Flag groups the kernel tests (distinct flags conditions). */
export const MAX_FLAG_GROUPS = 8;
/** Longest path the kernel compares (bytes, without the NUL: its 256-byte read cannot tell 255
 *  bytes from a longer path cut short); a longer one is always sent. */
const PREFILTER_PATH_MAX = 254;
/** Path entries the kernel's trie holds. */
export const MAX_PATH_ENTRIES = 4096;

/** Longest base name entry the kernel compares (bytes); a longer last component matches none. */
export const PREFILTER_BASE_MAX = 63;

interface PathEntry {
  /** The path text (UTF-8 in the kernel), or the base name for kind 'base'. */
  path: string;
  /** exact: the path itself; prefix: every path starting with these bytes; base: every path whose
   *  last component is this name. */
  kind: 'exact' | 'prefix' | 'base';
  /** Terms that hold for a path matching this entry. */
  terms: bigint;
}

interface FlagGroup {
  /** PPM open flag bits (libs' file_flags), any of which satisfies the group; 0: any flags. */
  anyOf: number;
  /** Terms with this flags condition. */
  terms: bigint;
}

export interface OpenPrefilterTable {
  paths: PathEntry[];
  /** Terms without a path condition. */
  anyPath: bigint;
  groups: FlagGroup[];
  /** Closes of fds whose open was dropped stay in the kernel too (no rule can match a close of
   *  an fd the engine does not know). */
  closes: boolean;
  /** Syscalls (fd in their first argument) that rules read the fd table on: a dropped open of
   *  their fd is sent just before them, so the engine names it as without the prefilter. */
  consumers: string[];
}

/** Why an open is sent when its terms alone would not send it. */
export type SendReason = 'terms' | 'directory' | 'path-form' | 'long';

/** The path can be compared as is: absolute, with no '//', '/.' or '..' anywhere (so no '.',
 *  '..' or empty component: the engine's fd.name is then the path itself, and rules looking for
 *  traversal in the raw name cannot match it), no trailing '/', only ASCII (the engine decodes
 *  paths as UTF-8; ASCII bytes are the same text either way). */
export function comparablePath(path: Buffer): boolean {
  const n = path.length;
  if (n === 0 || n > PREFILTER_PATH_MAX || path[0] !== 0x2f || path[n - 1] === 0x2f) return false;
  for (let i = 0; i < n; i++) {
    const c = path[i]!;
    if (c >= 0x80 || c === 0) return false;
    if ((c === 0x2f || c === 0x2e) && i + 1 < n && (path[i + 1] === 0x2f || path[i + 1] === 0x2e) && !(c === 0x2e && path[i + 1] === 0x2f)) return false;
  }
  return true;
}

/** The terms a comparable path satisfies through the table's path entries (the kernel's trie). */
function pathTerms(table: OpenPrefilterTable, path: string): bigint {
  let terms = table.anyPath;
  const base = path.slice(path.lastIndexOf('/') + 1);
  for (const e of table.paths) {
    const hit = e.kind === 'exact' ? path === e.path : e.kind === 'prefix' ? path.startsWith(e.path) : base === e.path;
    if (hit) terms |= e.terms;
  }
  return terms;
}

/** The terms open flags (PPM bits) satisfy. */
function flagTerms(table: OpenPrefilterTable, ppmFlags: number): bigint {
  let terms = 0n;
  for (const g of table.groups) if (g.anyOf === 0 || (ppmFlags & g.anyOf) !== 0) terms |= g.terms;
  return terms;
}

/**
 * Whether an open exit is sent: `path` the raw path argument, `ppmFlags` its flags in libs'
 * encoding, `res` the return value, `isDirectory` whether the fd opened is a directory. An
 * undefined return means it may stay in the kernel: the kernel also sends a successful open whose
 * text is not the opened file's path from the opener's root (a symbolic link on the way, or a
 * text rewritten by another thread), which this cannot see; it only ever sends more.
 */
export function openSendReason(table: OpenPrefilterTable, path: Buffer, ppmFlags: number, res: number, isDirectory: boolean): SendReason | undefined {
  if (res >= 0 && isDirectory) return 'directory';
  if (path.length > PREFILTER_PATH_MAX) return 'long';
  if (!comparablePath(path)) return 'path-form';
  const terms = pathTerms(table, path.toString('latin1')) & flagTerms(table, ppmFlags);
  return terms !== 0n ? 'terms' : undefined;
}

/** The sensor's control commands that install `table` (sensor/README.md, `prefilter`): the
 *  prefilter is turned off while its tables change, and on again at the end. */
export function prefilterCommands(table: OpenPrefilterTable): string[] {
  const out = ['prefilter off', 'prefilter clear'];
  for (const e of table.paths) out.push(`prefilter path ${e.kind} ${Buffer.from(e.path, 'utf8').toString('hex')} ${e.terms.toString(16)}`);
  for (const g of table.groups) out.push(`prefilter group ${g.anyOf.toString(16)} ${g.terms.toString(16)}`);
  if (table.consumers.length > 0) out.push(`prefilter consumers ${table.consumers.join(' ')}`);
  out.push(`prefilter on ${table.anyPath.toString(16)}${table.closes ? ' close' : ''}${table.consumers.length > 0 ? ' store' : ''}`);
  return out;
}
