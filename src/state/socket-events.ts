// Socket state from events (sinsp_parser add_socket, parse_bind_exit, parse_connect_exit,
// parse_accept_exit, and the tuple discovery of parse_read_exit / parse_write_exit): which kind
// of socket an fd is, its client and server ends, its role, and the name fd.name shows.
import type { EventView } from '../events/index.js';
import type { L4Proto } from './types.js';
import { EV } from './parsed-events.js';
import { type FdPool, type FdState, newIpSocket, setSocketTuple, swapSocketEnds, type FdTable } from './fds.js';
import { completeTuple, type NetworkInterfaces } from './interfaces.js';
import type { EventHandler, HandlerParser } from './event-handler.js';
import { IPPROTO, PPM_AF, PPM_O, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from './ppm.js';
import {
  decodeSockTupleAt, decodeValidSockAddr, isSockAddrValid, tupleText, unixTupleName, validSockAddrText,
  type SockTuple,
} from './sockaddr.js';
import type { Thread } from './threads.js';

/** -EINPROGRESS: a non-blocking connect still counts as connected. */
const EINPROGRESS = -115;

/** Decodes the SOCKTUPLE parameter i of `evt` in place into the parser's `p.sockTuple`;
 *  undefined when it is empty, too short for its family, or of another family. */
function paramTuple(p: HandlerParser, evt: EventView, i: number): SockTuple | undefined {
  const len = evt.paramLength(i);
  return len === 0 ? undefined : decodeSockTupleAt(evt.buf, evt.paramOffset(i), len, p.sockTuple);
}

/** The fd a socket() of this domain/type/protocol creates (sinsp_parser::add_socket). */
function newSocket(pool: FdPool, domain: number, type: number, protocol: number, flags: number): FdState {
  let fd: FdState;
  if (domain === PPM_AF.UNIX) {
    fd = pool.take('unix');
  } else if (domain === PPM_AF.INET || domain === PPM_AF.INET6) {
    let l4: L4Proto;
    if (protocol === IPPROTO.TCP) l4 = type === SOCK_RAW ? 'raw' : 'tcp';
    else if (protocol === IPPROTO.UDP) l4 = type === SOCK_RAW ? 'raw' : 'udp';
    else if (protocol === IPPROTO.IP) {
      // The type may carry SOCK_NONBLOCK/SOCK_CLOEXEC in its upper bits.
      if ((type & 0xff) === SOCK_STREAM) l4 = 'tcp';
      else if ((type & 0xff) === SOCK_DGRAM) l4 = 'udp';
    } else if (protocol === IPPROTO.ICMP) l4 = type === SOCK_RAW ? 'raw' : 'icmp';
    else if (protocol === IPPROTO.RAW) l4 = 'raw';
    fd = newIpSocket(domain === PPM_AF.INET ? 'ipv4' : 'ipv6', l4, pool);
  } else if (domain === PPM_AF.NETLINK) {
    fd = pool.take('netlink');
  } else {
    fd = pool.take('unknown');
  }
  fd.openFlags = flags;
  return fd;
}

export function parseSocket(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  const fdNum = evt.int(0);
  if (fdNum < 0 || t === undefined) return;
  p.addEventFd(t, fdNum, newSocket(p.fdPool, evt.uint(1), evt.uint(2), evt.uint(3), evt.uint(4)));
}

export function parseBind(p: HandlerParser, evt: EventView): void {
  const fd = p.ctx.fd;
  if (fd === undefined || evt.int(0) < 0) return;
  const raw = evt.bytes(1);
  if (!isSockAddrValid(raw)) return;
  const a = decodeValidSockAddr(raw);
  if (a !== undefined && (a.family === PPM_AF.INET || a.family === PPM_AF.INET6) && a.port > 0) {
    // A bound port makes it a server socket: only the local address is known.
    fd.type = a.family === PPM_AF.INET || a.mapped ? 'ipv4' : 'ipv6';
    fd.serverSocket = true;
    fd.sip = a.ip;
    fd.sport = a.port;
    fd.cip = undefined;
    fd.cport = undefined;
    fd.setRoleServer();
  }
  fd.name = validSockAddrText(raw, a);
}

/** Fills a client socket from a connect tuple (sinsp_parser::fill_client_socket_info). */
function fillClientSocket(fd: FdState, tu: SockTuple): void {
  if (tu.family === PPM_AF.INET || tu.family === PPM_AF.INET6) {
    fd.type = tu.family === PPM_AF.INET6 && !tu.mapped ? 'ipv6' : 'ipv4';
    if (fd.serverSocket) resetServerSocket(fd);
    const changed = setSocketTuple(fd, tu.sip, tu.sport, tu.dip, tu.dport, true);
    // A udp server that connects: its end is the server end.
    if (changed && fd.isServer === true && fd.isUdp()) swapSocketEnds(fd);
    fd.nameFromTuple();
  } else {
    if (fd.type !== 'unix') return;
    setUnixEnds(fd, tu);
    fd.name = unixTupleName(tu.source, tu.dest, tu.path);
  }
  if (fd.roleNone) fd.setRoleClient();
}

/** The kernel addresses of a unix tuple's two ends, and its path. */
function setUnixEnds(fd: FdState, tu: SockTuple): void {
  fd.unixSource = tu.source;
  fd.unixDest = tu.dest;
  fd.unixPath = tu.path;
}

/** A bound server socket turning into a connected one starts from an empty tuple. */
function resetServerSocket(fd: FdState): void {
  fd.serverSocket = false;
  const zero = fd.type === 'ipv6' ? '::' : '0.0.0.0';
  fd.cip = zero;
  fd.cport = 0;
  fd.sip = zero;
  fd.sport = 0;
}

export function parseConnect(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  const fd = p.ctx.fd;
  if (t === undefined || fd === undefined) return;
  const res = evt.int(0);
  if (res < 0 && res !== EINPROGRESS) return;
  fd.setConnected();
  // Without the enter event's address (drivers no longer send it), the exit tuple is the source.
  // An invalid tuple, or one of another family, leaves the fd as it is.
  const tu = paramTuple(p, evt, 1);
  if (tu !== undefined) fillClientSocket(fd, tu);
}

export function parseAccept(p: HandlerParser, evt: EventView, t: Thread | undefined): void {
  if (t === undefined) return;
  const fdNum = evt.int(0);
  if (fdNum < 0) return;
  p.ctx.fdNum = fdNum;
  const tu = paramTuple(p, evt, 1);
  if (tu === undefined) return;
  let fd: FdState;
  if (tu.family === PPM_AF.INET || tu.family === PPM_AF.INET6) {
    fd = p.fdPool.take(tu.family === PPM_AF.INET || tu.mapped ? 'ipv4' : 'ipv6');
    fd.l4proto = 'tcp';
    fd.cip = tu.sip;
    fd.cport = tu.sport;
    fd.sip = tu.dip;
    fd.sport = tu.dport;
    fd.nameFromTuple(); // the tuple's text: cip:cport->sip:sport
  } else {
    // paramTuple gives inet, inet6 or unix tuples only.
    fd = p.fdPool.take('unix');
    setUnixEnds(fd, tu);
    fd.name = unixTupleName(tu.source, tu.dest, tu.path);
  }
  fd.openFlags = evt.type === EV.ACCEPT4_X ? evt.int(5) & PPM_O.CLOEXEC : 0;
  fd.setRoleServer();
  fd.setConnected();
  p.addEventFd(t, fdNum, fd);
}

/** Reads carry a tuple that names a datagram socket (parse_read_exit / parse_write_exit). */
export function tupleOnIo(tupleIndex: number, incoming: boolean): EventHandler {
  return (p, evt, t) => {
    const type = evt.type;
    if ((type === EV.RECVMMSG_X || type === EV.SENDMMSG_X) && evt.paramLength(0) === 0) return;
    if (!incoming && t !== undefined && p.ctx.fd === undefined && tupleIndex >= 0) inferSendSocket(p, evt, t);
    const fd = p.ctx.fd;
    if (fd === undefined || t === undefined) return;
    if (evt.int(0) < 0) return;
    if (fd.isIpSocket()) fd.setConnected();
    if (tupleIndex < 0 || !(fd.nameIsEmpty || !fd.isTcp())) return;
    const tu = paramTuple(p, evt, tupleIndex);
    if (tu === undefined || !updateFdFromTuple(fd, tu, p.ctx.state.interfaces)) return;
    if (fd.isIpSocket()) {
      if (fd.roleNone) guessRole(t, fd, incoming);
      if (incoming ? fd.isServer === false : fd.isServer === true) swapSocketEnds(fd);
      fd.nameFromTuple();
    } else {
      fd.name = tupleText(tu);
    }
  };
}

/** A send on an fd we never saw created: assume a UDP socket of the tuple's family. */
function inferSendSocket(p: HandlerParser, evt: EventView, t: Thread): void {
  if (evt.type !== EV.SEND_X && evt.type !== EV.SENDTO_X && evt.type !== EV.SENDMSG_X) return;
  if (evt.int(0) < 0 || !evt.hasParam(4)) return;
  const num = evt.int(2);
  const family = evt.buf[evt.paramOffset(4)];
  if (family !== PPM_AF.INET && family !== PPM_AF.INET6) return;
  p.addEventFd(t, num, newSocket(p.fdPool, family, SOCK_DGRAM, IPPROTO.UDP, 0));
}

/** Applies a read/write tuple to a socket fd (sinsp_parser::update_fd); false when nothing new. */
function updateFdFromTuple(fd: FdState, tu: SockTuple, ifs: NetworkInterfaces): boolean {
  if (tu.family === PPM_AF.UNIX) {
    fd.type = 'unix';
    setUnixEnds(fd, tu);
    fd.name = tu.path;
    return true;
  }
  const toIpv4 = tu.family === PPM_AF.INET || tu.mapped;
  // These change the tuple even when it then turns out to bring nothing new, leaving the name as
  // it was: a name still to be made from the tuple is made first.
  if ((toIpv4 && fd.type !== 'ipv4') || fd.serverSocket) fd.settleName();
  if (toIpv4) fd.type = 'ipv4';
  if (fd.serverSocket) resetServerSocket(fd);
  // update_fd overwrites the destination (set_*_addresses_and_ports' default): a sendto with an
  // explicit address on a connected UDP socket names that address (libs master, the field oracle).
  if (!setSocketTuple(fd, tu.sip, tu.sport, tu.dip, tu.dport, true)) return false;
  // A changing peer is not TCP: without a known protocol, assume UDP.
  if (fd.isIpSocket() && fd.l4proto === undefined) fd.l4proto = 'udp';
  // An incomplete tuple (a datagram from an unbound socket) gets the local interface's address.
  if (fd.isIpSocket()) completeTuple(fd, ifs);
  return true;
}

/** sinsp_fdinfo::set_net_role_by_guessing: whoever owns the server port is the server. */
function guessRole(t: Thread, fd: FdState, incoming: boolean): void {
  const fds = t.shared.fds;
  if (!boundToPort(fds, fd.sport ?? 0)) {
    fd.setRoleClient();
    return;
  }
  if (!usesClientPort(fds, fd.cport ?? 0)) {
    fd.setRoleServer();
    return;
  }
  if (fd.roleNone) {
    if (incoming) fd.setRoleServer();
    else fd.setRoleClient();
  }
}

function boundToPort(fds: FdTable, port: number): boolean {
  // A connected socket's server port, or a bound server socket's port.
  return fds.some((fd) => fd.type === 'ipv4' && fd.sport === port);
}

function usesClientPort(fds: FdTable, port: number): boolean {
  return fds.some((fd) => fd.type === 'ipv4' && !fd.serverSocket && fd.cport === port);
}
