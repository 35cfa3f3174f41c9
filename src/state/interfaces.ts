// This machine's network interfaces, as libsinsp's sinsp_network_interfaces keeps them: they
// decide which end of a socket is local (fd.lip / fd.rip / fd.is_server) and fill in the missing
// local address of a datagram tuple (update_fd). A capture brings its own list (its interface
// block); live, the host's interfaces are read on first use.
import { networkInterfaces as osInterfaces } from 'node:os';
import { ipBytes } from './sockaddr.js';

export interface InterfaceAddress {
  family: 'ipv4' | 'ipv6';
  addr: string;
  /** IPv4 netmask (dotted quad); unused for IPv6, where the first 64 bits make the subnet. */
  netmask?: string;
}

interface V4 {
  text: string;
  addr: number;
  mask: number;
}

interface V6 {
  text: string;
  bytes: Uint8Array;
}

const LOOPBACK_V4 = 0x7f000001;
const V6_LOOPBACK = ipBytes('::1');

/** Dotted quad → unsigned 32-bit number (network order as a number), or -1. Runs for every
 *  socket event that asks whether an end is local: plain decimal quads are read without
 *  allocating; anything else goes the general way. */
export function v4(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return v4General(ip);
    } else if (c === 46 && digits > 0 && part <= 255 && dots < 3) {
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return v4General(ip);
    }
  }
  if (dots !== 3 || digits === 0 || part > 255) return v4General(ip);
  return n * 256 + part;
}

function v4General(ip: string): number {
  const p = ip.split('.');
  if (p.length !== 4) return -1;
  let n = 0;
  for (const s of p) {
    const x = Number(s);
    if (!Number.isInteger(x) || x < 0 || x > 255 || s === '') return -1;
    n = n * 256 + x;
  }
  return n;
}

function v6(ip: string): Uint8Array | undefined {
  try {
    const b = ipBytes(ip);
    return b.length === 16 ? b : undefined;
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n = 16): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class NetworkInterfaces {
  private v4s: V4[] = [];
  private v6s: V6[] = [];
  /** inferIpv4 answers by destination: datagram sockets ask it for every new peer. */
  private readonly inferred4 = new Map<string, string>();

  constructor(list: readonly InterfaceAddress[] = []) {
    this.set(list);
  }

  /** Replaces the list (libsinsp import_interfaces). */
  set(list: readonly InterfaceAddress[]): void {
    this.v4s = [];
    this.v6s = [];
    this.inferred4.clear();
    for (const i of list) {
      if (i.family === 'ipv4') {
        const addr = v4(i.addr);
        if (addr >= 0) this.v4s.push({ text: i.addr, addr, mask: Math.max(0, v4(i.netmask ?? '255.255.255.255')) });
      } else {
        const bytes = v6(i.addr);
        if (bytes !== undefined) this.v6s.push({ text: i.addr, bytes });
      }
    }
  }

  /**
   * True when `ip` is this machine's: an IPv4 address equal to an interface's, or an IPv6
   * address in an interface's /64 (is_ipv4addr_in_local_machine / is_ipv6addr_in_local_machine).
   */
  isLocal(ip: string): boolean {
    if (ip.includes(':')) {
      const b = v6(ip);
      if (b === undefined) return false;
      for (const i of this.v6s) if (sameBytes(i.bytes, b, 8)) return true;
      return false;
    }
    const n = v4(ip);
    for (const i of this.v4s) if (i.addr === n) return true;
    return false;
  }

  /** The local address a socket talking to `dest` most likely has (infer_ipv4_address). */
  inferIpv4(dest: string): string {
    let local = this.inferred4.get(dest);
    if (local === undefined) {
      if (this.inferred4.size >= 1024) this.inferred4.clear();
      local = this.inferIpv4Uncached(dest);
      this.inferred4.set(dest, local);
    }
    return local;
  }

  private inferIpv4Uncached(dest: string): string {
    const d = v4(dest);
    for (const i of this.v4s) if (i.addr === d) return i.text;
    for (const i of this.v4s) if (((i.addr & i.mask) >>> 0) === ((d & i.mask) >>> 0)) return i.text;
    for (const i of this.v4s) if (i.addr !== LOOPBACK_V4) return i.text;
    return '0.0.0.0';
  }

  /** infer_ipv6_address: exact match, then same /64, then the first non-loopback interface. */
  inferIpv6(dest: string): string {
    const d = v6(dest) ?? new Uint8Array(16);
    for (const i of this.v6s) if (sameBytes(i.bytes, d)) return i.text;
    for (const i of this.v6s) if (sameBytes(i.bytes, d, 8)) return i.text;
    for (const i of this.v6s) if (!sameBytes(i.bytes, V6_LOOPBACK)) return i.text;
    return '::';
  }
}

/** The host's interfaces, read now (a live state reads them on first use). */
export function hostInterfaces(): NetworkInterfaces {
  const list: InterfaceAddress[] = [];
  for (const addrs of Object.values(osInterfaces())) {
    for (const a of addrs ?? []) {
      // Node gives IPv6 link-local addresses a %zone suffix; libsinsp keeps the bare address.
      const addr = a.address.replace(/%.*$/, '');
      list.push(a.family === 'IPv4' ? { family: 'ipv4', addr, netmask: a.netmask } : { family: 'ipv6', addr });
    }
  }
  return new NetworkInterfaces(list);
}

const isZero = (ip: string | undefined): boolean => ip === undefined || ip === '0.0.0.0' || ip === '::' || ip === '';

/**
 * Completes an IP socket tuple that lacks one address (sinsp_network_interfaces::update_fd): a
 * datagram sent from an unbound socket has no source, so the interface that would carry it is
 * assumed. `t` holds the client end (cip/cport, libsinsp's source) and the server end (sip/sport).
 */
export function completeTuple(t: { type: string; cip?: string; cport?: number; sip?: string; sport?: number }, ifs: NetworkInterfaces): void {
  if (t.type !== 'ipv4' && t.type !== 'ipv6') return;
  if (!isZero(t.cip) && !isZero(t.sip)) return;
  const v4 = t.type === 'ipv4';
  if (isZero(t.cip)) {
    const guess = v4 ? ifs.inferIpv4(t.sip ?? '0.0.0.0') : ifs.inferIpv6(t.sip ?? '::');
    if (guess === t.sip && t.cport === t.sport) return;
    t.cip = guess;
    return;
  }
  const guess = v4 ? ifs.inferIpv4(t.cip ?? '0.0.0.0') : ifs.inferIpv6(t.cip ?? '::');
  if (guess === t.cip && t.cport === t.sport) return;
  t.sip = guess;
}
