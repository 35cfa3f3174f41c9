// Parameter rendering as libsinsp does it (sinsp_evt::get_param_as_str): every parameter has a raw
// string and, for some types, a resolved one (errno names, flag names, fd names, user names ...).
// evt.arg.X is the resolved string when there is one, else the raw one; evt.args is
// `name=raw(resolved)` per parameter. State (threads, fds, users) comes in through ParamResolver;
// without it only the stateless resolutions are made.
import { PF, PT, type ParamType, type PrintFormat } from './event-info.js';
import type { EventView } from './event-view.js';
import { EVENT_TABLE } from './event-table.js';
import { errnoName, signalName } from './errno.js';
import { renderEnum, renderFlags, renderMode, flagTable } from './flags.js';
import { DYN_TABLES } from './libs-facts.js';
import { syscallName, SYSCALL_MAX } from './syscall-codes.js';

/** How an fd is shown inside `<...>`: typechar ('f', 'd', '4t' = ipv4 tcp, 'u', 'p' ...) and name. */
interface FdDescription {
  typechar: string;
  name: string;
}

/** The state lookups rendering needs; all optional, supplied by src/state. */
export interface ParamResolver {
  /** The fd `fd` of the event's thread. */
  fdInfo?(fd: number): FdDescription | undefined;
  /** comm of thread `pid`. */
  comm?(pid: number): string | undefined;
  userName?(uid: number): string | undefined;
  groupName?(gid: number): string | undefined;
  /** The event thread's working directory, ending with '/'. */
  cwd?(): string | undefined;
  /** The path of directory fd `fd` of the event's thread. */
  dirfdPath?(fd: number): string | undefined;
}

export interface RenderOptions {
  /** Truncate BYTEBUF renderings longer than this with '...' (sysdig uses 80 unless -v); 0 = never. */
  maxBufLen?: number;
}

const AT_FDCWD = -100;
const PPM_AF_UNIX = 1;
const PPM_AF_INET = 2;
const PPM_AF_INET6 = 10;
const UINT32_MAX = 0xffffffff;

/** Raw and resolved strings of one parameter; `resolved` is '' when there is none. */
export interface RenderedParam {
  raw: string;
  resolved: string;
}

// Scratch result reused by the hot path (evt.arg.X / evt.args) so rendering allocates only strings.
const scratch: RenderedParam = { raw: '', resolved: '' };

/**
 * Parameter `i` of `evt` as a string. `resolved` = false gives the raw form (evt.rawarg-like text);
 * true gives the resolved form when one exists, else the raw one (evt.arg.X).
 */
export function renderParam(evt: EventView, i: number, resolved: boolean, resolver?: ParamResolver, opts?: RenderOptions): string {
  const r = renderParamParts(evt, i, resolver, opts, scratch);
  return resolved && r.resolved !== '' ? r.resolved : r.raw;
}

const GENERIC_E = 0;
const GENERIC_X = 1;
const ASYNCEVENT_E = 402;

/** Names of the async events Saker knows: the container plugin's (its async capability, macros.h). */
export const ASYNC_EVENT_NAMES: ReadonlySet<string> = new Set(['container', 'container_removed']);

/**
 * evt.type: the event table name; for generic syscall events the syscall's name (ppm_sc); for an
 * async event the name it carries, e.g. the container plugin's "container" (libs: evt.type is then
 * evt.asynctype, sinsp_filtercheck_event.cpp TYPE_TYPE).
 */
export function eventName(evt: EventView): string {
  if ((evt.type === GENERIC_X || evt.type === GENERIC_E) && evt.nparams > 0 && evt.paramLength(0) === 2) {
    const n = syscallName(evt.buf.readUInt16LE(evt.paramOffset(0)));
    if (n) return n;
  }
  if (evt.type === ASYNCEVENT_E && evt.nparams > 1) return evt.str(1);
  return evt.info.name;
}

/** evt.args: `name=raw` or `name=raw(resolved)` for every parameter, separated by spaces. */
export function renderArgs(evt: EventView, resolver?: ParamResolver, opts?: RenderOptions): string {
  // Generic syscall events carry only internal ids: libsinsp prints no arguments for them.
  if (evt.type === GENERIC_X || evt.type === GENERIC_E) return '';
  const params = evt.info.params;
  let out = '';
  // Parameters the live sensor appends past libs' (an open's kernel path) are not arguments.
  const n = params.length > 0 ? Math.min(evt.nparams, params.length) : evt.nparams;
  for (let i = 0; i < n; i++) {
    const r = renderParamParts(evt, i, resolver, opts, scratch);
    const name = params[i]?.name ?? `arg${i}`;
    const item = r.resolved !== '' ? `${name}=${r.raw}(${r.resolved})` : `${name}=${r.raw}`;
    out = i === 0 ? item : `${out} ${item}`;
  }
  return out;
}

/** Raw and resolved strings of parameter `i`, written into `out` (a fresh object if omitted). */
export function renderParamParts(
  evt: EventView,
  i: number,
  resolver?: ParamResolver,
  opts?: RenderOptions,
  out: RenderedParam = { raw: '', resolved: '' },
): RenderedParam {
  out.raw = '';
  out.resolved = '';
  const info = evt.info.params[i];
  if (!info || i >= evt.nparams) return out;
  const off = evt.paramOffset(i);
  const len = evt.paramLength(i);
  if (len === 0 || (isStringType(info.type) && isLegacyNull(evt.buf, off, len))) {
    out.raw = emptyRendering(info.type);
    return out;
  }
  let type: ParamType = info.type;
  let start = off;
  let size = len;
  if (type === PT.DYN && typeof info.info === 'string') {
    const variants = DYN_TABLES[info.info];
    const idx = evt.buf[off]!;
    if (variants && idx < variants.length) {
      type = variants[idx]![0];
      start = off + 1;
      size = len - 1;
    }
  }
  renderValue(evt, i, info.fmt, info.info, type, start, size, resolver, opts, out);
  return out;
}

function isStringType(t: ParamType): boolean {
  return t === PT.CHARBUF || t === PT.FSPATH || t === PT.FSRELPATH;
}

// Old drivers wrote "(NULL)" for a NULL string pointer; libsinsp shows both that and "" as <NA>.
function isLegacyNull(b: Buffer, off: number, len: number): boolean {
  return len === 7 && b[off] === 0x28 && b.toString('latin1', off, off + 6) === '(NULL)' && b[off + 6] === 0;
}

// An empty parameter, as libs master prints it: NULL for the types that could be empty before
// the scap converter made every type possibly empty, <NA> for the rest, an empty address included
// (libs userspace/libsinsp/event.cpp, sinsp_evt::get_param_as_str; sysdig 0.29 printed an empty
// buffer as nothing and an empty address as NULL).
function emptyRendering(t: ParamType): string {
  switch (t) {
    case PT.BYTEBUF: case PT.SOCKTUPLE: case PT.FDLIST: case PT.CHARBUFARRAY: case PT.CHARBUF_PAIR_ARRAY: case PT.DYN:
      return 'NULL';
    default:
      return '<NA>';
  }
}

function renderValue(
  evt: EventView, i: number, fmt: PrintFormat, info: string | number | undefined, type: ParamType,
  off: number, len: number, resolver: ParamResolver | undefined, opts: RenderOptions | undefined, out: RenderedParam,
): void {
  const b = evt.buf;
  switch (type) {
    case PT.INT8: case PT.INT16: case PT.INT32: case PT.INT64:
      out.raw = formatInt(readInt(b, off, len), fmt, len < 4 ? 4 : len, true);
      return;
    case PT.UINT8: case PT.UINT16: case PT.UINT32:
      out.raw = formatInt(BigInt(readUint(b, off, len)), fmt, 4, false);
      return;
    case PT.UINT64:
      // libsinsp prints UINT64 through int64_t: values >= 2^63 come out negative in decimal.
      out.raw = formatInt(readInt(b, off, len), fmt, 8, true);
      return;
    case PT.ERRNO: {
      const v = readInt(b, off, len);
      // libs master prints ERRNO in decimal whatever its print format (event.cpp PT_ERRNO), mmap's
      // PF_HEX res included (sysdig 0.29 had it as a hex UINT64).
      out.raw = v.toString();
      if (v < 0n) out.resolved = errnoName(Number(BigInt.asIntN(32, v)));
      return;
    }
    case PT.FD: {
      const fd = Number(readInt(b, off, len));
      out.raw = String(fd);
      if (fd >= 0) {
        const d = resolver?.fdInfo?.(fd);
        if (d) out.resolved = `<${d.typechar}>${d.name}`;
      } else if (fd === AT_FDCWD) {
        out.resolved = 'AT_FDCWD';
      } else {
        out.resolved = errnoName(fd | 0);
      }
      return;
    }
    case PT.PID: {
      const pid = Number(readInt(b, off, len));
      out.raw = String(pid);
      out.resolved = resolver?.comm?.(pid) ?? '';
      return;
    }
    case PT.CHARBUF:
      out.raw = cString(b, off, len);
      return;
    case PT.FSPATH: case PT.FSRELPATH:
      out.raw = cString(b, off, len);
      if (resolver?.cwd && out.raw !== '<NA>' && out.raw !== '' && out.raw[0] !== '/') {
        const base = baseDir(evt, i, type, info, resolver);
        out.resolved = base === undefined ? '' : concatenatePaths(base, out.raw);
      }
      return;
    case PT.BYTEBUF:
      out.raw = bytesToDots(b, off, len, opts?.maxBufLen ?? 0);
      return;
    case PT.SOCKADDR:
      out.raw = sockaddrToString(b, off, len);
      return;
    case PT.SOCKTUPLE:
      out.raw = socktupleToString(b, off, len);
      return;
    case PT.FDLIST:
      out.raw = resolver ? fdlistToString(b, off, len, resolver) : '';
      return;
    case PT.SYSCALLID: {
      const sc = readUint(b, off, len);
      if (sc >= SYSCALL_MAX) {
        out.raw = '<unknown syscall>';
        return;
      }
      out.raw = String(sc);
      out.resolved = syscallName(sc);
      return;
    }
    case PT.SIGTYPE: {
      const sig = b[off]!;
      out.raw = String(sig);
      out.resolved = signalName(sig);
      return;
    }
    case PT.RELTIME: {
      const v = readUint64(b, off, len);
      if (v === 0xffffffffffffffffn) {
        out.raw = 'none';
        return;
      }
      out.raw = v.toString();
      out.resolved = `${formatG(Number(v) / 1e9)}s`;
      return;
    }
    case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32:
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: {
      const width = type === PT.FLAGS8 || type === PT.ENUMFLAGS8 ? 1 : type === PT.FLAGS16 || type === PT.ENUMFLAGS16 ? 2 : 4;
      const v = readUint(b, off, Math.min(width, len));
      out.raw = String(v);
      const table = typeof info === 'string' ? flagTable(info) : undefined;
      if (table) out.resolved = type >= PT.ENUMFLAGS8 ? renderEnum(table, v) : renderFlags(table, v);
      return;
    }
    case PT.MODE: {
      const v = readUint(b, off, len);
      out.raw = formatInt(BigInt(v), fmt, 4, false);
      const table = typeof info === 'string' ? flagTable(info) : undefined;
      if (table) out.resolved = renderMode(table, v);
      return;
    }
    case PT.ABSTIME:
      out.raw = formatAbsTime(readUint64(b, off, len));
      return;
    case PT.UID: case PT.GID: {
      const v = readUint(b, off, len);
      if (v === UINT32_MAX) {
        out.raw = '-1';
        out.resolved = '<NONE>';
        return;
      }
      out.raw = String(v | 0);
      const name = type === PT.UID ? resolver?.userName?.(v) : resolver?.groupName?.(v);
      out.resolved = name ? name : '<NA>';
      return;
    }
    case PT.CHARBUFARRAY:
      out.raw = cStrings(b, off, len).join('.');
      return;
    case PT.CHARBUF_PAIR_ARRAY: {
      const s = cStrings(b, off, len);
      const pairs: string[] = [];
      for (let k = 0; k + 1 < s.length; k += 2) pairs.push(`${s[k]}:${s[k + 1]}`);
      out.raw = pairs.join(',');
      return;
    }
    case PT.SIGSET: {
      const v = readUint(b, off, len);
      const names: string[] = [];
      for (let sig = 0; sig < 32; sig++) {
        if (v & (1 << sig)) {
          const n = signalName(sig + 1);
          if (n) names.push(n);
        }
      }
      out.raw = names.join(' ');
      return;
    }
    case PT.DYN:
      out.raw = 'INVALID DYNAMIC PARAMETER';
      return;
    default:
      // libsinsp has no rendering for the remaining types (BOOL, DOUBLE, IPV4ADDR, PORT ...).
      out.raw = '(n.a.)';
  }
}

// ---- numbers ----

/**
 * evt.rawarg.X as libs prints it when the parameter's print format is not plain decimal
 * (sinsp_filter_check::rawval_to_string with the parameter's own type and format): PF_HEX in
 * upper-case hex (brk's and mmap's res: 55DB0DE73000), PF_OCT in octal without a leading 0,
 * PF_10_PADDED_DEC in nine digits for 64-bit types. Undefined otherwise: the typed value's own
 * text is then what libs prints. Output only (filters compare the typed value).
 */
export function rawArgText(evt: EventView, i: number): string | undefined {
  const info = evt.info.params[i];
  if (!info || i >= evt.nparams) return undefined;
  const fmt = info.fmt;
  if (fmt !== PF.HEX && fmt !== PF.OCT && fmt !== PF['10_PADDED_DEC']) return undefined;
  const len = evt.paramLength(i);
  if (len === 0) return undefined;
  const v = readInt(evt.buf, evt.paramOffset(i), len);
  let bits: number;
  let signed: boolean;
  switch (info.type) {
    // Types up to 32 bits reach printf promoted to int: hex and octal show 32-bit two's complement.
    case PT.INT8: case PT.INT16: case PT.INT32:
      bits = 32;
      signed = true;
      break;
    case PT.INT64: case PT.PID: case PT.ERRNO: case PT.FD:
      bits = 64;
      signed = true;
      break;
    case PT.UINT8: case PT.UINT16: case PT.UINT32: case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32:
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.PORT: case PT.L4PROTO:
      bits = 32;
      signed = false;
      break;
    case PT.UINT64: case PT.RELTIME: case PT.ABSTIME:
      bits = 64;
      signed = false;
      break;
    default:
      return undefined;
  }
  const u = BigInt.asUintN(signed ? bits : Math.min(bits, len * 8), v);
  if (fmt === PF.HEX) return u.toString(16).toUpperCase();
  if (fmt === PF.OCT) return u.toString(8);
  // %09 PRId64 / PRIu64: only the 64-bit types have a padded format in libs.
  if (bits !== 64) return undefined;
  const n = signed ? v : u;
  return n < 0n ? `-${(-n).toString().padStart(8, '0')}` : n.toString().padStart(9, '0');
}

function readInt(b: Buffer, off: number, len: number): bigint {
  switch (len) {
    case 1: return BigInt(b.readInt8(off));
    case 2: return BigInt(b.readInt16LE(off));
    case 4: return BigInt(b.readInt32LE(off));
    default: return len >= 8 ? b.readBigInt64LE(off) : 0n;
  }
}

function readUint(b: Buffer, off: number, len: number): number {
  switch (len) {
    case 1: return b[off]!;
    case 2: return b.readUInt16LE(off);
    case 3: return b.readUInt16LE(off);
    default: return len >= 4 ? b.readUInt32LE(off) : 0;
  }
}

function readUint64(b: Buffer, off: number, len: number): bigint {
  return len >= 8 ? b.readBigUInt64LE(off) : BigInt(readUint(b, off, len));
}

/**
 * printf of a value with libsinsp's numeric print formats: %d, %X (upper hex, no prefix), %#o
 * (octal with a leading 0), %09d. Hex and octal show negative values as two's complement of the
 * promoted C type (`bytes` wide: 4 for types up to int32, 8 for 64-bit).
 */
function formatInt(v: bigint, fmt: PrintFormat, bytes: number, signed: boolean): string {
  switch (fmt) {
    case PF.HEX:
      return BigInt.asUintN(bytes * 8, v).toString(16).toUpperCase();
    case PF.OCT: {
      const u = BigInt.asUintN(bytes * 8, v);
      return u === 0n ? '0' : `0${u.toString(8)}`;
    }
    case PF['10_PADDED_DEC']: {
      const s = (signed ? v : BigInt.asUintN(bytes * 8, v)).toString();
      return v < 0n ? `-${s.slice(1).padStart(8, '0')}` : s.padStart(9, '0');
    }
    default:
      return (signed ? v : BigInt.asUintN(bytes * 8, v)).toString();
  }
}

/** C's %g (6 significant digits, trailing zeros dropped, exponent form outside 1e-4..1e6). */
export function formatG(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(x)));
  let s = x.toPrecision(6);
  const e = Number(/e([+-]\d+)$/.exec(s)?.[1] ?? exp);
  if (e < -4 || e >= 6) {
    const [mantissa, ex] = x.toExponential(5).split('e') as [string, string];
    let m = mantissa;
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const n = Number(ex);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  s = x.toFixed(Math.max(0, 5 - e));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

function formatAbsTime(ns: bigint): string {
  const d = new Date(Number(ns / 1000000n));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(Number(ns % 1000000000n), 9)}`;
}

// ---- strings and buffers ----

/** The string up to the first NUL (C's %s). */
function cString(b: Buffer, off: number, len: number): string {
  let end = b.indexOf(0, off);
  if (end < 0 || end > off + len) end = off + len;
  return b.toString('utf8', off, end);
}

function cStrings(b: Buffer, off: number, len: number): string[] {
  const out: string[] = [];
  let p = off;
  const end = off + len;
  while (p < end) {
    let z = b.indexOf(0, p);
    if (z < 0 || z > end) z = end;
    out.push(b.toString('utf8', p, z));
    p = z + 1;
  }
  return out;
}

/** BYTEBUF in libsinsp's default format: printable ASCII kept, everything else as '.'. */
function bytesToDots(b: Buffer, off: number, len: number, maxLen = 0): string {
  let n = len;
  let truncated = false;
  if (maxLen > 0 && len > maxLen) {
    n = maxLen;
    truncated = true;
  }
  let s = '';
  const CHUNK = 4096;
  const tmp = Buffer.allocUnsafe(Math.min(n, CHUNK));
  for (let p = 0; p < n; p += CHUNK) {
    const m = Math.min(CHUNK, n - p);
    for (let k = 0; k < m; k++) {
      const c = b[off + p + k]!;
      tmp[k] = c >= 0x20 && c <= 0x7e ? c : 0x2e;
    }
    s += tmp.toString('latin1', 0, m);
  }
  if (truncated && n > 3) s = `${s.slice(0, n - 3)}...`;
  return s;
}

// ---- sockets ----

function ipv4(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** inet_ntop(AF_INET6) text: lowercase, longest zero run (>= 2 groups) as '::', v4-mapped tail. */
export function ipv6(b: Buffer, off: number): string {
  const g: number[] = [];
  for (let k = 0; k < 8; k++) g.push(b.readUInt16BE(off + 2 * k));
  let bestStart = -1;
  let bestLen = 0;
  for (let k = 0; k < 8;) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k > bestLen) {
      bestStart = k;
      bestLen = j - k;
    }
    k = j;
  }
  if (bestLen < 2) bestStart = -1;
  // ::ffff:a.b.c.d and ::a.b.c.d forms as glibc prints them
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${ipv4(b, off + 12)}`;
  }
  const parts: string[] = [];
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      parts.push(k === 0 ? ':' : '');
      k += bestLen - 1;
      if (k === 7) parts.push('');
      continue;
    }
    parts.push(g[k]!.toString(16));
  }
  return parts.join(':');
}

function isV4Mapped(b: Buffer, off: number): boolean {
  for (let k = 0; k < 10; k++) if (b[off + k] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
}

function sockaddrToString(b: Buffer, off: number, len: number): string {
  const family = b[off]!;
  switch (family) {
    case PPM_AF_UNIX:
      return len > 1 ? cString(b, off + 1, len - 1) : 'INVALID PATH';
    case PPM_AF_INET:
      return len === 7 ? `${ipv4(b, off + 1)}:${b.readUInt16LE(off + 5)}` : 'INVALID IPv4';
    case PPM_AF_INET6:
      return len === 19 ? `${ipv6(b, off + 1)}:${b.readUInt16LE(off + 17)}` : 'INVALID IPv6';
    default:
      return `family ${family}`;
  }
}

function socktupleToString(b: Buffer, off: number, len: number): string {
  const family = b[off]!;
  switch (family) {
    case PPM_AF_INET:
      if (len !== 13) return 'INVALID IPv4';
      return `${ipv4(b, off + 1)}:${b.readUInt16LE(off + 5)}->${ipv4(b, off + 7)}:${b.readUInt16LE(off + 11)}`;
    case PPM_AF_INET6: {
      if (len !== 37) return 'INVALID IPv6';
      const sport = b.readUInt16LE(off + 17);
      const dport = b.readUInt16LE(off + 35);
      if (isV4Mapped(b, off + 1) && isV4Mapped(b, off + 19)) {
        return `${ipv4(b, off + 13)}:${sport}->${ipv4(b, off + 31)}:${dport}`;
      }
      return `${ipv6(b, off + 1)}:${sport}->${ipv6(b, off + 19)}:${dport}`;
    }
    case PPM_AF_UNIX: {
      if (len < 17) return 'INVALID PATH';
      const src = b.readBigUInt64LE(off + 1).toString(16);
      const dst = b.readBigUInt64LE(off + 9).toString(16);
      return `${src}->${dst} ${cString(b, off + 17, len - 17)}`;
    }
    default:
      return `family ${family}`;
  }
}

function fdlistToString(b: Buffer, off: number, len: number, resolver: ParamResolver): string {
  if (len < 2) return '';
  const n = b.readUInt16LE(off);
  const parts: string[] = [];
  for (let k = 0, p = off + 2; k < n && p + 10 <= off + len; k++, p += 10) {
    const fd = b.readBigInt64LE(p);
    const tc = resolver.fdInfo?.(Number(fd))?.typechar[0] ?? '?';
    parts.push(`${BigInt.asUintN(64, fd)}:${tc}${(b.readInt16LE(p + 8) >>> 0).toString(16)}`);
  }
  return parts.join(' ');
}

// ---- paths ----

function baseDir(evt: EventView, i: number, type: ParamType, info: string | number | undefined, resolver: ParamResolver): string | undefined {
  const cwd = resolver.cwd?.();
  if (type !== PT.FSRELPATH || typeof info !== 'number' || info >= evt.nparams) return cwd;
  const dirInfo = EVENT_TABLE[evt.type]?.params[info];
  if (!dirInfo || dirInfo.type !== PT.FD || evt.paramLength(info) !== 8) return cwd;
  const dirfd = evt.int(info);
  if (dirfd === AT_FDCWD) return cwd;
  const p = resolver.dirfdPath?.(dirfd);
  return p === undefined || p === '' ? undefined : p.endsWith('/') ? p : `${p}/`;
}

/**
 * base + relative path, normalised the way libsinsp does: '.' segments dropped, '..' pops a
 * segment (never above '/'), repeated '/' collapsed. An absolute `path` is returned normalised.
 */
export function concatenatePaths(base: string, path: string): string {
  const full = path.startsWith('/') ? path : base + path;
  const segs: string[] = [];
  for (const s of full.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const trailing = full.endsWith('/') && segs.length > 0 ? '/' : '';
  return `/${segs.join('/')}${trailing}`;
}
