// Address helpers for fd.* network fields: IPv4/IPv6 parsing into comparable forms, CIDR
// membership, the local-interface test behind fd.lip/fd.rip, and the name cache behind fd.*ip.name.
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { localInterfaces, v4 } from '../../state/interfaces.js';

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

/** libsinsp's locality test: an IPv4 interface address, or an IPv6 address in an interface's /64. */
export function isLocalAddress(ip: string): boolean {
  return localInterfaces().isLocal(ip);
}

/**
 * Names used in fd.*ip.name checks. libsinsp's DNS manager resolves exactly those names and maps
 * addresses back to them; here too. Resolution runs only once a live agent asks for it
 * (startNameResolution), so validating or replaying rules never waits on DNS.
 *
 * Like getaddrinfo, a name's addresses come from /etc/hosts and from DNS (A and AAAA). DNS goes
 * through c-ares on the event loop rather than getaddrinfo on libuv's thread pool: rules watch
 * dozens of public mining-pool names, which take seconds each where outside DNS is unreachable,
 * and blocked getaddrinfo calls can be neither cancelled nor left behind at exit (libuv joins its
 * threads), while c-ares queries are bounded and stopNameResolution cancels them.
 */
const addrToName = new Map<string, string>();
const names = new Set<string>();
let resolver: Resolver | undefined;
let hosts: Map<string, string[]> | undefined;
let refresher: NodeJS.Timeout | undefined;

/** /etc/hosts as name -> addresses (lower-case names). */
export function parseHostsFile(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const [addr, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (addr === undefined || addr === '' || aliases.length === 0) continue;
    for (const n of aliases) {
      const key = n.toLowerCase();
      const list = out.get(key) ?? [];
      if (!list.includes(addr)) list.push(addr);
      out.set(key, list);
    }
  }
  return out;
}

async function resolveName(name: string): Promise<void> {
  const r = resolver;
  if (r === undefined) return;
  for (const a of hosts?.get(name.toLowerCase()) ?? []) addrToName.set(a, name);
  // An unresolvable name simply matches nothing; a cancelled query ends the same way.
  const answers = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
  for (const a of answers) if (a.status === 'fulfilled') for (const ip of a.value) addrToName.set(ip, name);
}

/** The names fd.*ip.name comparisons asked for so far. */
export function watchedHostNames(): ReadonlySet<string> {
  return names;
}

export function watchHostName(name: string): void {
  if (names.has(name)) return;
  names.add(name);
  if (resolver !== undefined) void resolveName(name);
}

export interface NameResolutionOptions {
  /** Refresh period (default 60 s); the timer does not keep the process alive. */
  periodMs?: number;
  /** Default /etc/hosts. */
  hostsFile?: string;
  /** DNS servers ("addr[:port]"); default the system's (resolv.conf). */
  servers?: string[];
}

/** Resolves the watched names now, those watched later at once, and all of them periodically. */
export function startNameResolution(opts: NameResolutionOptions = {}): void {
  if (resolver !== undefined) return;
  resolver = new Resolver({ timeout: 2000, tries: 2 });
  if (opts.servers !== undefined) resolver.setServers(opts.servers);
  try {
    hosts = parseHostsFile(readFileSync(opts.hostsFile ?? '/etc/hosts', 'utf8'));
  } catch {
    hosts = new Map();
  }
  const all = () => {
    for (const n of names) void resolveName(n);
  };
  all();
  refresher = setInterval(all, opts.periodMs ?? 60_000);
  refresher.unref();
}

/** Cancels the queries under way and stops refreshing; the names resolved so far stay known. */
export function stopNameResolution(): void {
  clearInterval(refresher);
  refresher = undefined;
  resolver?.cancel();
  resolver = undefined;
}

export function nameOfAddress(ip: string): string | undefined {
  return addrToName.get(ip);
}
