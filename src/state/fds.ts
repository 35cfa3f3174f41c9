// File descriptors as libsinsp keeps them (fdinfo.h): one FdState per open fd in a per-process
// table, named the way fd.name shows them. Socket addresses are kept as text in client/server
// terms: cip:cport is the client end, sip:sport the server end, whichever side this process is.
import type { FdInfo, FdType, L4Proto, NamedPath } from './types.js';
import { PPM_EPOLL_CLOEXEC, PPM_O } from './ppm.js';

/** libsinsp's per-table limit (MAX_FD_TABLE_SIZE): fds beyond it are not tracked. */
export const MAX_FDS_PER_PROCESS = 4096;

/** libsinsp fd flags (sinsp_fdinfo::FLAGS_*) kept in FdState.flags. */
export const FD_FLAG = {
  FROM_PROC: 1 << 0,
  ROLE_CLIENT: 1 << 2,
  ROLE_SERVER: 1 << 3,
  SOCKET_CONNECTED: 1 << 13,
  IS_CLONED: 1 << 14,
  CONNECTION_PENDING: 1 << 15,
  CONNECTION_FAILED: 1 << 16,
} as const;

/** PPM_MFD_CLOEXEC: memfd_create's own close-on-exec bit (same value as PPM_EPOLL_CLOEXEC). */
const PPM_MFD_CLOEXEC = 1 << 0;

export class FdState implements FdInfo {
  type: FdType;
  /** The fd number in its table (libsinsp m_fd). */
  num = -1;
  /** See `name`. */
  private settled = '';
  /** The name is the text of the socket tuple, to be made when first read (nameFromTuple). */
  private pending = false;
  /** Bumped by every change of the name: an unchanged count means an unchanged name. */
  nameGen = 0;
  /** The decoded path the name is the text of (set by an open after naming the fd; any other
   *  change of the name unsets it). */
  namePath: NamedPath | undefined = undefined;
  nameRaw = '';
  /** For an fd an event creates, what fd.name_changed compares its name against once the name
   *  changed (nameGen is no longer 0): '' for a new fd, the original's name for a copy (clone);
   *  undefined for a copy of a name still to be made, which has no text to compare. */
  oldName: string | undefined = '';
  openFlags = 0;
  dev = 0;
  ino = 0;
  mountId = 0;
  flags = 0;
  /** For pidfds: the process it refers to. */
  pid = 0;
  // Socket data, on every fd: fds are reused (FdPool), so the size costs no allocation, and
  // the socket paths read and write these on every datagram.
  /** A bound server socket (libs SCAP_FD_IPV4/6_SERVSOCK): only sip/sport, the local address, mean something. */
  serverSocket = false;
  l4proto: L4Proto = undefined;
  /** Client end (libsinsp's tuple "source"). */
  cip: string | undefined = undefined;
  cport: number | undefined = undefined;
  /** Server end (libsinsp's tuple "destination"); for a server socket, the bound address. */
  sip: string | undefined = undefined;
  sport: number | undefined = undefined;
  unixPath: string | undefined = undefined;
  /** Kernel addresses of the two ends of a unix socket. */
  unixSource = 0n;
  unixDest = 0n;
  /** Also in another table (a thread group merge copied it): never reused (see FdPool.release). */
  aliased = false;

  constructor(type: FdType) {
    this.type = type;
  }

  /** Back to what `new FdState(type)` makes (every field above, as initialised there). */
  reinit(type: FdType): void {
    this.type = type;
    this.num = -1;
    this.settled = '';
    this.pending = false;
    this.nameGen = 0;
    this.namePath = undefined;
    this.nameRaw = '';
    this.oldName = '';
    this.openFlags = 0;
    this.dev = 0;
    this.ino = 0;
    this.mountId = 0;
    this.flags = 0;
    this.pid = 0;
    this.serverSocket = false;
    this.l4proto = undefined;
    this.cip = undefined;
    this.cport = undefined;
    this.sip = undefined;
    this.sport = undefined;
    this.unixPath = undefined;
    this.unixSource = 0n;
    this.unixDest = 0n;
    this.aliased = false;
  }

  /** fd.name: a path for files, "cip:cport->sip:sport" for connected sockets, a unix path ... */
  get name(): string {
    if (this.pending) {
      this.settled = ipSocketName(this);
      this.pending = false;
    }
    return this.settled;
  }

  set name(value: string) {
    this.settled = value;
    this.pending = false;
    this.nameGen++;
    this.namePath = undefined;
  }

  /**
   * The name is now the text of the socket tuple (sinsp_utils::sockinfo_to_str), as
   * `fd.name = ipSocketName(fd)` would set it, but made only when read: most socket names are
   * never read, yet tuples change on every datagram. The tuple fields must not change without
   * a new nameFromTuple() while it is pending (settleName() first otherwise).
   */
  nameFromTuple(): void {
    this.pending = true;
    this.nameGen++;
    this.namePath = undefined;
  }

  /** Makes a pending name now, from the tuple as it is (before fields change without a new name). */
  settleName(): void {
    if (this.pending) {
      this.settled = ipSocketName(this);
      this.pending = false;
    }
  }

  /** Whether the name is '' (a name to be made from the tuple never is), without making it. */
  get nameIsEmpty(): boolean {
    // Both fields read whatever their values: a branch the JIT never saw taken (a pending name
    // is the usual case for datagram sockets) would deoptimise the caller when first taken.
    return (this.settled.length | (this.pending ? 1 : 0)) === 0;
  }

  /** The name if it is made, undefined while pending (reading it costs nothing either way). */
  get settledName(): string | undefined {
    return this.pending ? undefined : this.settled;
  }

  /** Role as fd.is_server-style code reads it: true server, false client, undefined none. */
  get isServer(): boolean | undefined {
    if (this.flags & FD_FLAG.ROLE_SERVER) return true;
    if (this.flags & FD_FLAG.ROLE_CLIENT) return false;
    return undefined;
  }

  get connected(): boolean {
    return (this.flags & FD_FLAG.SOCKET_CONNECTED) !== 0;
  }

  /** sinsp_fdinfo::is_close_on_exec. */
  get cloexec(): boolean {
    if (this.openFlags & PPM_O.CLOEXEC) return true;
    if (this.type === 'eventpoll' && this.openFlags & PPM_EPOLL_CLOEXEC) return true;
    if (this.type === 'memfd' && this.openFlags & PPM_MFD_CLOEXEC) return true;
    return false;
  }

  get roleNone(): boolean {
    return (this.flags & (FD_FLAG.ROLE_CLIENT | FD_FLAG.ROLE_SERVER)) === 0;
  }

  setRoleServer(): void {
    this.flags |= FD_FLAG.ROLE_SERVER;
  }

  setRoleClient(): void {
    this.flags |= FD_FLAG.ROLE_CLIENT;
  }

  setConnected(): void {
    this.flags = (this.flags & ~(FD_FLAG.CONNECTION_PENDING | FD_FLAG.CONNECTION_FAILED)) | FD_FLAG.SOCKET_CONNECTED;
  }

  /** sinsp_fdinfo::clear_close_on_exec_bits: note it also clears bit 0 (PPM_O_RDONLY), as libsinsp does. */
  clearCloexecBits(): void {
    this.openFlags &= ~(PPM_O.CLOEXEC | PPM_EPOLL_CLOEXEC | PPM_MFD_CLOEXEC);
  }

  isTcp(): boolean {
    return this.type === 'ipv4' && !this.serverSocket && this.l4proto === 'tcp';
  }

  isUdp(): boolean {
    return this.type === 'ipv4' && !this.serverSocket && this.l4proto === 'udp';
  }

  /** An ipv4/ipv6 socket that is not a bound server socket (SCAP_FD_IPV4_SOCK / IPV6_SOCK). */
  isIpSocket(): boolean {
    return (this.type === 'ipv4' || this.type === 'ipv6') && !this.serverSocket;
  }

  /**
   * A copy for dup/fork (sinsp_fdinfo::clone): same name, so an event that adds the copy as its
   * fd has not changed its name (its nameGen is 0). A name still to be made from the tuple stays
   * so in the copy, made from the copy's own tuple (the same) when read: a fork copies every fd.
   * `pool`: where the copy comes from (a new fd without one).
   */
  clone(pool?: FdPool): FdState {
    const c = pool !== undefined ? pool.take(this.type) : new FdState(this.type);
    c.num = this.num;
    c.settled = this.settled;
    c.pending = this.pending;
    c.namePath = this.namePath;
    c.nameRaw = this.nameRaw;
    c.oldName = this.pending ? undefined : this.settled;
    c.openFlags = this.openFlags;
    c.dev = this.dev;
    c.ino = this.ino;
    c.mountId = this.mountId;
    c.flags = this.flags;
    c.pid = this.pid;
    c.serverSocket = this.serverSocket;
    c.l4proto = this.l4proto;
    c.cip = this.cip;
    c.cport = this.cport;
    c.sip = this.sip;
    c.sport = this.sport;
    c.unixPath = this.unixPath;
    c.unixSource = this.unixSource;
    c.unixDest = this.unixDest;
    return c;
  }
}

/** Closed fds a pool keeps at most. */
const FREE_FDS_MAX = 256;

/**
 * Closed fds, kept for the next fd an event creates: half the events of a busy process open or
 * close an fd, and allocating each one anew made most of the garbage the collector then had to
 * sweep. One pool per state parser (its own fds, nothing shared between parsers in a process):
 * only fds the parser removed on close come here, once the close event is over; an fd that two
 * tables share is never reused.
 */
export class FdPool {
  private readonly free: FdState[] = [];

  /** A fresh fd of `type`: a reused closed one when there is one. */
  take(type: FdType): FdState {
    const fd = this.free.pop();
    if (fd === undefined) return new FdState(type);
    fd.reinit(type);
    return fd;
  }

  /** Hands a closed fd, no longer in any table and no longer looked at, back for reuse. */
  release(fd: FdState): void {
    if (!fd.aliased && this.free.length < FREE_FDS_MAX) this.free.push(fd);
  }
}

/** Fds below this sit in an array; processes open and close low fds all the time, and a Map's
 *  set/delete churn (deleted entries, rehashes) costs ten times an array slot. */
const LOW_FDS = 1024;

/**
 * The per-process fd table: a Map to its users, stored as an array for low fds and the Map
 * itself for the rest. Iteration gives the low fds in numeric order, then the others in
 * insertion order.
 */
export class FdTable extends Map<number, FdState> {
  private readonly low: (FdState | undefined)[] = [];
  private lowCount = 0;
  /** super.size, kept here: Map's own getter is a runtime call from a subclass. */
  private highCount = 0;

  override get size(): number {
    return this.lowCount + this.highCount;
  }

  /**
   * Whether `pred` holds for any fd (low fds in numeric order, then the others), with no
   * snapshot or iterator: for the per-event paths (the socket role guess).
   */
  some(pred: (fd: FdState) => boolean): boolean {
    const low = this.low;
    for (let i = 0; i < low.length; i++) {
      const fd = low[i];
      if (fd !== undefined && pred(fd)) return true;
    }
    if (this.highCount > 0) for (const fd of super.values()) if (pred(fd)) return true;
    return false;
  }

  override get(num: number): FdState | undefined {
    return num >= 0 && num < LOW_FDS ? this.low[num] : super.get(num);
  }

  override has(num: number): boolean {
    return num >= 0 && num < LOW_FDS ? this.low[num] !== undefined : super.has(num);
  }

  override set(num: number, fd: FdState): this {
    if (num >= 0 && num < LOW_FDS) {
      const low = this.low;
      while (low.length <= num) low.push(undefined); // grown densely: a holey jump would make it a dictionary
      if (low[num] === undefined) this.lowCount++;
      low[num] = fd;
      return this;
    }
    super.set(num, fd);
    this.highCount = super.size;
    return this;
  }

  override delete(num: number): boolean {
    if (num >= 0 && num < LOW_FDS) {
      if (this.low[num] === undefined) return false;
      this.low[num] = undefined;
      this.lowCount--;
      return true;
    }
    const deleted = super.delete(num);
    this.highCount = super.size;
    return deleted;
  }

  override clear(): void {
    this.low.length = 0;
    this.lowCount = 0;
    super.clear();
    this.highCount = 0;
  }

  /**
   * Calls `fn` for every fd (low fds in numeric order, then the others), walking the table itself:
   * no snapshot and no pair per fd, for the paths that walk whole tables (fork, exec). `fn` may
   * delete the fd in hand; an fd deleted before its turn is not visited, one added may be.
   */
  override forEach(fn: (fd: FdState, num: number, table: Map<number, FdState>) => void, thisArg?: unknown): void {
    const low = this.low;
    for (let i = 0; i < low.length; i++) {
      const fd = low[i];
      if (fd !== undefined) fn.call(thisArg, fd, i, this);
    }
    if (this.highCount > 0) super.forEach((fd, num) => fn.call(thisArg, fd, num, this));
  }

  override entries(): MapIterator<[number, FdState]> {
    return this.iterate((num, fd): [number, FdState] => [num, fd]);
  }

  override keys(): MapIterator<number> {
    return this.iterate((num) => num);
  }

  override values(): MapIterator<FdState> {
    return this.iterate((_num, fd) => fd);
  }

  override [Symbol.iterator](): MapIterator<[number, FdState]> {
    return this.entries();
  }

  /** A snapshot of the entries, iterated: generators cost several times an array iterator.
   *  Fds removed during the walk are still visited; callers only delete the entry in hand. The
   *  per-event and per-process paths use some() and forEach(), which allocate nothing per fd. */
  private iterate<T>(pick: (num: number, fd: FdState) => T): MapIterator<T> {
    const out: T[] = [];
    const low = this.low;
    for (let i = 0; i < low.length; i++) {
      const fd = low[i];
      if (fd !== undefined) out.push(pick(i, fd));
    }
    if (this.highCount > 0) for (const [num, fd] of super.entries()) out.push(pick(num, fd));
    return out[Symbol.iterator]();
  }
}

/** Adds (or replaces) fd `num` in `table`; returns undefined when the table is full (libsinsp drops it). */
export function addFd(table: FdTable, num: number, fd: FdState): FdState | undefined {
  fd.num = num;
  // The size first: only a full table needs the extra lookup.
  if (table.size >= MAX_FDS_PER_PROCESS && !table.has(num)) return undefined;
  table.set(num, fd);
  return fd;
}

/** fd.l4proto as sinsp_fdinfo::get_l4proto: raw always shows, otherwise no value without a role. */
export function fdL4proto(fd: FdInfo): L4Proto {
  if (fd.type !== 'ipv4' && fd.type !== 'ipv6') return undefined;
  if (fd.serverSocket) return fd.l4proto;
  if (fd.l4proto === 'raw') return 'raw';
  if (fd.isServer === undefined) return undefined;
  return fd.l4proto;
}

/** An address with its port: "ip:port" (ipv4serveraddr_to_string / ipv6serveraddr_to_string). */
export function addrName(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** Port numbers as text, made once each: socket names are built for many events. */
const PORT_TEXTS: Array<string | undefined> = new Array<string | undefined>(65536).fill(undefined);
function portText(port: number): string {
  return port >= 0 && port < 65536 ? (PORT_TEXTS[port] ??= String(port)) : String(port);
}

/** fd.name of an ip socket from its tuple (sinsp_utils::sockinfo_to_str). */
export function ipSocketName(fd: FdState): string {
  return socketName(fd.type, fd.l4proto, fd.cip, fd.cport, fd.sip, fd.sport);
}

/** ipSocketName of the fields given one by one (a tuple remembered from before a change). */
export function socketName(type: FdType, l4proto: L4Proto, cip0: string | undefined, cport: number | undefined, sip0: string | undefined, sport: number | undefined): string {
  const cip = cip0 ?? (type === 'ipv6' ? '::' : '0.0.0.0');
  const sip = sip0 ?? (type === 'ipv6' ? '::' : '0.0.0.0');
  switch (l4proto) {
    case 'tcp':
    case 'udp':
      return cip + ':' + portText(cport ?? 0) + '->' + sip + ':' + portText(sport ?? 0);
    case 'icmp':
      return `${cip}->${sip}`;
    case 'raw':
      // libsinsp prints raw ipv6 sockets as unknown.
      return type === 'ipv4' ? `${cip}->${sip}` : '<unknown>';
    default:
      return '<unknown>';
  }
}

/** A fresh socket fd of `type` with an all-zero tuple, as parse_socket_exit leaves it; from
 *  `pool` when given. */
export function newIpSocket(type: 'ipv4' | 'ipv6', l4proto: L4Proto, pool?: FdPool): FdState {
  const fd = pool !== undefined ? pool.take(type) : new FdState(type);
  const zero = type === 'ipv4' ? '0.0.0.0' : '::';
  fd.l4proto = l4proto;
  fd.cip = zero;
  fd.sip = zero;
  fd.cport = 0;
  fd.sport = 0;
  return fd;
}

/** No address: unset, empty or all zeros. */
const isZeroIp = (ip: string | undefined): boolean => ip === undefined || ip === '0.0.0.0' || ip === '::' || ip === '';

/**
 * Stores a (client, server) tuple on an ip socket, as update_ipv4_addresses_and_ports does:
 * nothing changes when the tuple is already there in either direction; the client end is
 * always written; the server end only when unset or when `overwriteServer`. Returns whether
 * anything changed.
 */
export function setSocketTuple(fd: FdState, cip: string, cport: number, sip: string, sport: number, overwriteServer: boolean): boolean {
  if (fd.isIpSocket()) {
    if ((cip === fd.cip && cport === fd.cport && sip === fd.sip && sport === fd.sport) ||
        (sip === fd.cip && sport === fd.cport && cip === fd.sip && cport === fd.sport)) {
      return false;
    }
  }
  let changed = false;
  if (fd.cip !== cip) {
    fd.cip = cip;
    changed = true;
  }
  if (fd.cport !== cport) {
    fd.cport = cport;
    changed = true;
  }
  if (isZeroIp(fd.sip) || (overwriteServer && fd.sip !== sip)) {
    fd.sip = sip;
    changed = true;
  }
  if (!fd.sport || (overwriteServer && fd.sport !== sport)) {
    fd.sport = sport;
    changed = true;
  }
  return changed;
}

/** Exchanges the two ends of a socket tuple (sinsp_parser::swap_addresses). */
export function swapSocketEnds(fd: FdState): void {
  const ip = fd.cip;
  const port = fd.cport;
  fd.cip = fd.sip;
  fd.cport = fd.sport;
  fd.sip = ip;
  fd.sport = port;
}
