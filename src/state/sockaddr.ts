// Decoding of the packed socket addresses the drivers put in SOCKADDR and SOCKTUPLE parameters
// (libsinsp packed_data.h), and the address text libsinsp prints for them.
//
//   sockaddr:  family u8 | inet: ip[4] port u16 | inet6: ip[16] port u16 | unix: path NUL
//   socktuple: family u8 | inet: sip[4] sport dip[4] dport | inet6: sip[16] sport dip[16] dport
//              | unix: source u64, dest u64 (kernel socket pointers), path NUL
// IPs are in network byte order, ports in host (little-endian) order. For a socket tuple the
// source is always the client and the destination the server (connect and accept alike).
import { PPM_AF } from './ppm.js';

/**
 * Dotted quads already built, by their first three bytes then the last: a socket event carries
 * two addresses and a busy host talks to few, so most texts come from here instead of being
 * built again. Keys stay small integers (no number allocated for a lookup); bounded.
 */
const IPV4_TEXTS = new Map<number, Array<string | undefined>>();
const IPV4_PREFIXES_MAX = 4096;

/** IPv4 address as dotted quad from 4 bytes at `off`. */
export function ipv4At(b: Uint8Array, off: number): string {
  const prefix = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
  let row = IPV4_TEXTS.get(prefix);
  if (row === undefined) {
    if (IPV4_TEXTS.size >= IPV4_PREFIXES_MAX) IPV4_TEXTS.clear();
    row = new Array<string | undefined>(256).fill(undefined);
    IPV4_TEXTS.set(prefix, row);
  }
  const last = b[off + 3]!;
  return (row[last] ??= `${b[off]}.${b[off + 1]}.${b[off + 2]}.${last}`);
}

/** True for ::ffff:a.b.c.d and for :: (libsinsp treats the all-zero address as IPv4 too). */
function isIpv4MappedAt(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  if (b[off + 10] === 0xff && b[off + 11] === 0xff) return true;
  return b[off + 10] === 0 && b[off + 11] === 0 && b[off + 12] === 0 && b[off + 13] === 0 && b[off + 14] === 0 && b[off + 15] === 0;
}

/** IPv6 address text from 16 bytes at `off`, formatted as glibc's inet_ntop does. */
export function ipv6At(b: Uint8Array, off: number): string {
  const words = new Array<number>(8);
  for (let i = 0; i < 8; i++) words[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // The longest run of two or more zero words is shown as '::' (the first one on a tie).
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // An embedded IPv4 address: ::a.b.c.d (compatible) or ::ffff:a.b.c.d (mapped).
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += ipv4At(b, off + 12);
      return out;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** A decoded socket tuple: client (source) and server (destination) ends. */
export interface SockTuple {
  family: number;
  /** For inet/inet6: the source (client) and destination (server) addresses and ports. */
  sip: string;
  sport: number;
  dip: string;
  dport: number;
  /** For inet6 tuples where both ends are IPv4-mapped: true, and sip/dip are dotted quads. */
  mapped: boolean;
  /** For unix tuples: kernel socket addresses and the peer path. */
  source: bigint;
  dest: bigint;
  path: string;
}

/** Decoded socket address (bind/connect `addr`). */
export interface SockAddr {
  family: number;
  ip: string;
  port: number;
  mapped: boolean;
  path: string;
}

function cString(b: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && b[stop] !== 0) stop++;
  return Buffer.from(b.buffer, b.byteOffset + start, stop - start).toString('utf8');
}

/** Whether a SOCKTUPLE parameter is long enough for its family (sinsp_utils::is_socktuple_valid). */
function isSockTupleValid(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  switch (b[0]) {
    case PPM_AF.INET: return b.length >= 13;
    case PPM_AF.INET6: return b.length >= 37;
    case PPM_AF.UNIX: return b.length >= 18 && b[b.length - 1] === 0;
    default: return true;
  }
}

/** Whether a SOCKADDR parameter is long enough for its family (sinsp_utils::is_sockaddr_valid). */
export function isSockAddrValid(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  switch (b[0]) {
    case PPM_AF.INET: return b.length >= 7;
    case PPM_AF.INET6: return b.length >= 19;
    case PPM_AF.UNIX: return b.length >= 2 && b[b.length - 1] === 0;
    default: return true;
  }
}

function port(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

function u64(b: Uint8Array, off: number): bigint {
  return Buffer.from(b.buffer, b.byteOffset + off, 8).readBigUInt64LE(0);
}

/** A SockTuple to decode into. */
export function newSockTuple(): SockTuple {
  return { family: 0, sip: '', sport: 0, dip: '', dport: 0, mapped: false, source: 0n, dest: 0n, path: '' };
}

/** Decodes a SOCKTUPLE parameter; undefined when it is empty, short, or of another family. */
export function decodeSockTuple(b: Uint8Array): SockTuple | undefined {
  return decodeSockTupleAt(b, 0, b.length, newSockTuple());
}

/**
 * decodeSockTuple of the `len` bytes at b[o..] into `t` (every field set): for the per-event
 * paths, which reuse one tuple and read the event's buffer in place.
 */
export function decodeSockTupleAt(b: Uint8Array, o: number, len: number, t: SockTuple): SockTuple | undefined {
  if (len === 0) return undefined;
  const family = b[o]!;
  if (family === PPM_AF.INET ? len < 13 : family === PPM_AF.INET6 ? len < 37 : family === PPM_AF.UNIX ? len < 18 || b[o + len - 1] !== 0 : false) {
    return undefined;
  }
  t.family = family;
  t.mapped = false;
  t.source = 0n;
  t.dest = 0n;
  t.path = '';
  if (family === PPM_AF.INET) {
    t.sip = ipv4At(b, o + 1);
    t.sport = port(b, o + 5);
    t.dip = ipv4At(b, o + 7);
    t.dport = port(b, o + 11);
  } else if (family === PPM_AF.INET6) {
    t.sport = port(b, o + 17);
    t.dport = port(b, o + 35);
    if (isIpv4MappedAt(b, o + 1) && isIpv4MappedAt(b, o + 19)) {
      t.mapped = true;
      t.sip = ipv4At(b, o + 13);
      t.dip = ipv4At(b, o + 31);
    } else {
      t.sip = ipv6At(b, o + 1);
      t.dip = ipv6At(b, o + 19);
    }
  } else if (family === PPM_AF.UNIX) {
    t.sip = '';
    t.sport = 0;
    t.dip = '';
    t.dport = 0;
    t.source = u64(b, o + 1);
    t.dest = u64(b, o + 9);
    t.path = cString(b, o + 17, o + len);
  } else {
    return undefined;
  }
  return t;
}

/** The text of a decoded tuple, as sockTupleText gives it. */
export function tupleText(t: SockTuple): string {
  if (t.family === PPM_AF.UNIX) return unixTupleName(t.source, t.dest, t.path);
  return `${t.sip}:${t.sport}->${t.dip}:${t.dport}`;
}

/** Decodes a SOCKADDR parameter; undefined when it is empty, short, or of another family. */
export function decodeSockAddr(b: Uint8Array): SockAddr | undefined {
  return isSockAddrValid(b) ? decodeValidSockAddr(b) : undefined;
}

/** decodeSockAddr of a parameter isSockAddrValid accepted. */
export function decodeValidSockAddr(b: Uint8Array): SockAddr | undefined {
  const family = b[0]!;
  const a: SockAddr = { family, ip: '', port: 0, mapped: false, path: '' };
  if (family === PPM_AF.INET) {
    a.ip = ipv4At(b, 1);
    a.port = port(b, 5);
  } else if (family === PPM_AF.INET6) {
    a.port = port(b, 17);
    if (isIpv4MappedAt(b, 1)) {
      a.mapped = true;
      a.ip = ipv4At(b, 13);
    } else {
      a.ip = ipv6At(b, 1);
    }
  } else if (family === PPM_AF.UNIX) {
    a.path = cString(b, 1, b.length);
  } else {
    return undefined;
  }
  return a;
}

/** Text of a SOCKADDR as libsinsp renders it (PF_SIMPLE): "ip:port", the unix path, "family N". */
export function sockAddrText(b: Uint8Array): string {
  if (b.length === 0) return '<NA>';
  if (!isSockAddrValid(b)) return b[0] === PPM_AF.UNIX ? 'INVALID PATH' : b[0] === PPM_AF.INET ? 'INVALID IPv4' : b[0] === PPM_AF.INET6 ? 'INVALID IPv6' : 'INVALID SOCKADDR';
  return validSockAddrText(b, decodeValidSockAddr(b));
}

/** sockAddrText of a valid SOCKADDR `b` already decoded into `a` (decodeValidSockAddr). */
export function validSockAddrText(b: Uint8Array, a: SockAddr | undefined): string {
  if (a === undefined) return `family ${b[0]}`;
  if (a.family === PPM_AF.UNIX) return a.path;
  // An IPv4-mapped sockaddr still prints in IPv6 notation (ipv6serveraddr_to_string).
  if (a.family === PPM_AF.INET6) return `${a.mapped ? ipv6At(b, 1) : a.ip}:${a.port}`;
  return `${a.ip}:${a.port}`;
}

/** Text of a SOCKTUPLE as libsinsp renders it: "sip:sport->dip:dport", or "src->dst path" (hex) for unix. */
export function sockTupleText(b: Uint8Array): string {
  if (b.length === 0) return 'NULL';
  const t = decodeSockTuple(b);
  if (t === undefined) {
    if (!isSockTupleValid(b)) return b[0] === PPM_AF.UNIX ? 'INVALID PATH' : b[0] === PPM_AF.INET ? 'INVALID IPv4' : b[0] === PPM_AF.INET6 ? 'INVALID IPv6' : 'INVALID SOCKTUPLE';
    return `family ${b[0]}`;
  }
  return tupleText(t);
}

/** The fd name libsinsp gives a connected unix socket: "<source hex>-><dest hex> <path>". */
export function unixTupleName(source: bigint, dest: bigint, path: string): string {
  return `${source.toString(16)}->${dest.toString(16)} ${path}`;
}

/** Network-order bytes of an IPv4 ("a.b.c.d") or IPv6 address; throws on anything else. */
export function ipBytes(ip: string): Uint8Array {
  if (ip.includes(':')) {
    let head = ip;
    let tail4: number[] = [];
    const lastColon = ip.lastIndexOf(':');
    if (ip.slice(lastColon + 1).includes('.')) {
      tail4 = [...ipBytes(ip.slice(lastColon + 1))];
      head = ip.slice(0, lastColon + 1) + '0:0';
    }
    const [l, r] = head.split('::') as [string, string | undefined];
    const left = l === '' ? [] : l.split(':');
    const right = r === undefined || r === '' ? [] : r.split(':');
    const fill = r === undefined ? 0 : 8 - left.length - right.length;
    const words = [...left, ...new Array<string>(fill).fill('0'), ...right].map((w) => Number.parseInt(w, 16));
    if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) throw new Error(`bad IPv6 address ${ip}`);
    const out = new Uint8Array(16);
    words.forEach((w, i) => {
      out[2 * i] = w >> 8;
      out[2 * i + 1] = w & 0xff;
    });
    if (tail4.length === 4) out.set(tail4, 12);
    return out;
  }
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return Uint8Array.from(parts);
}

function portBytes(port: number): number[] {
  return [port & 0xff, (port >> 8) & 0xff];
}

/** Encodes a SOCKADDR parameter: an "ip" (v4 or v6) and port, or a unix path. */
export function encodeSockAddr(a: { ip: string; port: number } | { path: string }): Buffer {
  if ('path' in a) return Buffer.concat([Buffer.from([PPM_AF.UNIX]), Buffer.from(a.path + '\0')]);
  const ip = ipBytes(a.ip);
  return Buffer.from([ip.length === 4 ? PPM_AF.INET : PPM_AF.INET6, ...ip, ...portBytes(a.port)]);
}

/** Encodes a SOCKTUPLE parameter: client (source) and server (destination) ends, or a unix pair. */
export function encodeSockTuple(t: { sip: string; sport: number; dip: string; dport: number } | { source: bigint; dest: bigint; path: string }): Buffer {
  if ('path' in t) {
    const b = Buffer.alloc(17);
    b[0] = PPM_AF.UNIX;
    b.writeBigUInt64LE(t.source, 1);
    b.writeBigUInt64LE(t.dest, 9);
    return Buffer.concat([b, Buffer.from(t.path + '\0')]);
  }
  const s = ipBytes(t.sip);
  const d = ipBytes(t.dip);
  return Buffer.from([s.length === 4 ? PPM_AF.INET : PPM_AF.INET6, ...s, ...portBytes(t.sport), ...d, ...portBytes(t.dport)]);
}
