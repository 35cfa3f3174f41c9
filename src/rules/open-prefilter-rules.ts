// Derives the sensor's open prefilter (src/capture/live/open-prefilter.ts) from the enabled
// rules: what an open/openat/openat2 exit must satisfy for any rule to ever care about it.
//
// Two ways a rule can care about an open:
//  1. the open's own event: the rule's condition, read as a necessary condition on the path and
//     the flags (open-family events only; a `not` or a field the analysis does not know makes
//     it "any path, any flags", which is always safe);
//  2. the fd it creates, read by a later event of another type (fd.* fields, evt.arg rendering
//     an fd, the process's fd table). A rule on such an event cannot tell a dropped fd (not in
//     the engine's table) from a kept one when its condition needs a socket (fd.type ipv4, a
//     port ...: neither a file nor an unknown fd has one), or needs a path the dropped open does
//     not have (those paths join the table, so such opens are kept), or when it reads nothing of
//     the fd table at all. Any other rule turns the prefilter off, naming itself.
// Paths a dropped fd could lend its name to later (a relative *at call through it, a
// /proc/self/fd link) are kept: every ancestor directory of a rule's path literal, and /proc.
import { ALWAYS_BIT, MAX_FLAG_GROUPS, MAX_PATH_ENTRIES, type OpenPrefilterTable, PREFILTER_BASE_MAX } from '../capture/live/index.js';
import { EF, EVENT_TABLE, PT } from '../events/index.js';
import type { Expr } from '../filter/index.js';
import type { CompiledRule } from './rule-compiler.js';

/** The events the kernel prefilter may drop (the open family it decides on). */
const PREFILTERED = new Set(['open', 'openat', 'openat2']);

/** Fields holding an open's path: for a path the prefilter can drop (absolute, normalised),
 *  fd.name, fd.nameraw and the name argument all equal the path as the caller gave it. */
const PATH_FIELDS = new Set(['fd.name', 'fd.nameraw', 'evt.arg.name', 'evt.rawarg.name']);

/** Fields only a socket fd has: no value for a file or for an fd the engine does not know. */
const SOCKET_FIELDS = new Set(['fd.ip', 'fd.cip', 'fd.sip', 'fd.lip', 'fd.rip', 'fd.port', 'fd.cport', 'fd.sport', 'fd.lport',
  'fd.rport', 'fd.l4proto', 'fd.sockfamily', 'fd.is_server', 'fd.net', 'fd.cnet', 'fd.snet', 'fd.lnet', 'fd.rnet',
  'fd.connected', 'fd.cip.name', 'fd.sip.name', 'fd.lip.name', 'fd.rip.name']);

/** Events with an fd parameter, which evt.arg and evt.args render with the fd's name. A path
 *  parameter relative to a dirfd is not counted: a dropped open is never a directory, so a
 *  relative path through its fd fails with ENOTDIR (the one case where the engine's rendering of
 *  such a path differs: see sensor/README.md). */
const FD_PARAMS = new Map<string, Set<string>>();
/** evt.arg names of path parameters: on an event after the open, such a path names the dropped
 *  fd only when it is relative to it as a dirfd (then it starts with that fd's name). */
const PATH_ARGS = new Set<string>();
/** Events whose fd.* fields have a value: those that create, use or destroy an fd. */
const FD_EVENTS = new Set<string>();
for (const e of EVENT_TABLE) {
  if (!e) continue;
  if ((e.flags & (EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD)) !== 0) FD_EVENTS.add(e.name);
  e.params.forEach((p, i) => {
    if (p.type === PT.FSRELPATH || p.type === PT.FSPATH) PATH_ARGS.add(`evt.arg.${p.name}`);
    if (p.type !== PT.FD) return;
    const names = FD_PARAMS.get(e.name) ?? new Set<string>();
    FD_PARAMS.set(e.name, names.add(p.name).add(String(i)));
  });
}

/** Events whose fd fields and fd parameters are about the fd they create and nothing else (no fd
 *  parameter besides the result): a dropped open's fd cannot be theirs. */
const FRESH_FD_EVENTS = new Set<string>();
for (const e of EVENT_TABLE) {
  if (e && (e.flags & EF.CREATES_FD) !== 0 && e.params.every((p, i) => p.type !== PT.FD || i === 0)) FRESH_FD_EVENTS.add(e.name);
}
for (const e of EVENT_TABLE) {
  // a name shared with an event that takes an fd (an enter event's parameters) is not fresh
  if (e && FRESH_FD_EVENTS.has(e.name) && e.params.some((p, i) => p.type === PT.FD && i > 0)) FRESH_FD_EVENTS.delete(e.name);
}

/** Names of dirfd parameters: a dropped open is never a directory, so as a dirfd it makes a
 *  relative path fail with ENOTDIR, and an absolute path ignores it (the residual case that
 *  sensor/README.md names). */
const DIRFD_NAMES = new Set(['dirfd', 'olddirfd', 'newdirfd', 'linkdirfd', 'olddir', 'newdir']);
/** Events whose only fd parameters (besides the result) are dirfds. */
const DIRFD_EVENTS = new Set<string>();
for (const e of EVENT_TABLE) {
  if (e && e.params.some((p) => p.type === PT.FD && DIRFD_NAMES.has(p.name))) DIRFD_EVENTS.add(e.name);
}
for (const e of EVENT_TABLE) {
  if (e && e.params.some((p, i) => p.type === PT.FD && i > 0 && !DIRFD_NAMES.has(p.name) && p.name !== 'res')) DIRFD_EVENTS.delete(e.name);
}

/** Syscalls whose fd is their first argument: when a rule reads the fd table on one of them,
 *  the sensor sends a dropped open of that fd just before (pf_replay in prefilter.bpf.h). */
const FD_IN_FIRST_ARG = new Set(['fchmod', 'fchown', 'fcntl', 'dup', 'dup2', 'dup3', 'connect', 'sendto', 'sendmsg',
  'recvfrom', 'recvmsg', 'bind', 'listen', 'setns', 'fchdir', 'read', 'write', 'pread', 'pwrite', 'readv', 'writev',
  'preadv', 'pwritev', 'shutdown', 'getsockopt', 'setsockopt', 'ioctl', 'fstat', 'flock', 'fsync', 'fdatasync', 'ftruncate',
  'fgetxattr', 'fsetxattr', 'fremovexattr', 'fstatfs', 'getdents', 'getdents64', 'lseek', 'llseek', 'syncfs', 'fadvise64']);

/** Events that only succeed on an fd no dropped open can have made: setns takes a namespace file
 *  (nsfs) or a pidfd, and the kernel never drops an open of a file on nsfs or procfs. */
const SUCCESS_NEEDS_SPECIAL_FD = new Set(['setns']);

/** libs' file_flags that the kernel's flags word carries (open_flags_to_ppm, and the created bit;
 *  not the overlay bits, which the prefilter does not compute). */
const USER_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['O_F_CREATED', 16384],
  ['O_LARGEFILE', 2048], ['O_DIRECTORY', 1024], ['O_DIRECT', 512], ['O_TRUNC', 256], ['O_SYNC', 128], ['O_NONBLOCK', 64],
  ['O_EXCL', 32], ['O_DSYNC', 16], ['O_APPEND', 8], ['O_CREAT', 4], ['O_RDWR', 3], ['O_WRONLY', 2], ['O_RDONLY', 1],
  ['O_CLOEXEC', 4096], ['O_TMPFILE', 8192],
];
/** Every flag name the engine can render for an open (a contains test on another name is not
 *  one the prefilter can read). */
const ALL_FLAG_NAMES = [...USER_FLAGS.map(([n]) => n), 'O_NONE', 'FD_UPPER_LAYER', 'FD_LOWER_LAYER'];

interface PathSet { path: string; kind: 'exact' | 'prefix' | 'base' }
/** A necessary condition: the path is in `paths` ('any': no condition) and the flags have a bit
 *  of `flags` (0: no condition). */
interface Term { paths: PathSet[] | 'any'; flags: number }
/** A disjunction of terms; [] can never hold for an open the prefilter may drop. */
type Need = Term[];

const TOP: Need = [{ paths: 'any', flags: 0 }];
const isTop = (n: Need): boolean => n.some((t) => t.paths === 'any' && t.flags === 0);

export type OpenPrefilterDerivation =
  | { table: OpenPrefilterTable; terms: number }
  | { off: string };

/** The prefilter for `rules` (the enabled ones), or why there can be none. */
export function deriveOpenPrefilter<Ctx>(rules: readonly CompiledRule<Ctx>[]): OpenPrefilterDerivation {
  const terms: Term[] = [];
  const literals = new Set<string>();
  let closes = true;
  const consumers = new Set<string>();
  const readers = new Set<string>(), writers = new Set<string>();
  for (const rule of rules) {
    if (closes && !closeMayStay(rule)) closes = false;
    const fields = fieldsOf(rule);
    const fdTableWide = [...fields].find((f) => f.startsWith('proc.fd') || f.startsWith('proc.std'));
    if (fdTableWide) return { off: `rule "${rule.name}" reads ${fdTableWide}, which every fd of the process changes` };
    const types = eventTypesOf(rule);
    const onOpen = types === undefined || types.some((t) => PREFILTERED.has(t));
    collectLiterals(rule.condition, literals);
    if (onOpen) {
      const need = necessary(rule.condition, true);
      if (isTop(need)) return { off: `rule "${rule.name}" may match any open (no path or flags condition the prefilter can read)` };
      terms.push(...need);
      for (const t of need) {
        if (t.paths !== 'any') continue;
        if (t.flags & 1) readers.add(rule.name); // PPM O_RDONLY: every read open has it
        if (t.flags & 2) writers.add(rule.name); // PPM O_WRONLY: every write open has it
      }
    }
    const others = types === undefined ? [undefined] : types.filter((t) => !PREFILTERED.has(t));
    for (const type of others) {
      const why = laterEventNeed(rule, type, terms);
      if (!why) continue;
      // the sensor can send the dropped open just before such an event (pf_replay)
      if (type !== undefined && FD_IN_FIRST_ARG.has(type)) consumers.add(type);
      else return { off: why };
    }
  }
  if (readers.size > 0 && writers.size > 0) {
    // every open has the read or the write bit: the kernel would read every path to send it
    const name = (set: Set<string>): string => `"${[...set][0]}"${set.size > 1 ? ` and ${set.size - 1} more` : ''}`;
    return { off: `every open may matter: rule ${name(readers)} may match any read-open by its path, rule ${name(writers)} any write-open` };
  }
  return { table: { ...encode(terms, literals), closes, consumers: [...consumers].sort() }, terms: terms.length };
}

/**
 * What `rule` on events of `type` (undefined: any) needs of an earlier open whose fd the event
 * may name, pushed onto `terms`; or why the prefilter cannot be exact with this rule.
 */
function laterEventNeed(rule: CompiledRule<never>, type: string | undefined, terms: Term[]): string | undefined {
  const condition = type === undefined ? rule.condition : prune(rule.condition, type);
  if (condition === false) return undefined; // the rule never matches this event type
  if (type !== undefined && (FRESH_FD_EVENTS.has(type) || DIRFD_EVENTS.has(type))) return undefined; // a new fd, or a dirfd
  const fields = fieldsOf(rule, condition === true ? undefined : condition);
  const types = type === undefined ? undefined : [type];
  const fdReads = [...fields].filter((f) => readsFdTable(f, types));
  if (fdReads.length === 0 || condition === true) {
    return fdReads.length === 0 ? undefined : `rule "${rule.name}" reads the fd table on ${type ?? 'every event'} (${fdReads.join(', ')})`;
  }
  if (needsSocket(condition)) return undefined;
  if (type !== undefined && SUCCESS_NEEDS_SPECIAL_FD.has(type) && needsSuccess(condition)) return undefined;
  const need = necessary(condition, false);
  if (need.some((t) => t.paths === 'any')) return `rule "${rule.name}" reads the fd table on ${type ?? 'every event'} (${fdReads.join(', ')})`;
  terms.push(...need.map((t) => ({ paths: t.paths, flags: 0 })));
  return undefined;
}

/** Whether `rule` cannot match a close of an fd the engine does not know (fd.name ''), so such
 *  closes may stay in the kernel. */
function closeMayStay(rule: CompiledRule<never>): boolean {
  const types = eventTypesOf(rule);
  if (types !== undefined && !types.includes('close')) return true;
  const condition = prune(rule.condition, 'close');
  if (typeof condition === 'boolean') return !condition;
  return needsSocket(condition) || !necessary(condition, false).some((t) => t.paths === 'any');
}

/** `e` on events of `type`: its evt.type tests decided, constants folded away. */
function prune(e: Expr, type: string): Expr | boolean {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const kept: Expr[] = [];
      for (const c of e.children) {
        const p = prune(c, type);
        if (p === (e.kind === 'or')) return p; // true in an or, false in an and
        if (p !== !(e.kind === 'or')) kept.push(p as Expr);
      }
      if (kept.length === 0) return e.kind === 'and';
      return kept.length === 1 ? kept[0]! : { ...e, children: kept };
    }
    case 'not': {
      const p = prune(e.child, type);
      return typeof p === 'boolean' ? !p : { ...e, child: p };
    }
    case 'binary': {
      if (e.left.kind !== 'field' || (e.left.name !== 'evt.type' && e.left.name !== 'syscall.type') || e.left.arg !== undefined) return e;
      const values = valuesOf(e);
      if (values === undefined) return e;
      if (['=', '==', 'in'].includes(e.op)) return values.includes(type);
      if (e.op === '!=') return !values.includes(type);
      return e;
    }
    default: return e;
  }
}

/** Event type names a rule is indexed under; undefined: every event. */
function eventTypesOf(rule: CompiledRule<never>): string[] | undefined {
  if (!rule.eventCodes) return undefined;
  return [...new Set(rule.eventCodes.map((c) => EVENT_TABLE[c]?.name ?? ''))].filter((n) => n !== '' && n !== 'asyncevent');
}

/** Fields the rule reads: in its condition (or `condition`, a pruned one) and in its output. */
function fieldsOf(rule: CompiledRule<never>, condition: Expr = rule.condition): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as { kind?: string; name?: string };
    const arg = (node as { arg?: string }).arg;
    if (n.kind === 'field' && typeof n.name === 'string') out.add(arg === undefined ? n.name : `${n.name}[${arg}]`);
    for (const v of Object.values(node)) if (typeof v === 'object') visit(v);
  };
  visit(condition);
  for (const m of rule.output.matchAll(/%\{?([A-Za-z_][\w.]*)/g)) out.add(m[1]!);
  return out;
}

/** A field whose value, on an event of one of `types` (undefined: any), comes from the engine's
 *  fd table. */
function readsFdTable(field: string, types: string[] | undefined): boolean {
  const any = (test: (t: string) => boolean): boolean => types === undefined || types.some(test);
  if (field.startsWith('fd.')) return any((t) => FD_EVENTS.has(t));
  if (field === 'evt.args' || field === 'evt.info' || field === 'evt.arg') return any((t) => FD_PARAMS.has(t));
  const param = /^evt\.arg(?:\.([\w]+)|\[(\w+)\])$/.exec(field);
  if (!param) return false;
  const name = param[1] ?? param[2]!;
  return any((t) => FD_PARAMS.get(t)?.has(name) === true);
}

/** The condition only holds for a syscall that succeeded (evt.res = SUCCESS, evt.rawres = 0). */
function needsSuccess(e: Expr): boolean {
  switch (e.kind) {
    case 'and': return e.children.some(needsSuccess);
    case 'or': return e.children.every(needsSuccess);
    case 'binary':
      return e.left.kind === 'field' && e.right.kind === 'value' && ['=', '=='].includes(e.op) &&
        ((e.left.name === 'evt.res' && e.right.value === 'SUCCESS') || (e.left.name === 'evt.rawres' && e.right.value === '0'));
    default: return false;
  }
}

/** The condition can only hold when the event's fd is a socket (see SOCKET_FIELDS). */
function needsSocket(e: Expr): boolean {
  switch (e.kind) {
    case 'unary': return e.left.kind === 'field' && SOCKET_FIELDS.has(e.left.name);
    case 'and': return e.children.some(needsSocket);
    case 'or': return e.children.every(needsSocket);
    case 'binary': {
      if (e.left.kind !== 'field' || e.op === '!=') return false;
      if (SOCKET_FIELDS.has(e.left.name)) return true;
      if ((e.left.name !== 'fd.type' && e.left.name !== 'fd.typechar') || !['=', '==', 'in'].includes(e.op)) return false;
      // a file fd is file or f; one the engine does not know has no fd.type and fd.typechar o
      const values = valuesOf(e);
      return values !== undefined && values.length > 0 && values.every((v) => !['file', 'directory', 'f', 'd', 'o', ''].includes(v));
    }
    default: return false;
  }
}

function valuesOf(e: Expr & { kind: 'binary' }): string[] | undefined {
  if (e.right.kind === 'value') return [e.right.value];
  if (e.right.kind === 'list') return e.right.values.map((v) => v.value);
  return undefined;
}

/** What `e` needs of an open's path and flags; `openEvent`: the event is an open (evt.type
 *  tests are then decided), else an event about an earlier fd (only its path can be read). */
function necessary(e: Expr, openEvent: boolean): Need {
  switch (e.kind) {
    case 'and': return e.children.reduce<Need>((acc, c) => meet(acc, necessary(c, openEvent)), TOP);
    case 'or': {
      const out: Need = [];
      for (const c of e.children) {
        const n = necessary(c, openEvent);
        if (isTop(n)) return TOP;
        out.push(...n);
      }
      return out;
    }
    case 'binary': return leaf(e, openEvent);
    default: return TOP;
  }
}

function leaf(e: Expr & { kind: 'binary' }, openEvent: boolean): Need {
  if (e.left.kind !== 'field' || e.left.arg !== undefined && e.left.name !== 'evt.arg') return TOP;
  const field = e.left.name;
  const values = valuesOf(e);
  if (values === undefined) return TOP;
  if (openEvent && (field === 'evt.type' || field === 'syscall.type') && ['=', '==', 'in'].includes(e.op)) {
    return values.some((v) => PREFILTERED.has(v)) ? TOP : [];
  }
  if (PATH_FIELDS.has(field) && (openEvent || field.startsWith('fd.'))) return pathLeaf(e.op, values, e.mod !== undefined);
  if (!openEvent && PATH_ARGS.has(field)) return pathLeaf(e.op, values, e.mod !== undefined);
  if (field === 'fd.directory') {
    if (['=', '==', 'in'].includes(e.op)) return pathNeed(values.map((d) => ({ path: d === '/' ? '/' : `${d}/`, kind: 'prefix' })));
    if (e.op === 'startswith' || e.op === 'pmatch') return pathNeed(values.map((d) => ({ path: d, kind: 'prefix' })));
    return TOP;
  }
  if (field === 'fd.filename' && ['=', '==', 'in'].includes(e.op) && values.every((v) => v !== '' && !v.includes('/'))) {
    // a name longer than the kernel compares can never be a last component it matches: send all
    if (values.some((v) => Buffer.byteLength(v) > PREFILTER_BASE_MAX)) return TOP;
    return pathNeed(values.map((v) => ({ path: v, kind: 'base' })));
  }
  if (!openEvent) return TOP;
  const flagTests: Record<string, number> = { 'evt.is_open_write': 2, 'evt.is_open_read': 1, 'evt.is_open_create': 0x4000 | 0x2000 };
  if (flagTests[field] !== undefined && ['=', '=='].includes(e.op) && values.length === 1 && values[0] === 'true') {
    return [{ paths: 'any', flags: flagTests[field] }]; // is_open_create: O_F_CREATED, or O_TMPFILE that opened
  }
  if (field === 'evt.arg.flags' && e.op === 'contains' && values.length === 1) {
    const text = values[0]!;
    const named = ALL_FLAG_NAMES.filter((n) => n.includes(text));
    if (text === '' || text.includes('|') || named.length === 0) return TOP;
    let bits = 0;
    for (const n of named) {
      const v = USER_FLAGS.find(([name]) => name === n)?.[1];
      if (v === undefined) return TOP; // a bit the prefilter does not compute
      bits |= v;
    }
    return [{ paths: 'any', flags: bits }];
  }
  return TOP;
}

function pathLeaf(op: string, values: string[], modified: boolean): Need {
  // A path the prefilter can drop has no '/.', '//' nor '..' (comparablePath): a contains test on
  // such text needs a path the kernel always sends.
  if (op === 'contains' && !modified && values.length === 1 && /\/\.|\/\/|\.\./.test(values[0]!)) return [];
  if (op === '=' || op === '==' || op === 'in') return pathNeed(values.map((path) => ({ path, kind: 'exact' })));
  if (op === 'startswith' || op === 'pmatch') return pathNeed(values.map((path) => ({ path, kind: 'prefix' })));
  if (op === 'glob' && values.length === 1) {
    const v = values[0]!;
    const wild = v.search(/[*?[\\]/);
    return pathNeed([wild < 0 ? { path: v, kind: 'exact' } : { path: v.slice(0, wild), kind: 'prefix' }]);
  }
  return TOP;
}

function pathNeed(paths: PathSet[]): Need {
  if (paths.some((p) => p.kind === 'prefix' && p.path === '')) return TOP;
  return [{ paths, flags: 0 }];
}

/** A necessary condition of (a and b), as narrow as stays small. */
function meet(a: Need, b: Need): Need {
  if (isTop(a)) return b;
  if (isTop(b)) return a;
  if (a.length === 0 || b.length === 0) return [];
  if (a.length === 1) return b.map((t) => meetTerm(a[0]!, t));
  if (b.length === 1) return a.map((t) => meetTerm(t, b[0]!));
  const anyPaths = (n: Need) => n.filter((t) => t.paths === 'any').length;
  return anyPaths(a) <= anyPaths(b) ? a : b;
}

function meetTerm(s: Term, t: Term): Term {
  const flags = s.flags !== 0 ? s.flags : t.flags; // both must hold: either one is necessary
  if (s.paths === 'any') return { paths: t.paths, flags };
  if (t.paths === 'any') return { paths: s.paths, flags };
  return { paths: intersect(s.paths, t.paths), flags };
}

/** Paths in both sets, as a set of entries (a superset where a prefix meets a base name). */
function intersect(a: PathSet[], b: PathSet[]): PathSet[] {
  if (a.length * b.length > 100_000) return a.length <= b.length ? a : b;
  const out = new Map<string, PathSet>();
  const add = (p: PathSet): void => void out.set(`${p.kind}:${p.path}`, p);
  const baseOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  for (const x of a) {
    for (const y of b) {
      if (x.kind === 'base' && y.kind === 'base') { if (x.path === y.path) add(x); }
      else if (x.kind === 'base' || y.kind === 'base') {
        const [base, other] = x.kind === 'base' ? [x, y] : [y, x];
        if (other.kind === 'exact') { if (baseOf(other.path) === base.path) add(other); }
        else add(base); // every path under the prefix with that name: the name alone is wider
      }
      else if (x.kind === 'exact' && y.kind === 'exact') { if (x.path === y.path) add(x); }
      else if (x.kind === 'exact') { if (x.path.startsWith(y.path)) add(x); }
      else if (y.kind === 'exact') { if (y.path.startsWith(x.path)) add(y); }
      else if (x.path.startsWith(y.path)) add(x);
      else if (y.path.startsWith(x.path)) add(y);
    }
  }
  return [...out.values()];
}

/** Every string literal compared with a path field, in any polarity (for their ancestors). */
function collectLiterals(e: Expr, out: Set<string>): void {
  if (e.kind === 'and' || e.kind === 'or') for (const c of e.children) collectLiterals(c, out);
  else if (e.kind === 'not') collectLiterals(e.child, out);
  else if (e.kind === 'binary' && e.left.kind === 'field' && (PATH_FIELDS.has(e.left.name) || e.left.name === 'fd.directory' || e.left.name.startsWith('evt.arg') || e.left.name.startsWith('evt.rawarg'))) {
    for (const v of valuesOf(e) ?? []) if (v.startsWith('/')) out.add(v);
  }
}

/** The directories above `path` ('/a/b/c' -> '/', '/a', '/a/b'). */
function ancestors(path: string): string[] {
  const out = ['/'];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** Terms as the kernel holds them: one bit each (the last shared when there are too many),
 *  flags conditions grouped, path entries carrying the bits of every shorter entry that is a
 *  prefix of them (the kernel's trie answers with the longest match only). */
function encode(terms: Term[], literals: Set<string>): Omit<OpenPrefilterTable, 'closes' | 'consumers'> {
  const maxTerms = Number(ALWAYS_BIT); // bits 0 .. ALWAYS_BIT - 1
  const always = 1n << ALWAYS_BIT;
  const entries = new Map<string, { path: string; kind: PathSet['kind']; terms: bigint }>();
  const add = (path: string, kind: PathSet['kind'], bit: bigint): void => {
    const key = `${kind}:${path}`;
    const e = entries.get(key);
    if (e) e.terms |= bit;
    else entries.set(key, { path, kind, terms: bit });
  };
  const groups = new Map<number, bigint>();
  let anyPath = 0n;
  terms.forEach((t, i) => {
    const bit = 1n << BigInt(Math.min(i, maxTerms - 1));
    // a shared last bit may not keep a flags condition: another term sharing it has other ones
    const flags = i >= maxTerms - 1 && terms.length > maxTerms ? 0 : t.flags;
    groups.set(flags, (groups.get(flags) ?? 0n) | bit);
    if (t.paths === 'any') anyPath |= bit;
    else for (const p of t.paths) add(p.path, p.kind, bit);
  });
  add('/proc/', 'prefix', always);
  add('/proc', 'exact', always);
  for (const l of literals) for (const a of ancestors(l)) add(a, 'exact', always);
  groups.set(0, (groups.get(0) ?? 0n) | always);
  // more distinct flags conditions than the kernel tests: the extra ones lose their condition
  const byFlags = [...groups].sort(([a], [b]) => (a === 0 ? -1 : b === 0 ? 1 : a - b));
  while (byFlags.length > MAX_FLAG_GROUPS) {
    const [, t] = byFlags.pop()!;
    byFlags[0]![1] |= t;
  }
  const list = [...entries.values()];
  for (const e of list) {
    if (e.kind === 'base') continue;
    for (const p of list) if (p.kind === 'prefix' && p !== e && e.path.startsWith(p.path)) e.terms |= p.terms;
  }
  if (list.length > MAX_PATH_ENTRIES) {
    // too many entries for the trie: send every open (a table of one ALWAYS prefix, "/")
    return { paths: [{ path: '/', kind: 'prefix', terms: always }], anyPath: 0n, groups: [{ anyOf: 0, terms: always }] };
  }
  return { paths: list, anyPath, groups: byFlags.map(([anyOf, t]) => ({ anyOf, terms: t })) };
}
