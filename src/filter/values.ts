// Right-hand-side constants parsed once, at compile time, into the form the comparison needs,
// with libsinsp's messages for values that do not fit the field type.
import { readFileSync } from 'node:fs';
import { ipv4ToInt, ipv6ToWords, type IpNet } from './fields/net.js';

export class ValueError extends Error {
  override name = 'ValueError';
}

/** Integer in decimal (sscanf %d semantics: optional blanks and sign). */
export function parseNumber(s: string): number {
  if (!/^\s*[+-]?\d+$/.test(s)) throw new ValueError(`${s} is not a valid number`);
  return Number(s);
}

export function parseBigInt(s: string): bigint {
  if (!/^\s*[+-]?\d+$/.test(s)) throw new ValueError(`${s} is not a valid number`);
  return BigInt(s.trim());
}

export function parseBool(s: string): boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ValueError(`filter error: unrecognized boolean value ${s}`);
}

let services: Map<string, number> | undefined;

/** A port: digits, or a service name from /etc/services (as getservbyname). */
export function parsePort(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (!services) {
    services = new Map();
    try {
      for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
        const m = /^([^\s#]+)\s+(\d+)\//.exec(line);
        if (m && !services.has(m[1]!)) services.set(m[1]!, Number(m[2]));
      }
    } catch {
      // no services database: names are simply unknown
    }
  }
  const p = services.get(s);
  if (p === undefined) throw new ValueError(`unrecognized protocol ${s}`);
  return p;
}

/** An IP address in canonical text form (IPv6 normalised so equal addresses compare equal). */
export function parseIp(s: string): string {
  if (s.includes('.') && !s.includes(':')) {
    if (ipv4ToInt(s) < 0) throw new ValueError(`unrecognized IPv4 address ${s}`);
    return s;
  }
  const w = ipv6ToWords(s);
  if (!w) throw new ValueError(`unrecognized IP address ${s}`);
  return s;
}

/** A network a.b.c.d/len or an IPv6 prefix; a bare address is a /32 (/128) as libsinsp. */
export function parseNet(s: string): IpNet {
  const slash = s.indexOf('/');
  if (slash < 0) throw new ValueError(`unrecognized IP network ${s}`);
  const addr = s.slice(0, slash);
  const bits = Number(s.slice(slash + 1));
  if (!/^\d+$/.test(s.slice(slash + 1))) throw new ValueError(`unrecognized IP network ${s}`);
  if (!addr.includes(':')) {
    const base = ipv4ToInt(addr);
    if (base < 0 || bits > 32) throw new ValueError(`unrecognized IP network ${s}`);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v: 4, base, mask };
  }
  const words = ipv6ToWords(addr);
  if (!words || bits > 128) throw new ValueError(`unrecognized IP network ${s}`);
  return { v: 6, words, bits };
}

/** bcontains / bstartswith operands: an even-length hex string. */
export function parseHex(s: string): Buffer {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new ValueError('filter error: bcontains and bstartswith operator support hex strings only');
  }
  return Buffer.from(s, 'hex');
}
