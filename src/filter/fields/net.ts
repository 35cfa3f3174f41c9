// Address helpers for fd.* network fields: IPv4/IPv6 parsing into comparable forms, CIDR
// membership.
import { v4 } from '../../state/interfaces.js';

/** An IPv4 address as an unsigned 32-bit number, or -1 when `s` is not a dotted quad (the state's parser). */
export const ipv4ToInt = v4;

/** Expands an IPv6 address to 8 hextets (numbers), or undefined when invalid. */
export function ipv6ToWords(s: string): number[] | undefined {
  let str = s;
  const v4tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4tail) {
    const v4 = ipv4ToInt(v4tail[2]!);
    if (v4 < 0) return undefined;
    str = `${v4tail[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const parse = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    for (const h of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(h)) return undefined;
      out.push(parseInt(h, 16));
    }
    return out;
  };
  const dbl = str.indexOf('::');
  if (dbl < 0) {
    const all = parse(str);
    return all && all.length === 8 ? all : undefined;
  }
  if (dbl !== str.lastIndexOf('::')) return undefined;
  const head = parse(str.slice(0, dbl));
  const rest = parse(str.slice(dbl + 2));
  if (!head || !rest || head.length + rest.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

/** A parsed network: IPv4 (base/mask as numbers) or IPv6 (words + prefix length). */
export type IpNet = { v: 4; base: number; mask: number } | { v: 6; words: number[]; bits: number };

export function netContains(net: IpNet, ip: string): boolean {
  if (net.v === 4) {
    const n = ipv4ToInt(ip);
    return n >= 0 && ((n & net.mask) >>> 0) === ((net.base & net.mask) >>> 0);
  }
  const w = ipv6ToWords(ip);
  if (!w) return false;
  let bits = net.bits;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const m = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((w[i]! & m) !== (net.words[i]! & m)) return false;
  }
  return true;
}

/** Two textual addresses denote the same IP (IPv6 in any spelling). */
export function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.includes(':') && b.includes(':')) {
    const x = ipv6ToWords(a);
    const y = ipv6ToWords(b);
    return !!x && !!y && x.every((v, i) => v === y[i]);
  }
  return false;
}
