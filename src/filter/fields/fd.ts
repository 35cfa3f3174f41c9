// fd.* fields: the file descriptor the event is about (libsinsp's "last event fd").
// Available only for events that create, use or destroy an fd; when the fd is not in the table
// (a failed open), name and type come from the event itself, as libsinsp does.
import { EF } from '../../events/index.js';
import { EV, basenameOf, dirnameOf, fdL4proto, PPM_O, FD_TYPES, type EventContext, type FdInfo } from '../../state/model/index.js';
import { simple, type Extra } from './define.js';
import type { Extractor, FieldDef, FieldType, Value } from './types.js';

const FD_EVENT = EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD;
const hasFd = (ctx: EventContext): boolean => (ctx.evt.info.flags & FD_EVENT) !== 0 && ctx.thread !== undefined;

/** A field of the fd in the table; nothing when the event has no fd or the fd is unknown. */
const ofFd = (name: string, type: FieldType, desc: string, get: (fd: FdInfo, ctx: EventContext) => Value | undefined, extra: Extra = {}): FieldDef =>
  simple(name, type, desc, (ctx) => (hasFd(ctx) && ctx.fd ? get(ctx.fd, ctx) : undefined), extra);

/**
 * fd.typechar of an event whose fd is not in the table: guessed from the event that made it
 * (sinsp_evt::extract_typechar; open itself is not in libsinsp's list, so it gives 'o').
 */
const TYPECHAR_OF_EVENT: Record<number, string> = {
  [EV.OPENAT_X]: 'f', [EV.OPENAT2_X]: 'f', [EV.CREAT_X]: 'f',
  [EV.SOCKET_X]: '4', [EV.ACCEPT_X]: '4', [EV.ACCEPT4_X]: '4',
  [EV.PIPE_X]: 'p', [EV.PIPE2_X]: 'p', [EV.EVENTFD_X]: 'e', [EV.EVENTFD2_X]: 'e',
  [EV.SIGNALFD_X]: 's', [EV.SIGNALFD4_X]: 's', [EV.TIMERFD_CREATE_X]: 't',
  [EV.INOTIFY_INIT_X]: 'i', [EV.INOTIFY_INIT1_X]: 'i',
};

const isIp = (fd: FdInfo): boolean => fd.type === 'ipv4' || fd.type === 'ipv6';
/** Role known: a connected client (isServer false) or server (true). */
const hasRole = (fd: FdInfo): boolean => fd.isServer !== undefined;
/** A connected-style ip socket (libsinsp SCAP_FD_IPV4_SOCK / IPV6_SOCK) whose role is known. */
const isPeerSocket = (fd: FdInfo): boolean => isIp(fd) && fd.serverSocket !== true && hasRole(fd);

/**
 * The fd name an event without a table fd carries (a failed open's path, made absolute): rules
 * read it as fd.name, fd.directory and fd.nameraw, often several times per event, so it is
 * decoded once per event (EventContext.seq).
 */
function nameFromEvent(ctx: EventContext): string | undefined {
  const scope = ctx.scope;
  if (ctx.seq !== scope.fdNameSeq) {
    scope.fdName = ctx.state.fdNameFromEvent(ctx);
    scope.fdNameSeq = ctx.seq;
  }
  return scope.fdName;
}

function fdName(ctx: EventContext): string | undefined {
  if (!hasFd(ctx)) return undefined;
  return ctx.fd ? ctx.fd.name : nameFromEvent(ctx);
}

function directory(ctx: EventContext): string | undefined {
  if (!hasFd(ctx)) return undefined;
  const fd = ctx.fd;
  if (!fd) {
    const s = nameFromEvent(ctx);
    if (s === undefined) return undefined;
    // The path cache keeps the directory of a failed open's name: no string per event for a
    // process probing paths (ld.so's search).
    const path = ctx.state.openPath(ctx);
    return path !== undefined ? path.directoryOf(s) : dirnameOf(s);
  }
  if (fd.type === 'file') return fd.namePath !== undefined ? fd.namePath.directory : dirnameOf(fd.name);
  return fd.type === 'directory' ? fd.name : undefined;
}

function filename(fd: FdInfo): string | undefined {
  if (fd.type !== 'file') return undefined;
  return fd.namePath !== undefined ? fd.namePath.filename : basenameOf(fd.name);
}

/**
 * Client side, server side, local side, remote side of a socket, as libsinsp extracts them: the
 * client end needs a known role; the server end too, except a bound server socket's port.
 */
const cip = (fd: FdInfo): string | undefined => (isPeerSocket(fd) ? fd.cip : undefined);
const sip = (fd: FdInfo): string | undefined => (isIp(fd) && hasRole(fd) ? fd.sip : undefined);
const cport = (fd: FdInfo): number | undefined => (isPeerSocket(fd) ? fd.cport : undefined);
const sport = (fd: FdInfo): number | undefined => (!isIp(fd) ? undefined : fd.serverSocket === true || hasRole(fd) ? fd.sport : undefined);
/** libsinsp: the client address decides; if it is one of this machine's, the client side is local. */
const clientIsLocal = (fd: FdInfo, ctx: EventContext): boolean => fd.cip !== undefined && ctx.state.interfaces.isLocal(fd.cip);
const lip = (fd: FdInfo, ctx: EventContext): string | undefined => (isPeerSocket(fd) && fd.cip !== undefined ? (clientIsLocal(fd, ctx) ? fd.cip : fd.sip) : undefined);
const rip = (fd: FdInfo, ctx: EventContext): string | undefined => (isPeerSocket(fd) && fd.cip !== undefined ? (clientIsLocal(fd, ctx) ? fd.sip : fd.cip) : undefined);
const lport = (fd: FdInfo, ctx: EventContext): number | undefined => (isPeerSocket(fd) && fd.cip !== undefined ? (clientIsLocal(fd, ctx) ? fd.cport : fd.sport) : undefined);
const rport = (fd: FdInfo, ctx: EventContext): number | undefined => (isPeerSocket(fd) && fd.cip !== undefined ? (clientIsLocal(fd, ctx) ? fd.sport : fd.cport) : undefined);

/** fd.l4proto (sinsp_fdinfo::get_l4proto): libsinsp extracts '<NA>' as a value for every fd without one. */
const l4proto = (fd: FdInfo): string => fdL4proto(fd) ?? '<NA>';

/** fd.is_server: a bound server socket, or a socket whose server address is this machine's. */
function isServer(fd: FdInfo, ctx: EventContext): boolean {
  if (fd.serverSocket === true) return true;
  if (!isIp(fd)) return false;
  return ctx.state.interfaces.isLocal(fd.sip ?? (fd.type === 'ipv4' ? '0.0.0.0' : '::'));
}

const fdx = (get: (fd: FdInfo) => Value | undefined): Extractor => (ctx) => (hasFd(ctx) && ctx.fd ? get(ctx.fd) : undefined);

/** Filter-only fields matching either side of a connection. */
function eitherSide(name: string, type: FieldType, desc: string, a: (fd: FdInfo) => Value | undefined, b: (fd: FdInfo) => Value | undefined): FieldDef {
  const sides = [fdx(a), fdx(b)];
  const bound = { extract: sides[0]!, sides };
  return { name, type, desc, arg: 'none', filterOnly: true, noRhs: true, noTransformer: true, bind: () => bound };
}

const NET_ONLY = { filterOnly: true, noRhs: true, noTransformer: true };

const IP_NAME: Extra = { noRhs: true, noTransformer: true, resolvesNames: true };

const ipName = (get: (fd: FdInfo, ctx: EventContext) => string | undefined) => (fd: FdInfo, ctx: EventContext): string | undefined => {
  const ip = get(fd, ctx);
  return ip === undefined ? undefined : ctx.state.hostNames.nameOf(ip);
};

export const FD_FIELDS: FieldDef[] = [
  simple('fd.num', 'int', 'Number of the fd the event is about (-1 for a failed open).', (ctx) => (hasFd(ctx) ? ctx.fdNum : undefined)),
  ofFd('fd.type', 'string', 'Type of the fd: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink, bpf, userfaultfd, io_uring, memfd, pidfd; <NA> (the text) for an fd of a type libs does not name (a packet socket ...), as sinsp_fdinfo::get_typestring.', (fd) => (fd.type === 'unknown' ? '<NA>' : fd.type)),
  simple('fd.typechar', 'string', 'Type of the fd as one character: f, d, 4, 6, u, p, e, s, l, i, t, n, b, r, m, P, o.', (ctx) => {
    if (!hasFd(ctx)) return undefined;
    return ctx.fd ? FD_TYPES[ctx.fd.type] : TYPECHAR_OF_EVENT[ctx.evt.type | 1] ?? 'o';
  }),
  simple('fd.name', 'string', 'Full name of the fd: a file path, a connection cip:cport->sip:sport, a unix socket path ...', fdName),
  simple('fd.directory', 'string', 'Directory of a file fd.', directory),
  ofFd('fd.filename', 'string', 'File name of a file fd, without directory.', filename),
  eitherSide('fd.ip', 'ipaddr', 'Matches the client or the server IP address.', cip, sip),
  ofFd('fd.cip', 'ipaddr', 'Client IP address.', cip),
  ofFd('fd.sip', 'ipaddr', 'Server IP address.', sip),
  ofFd('fd.lip', 'ipaddr', 'Local IP address.', lip),
  ofFd('fd.rip', 'ipaddr', 'Remote IP address.', rip),
  eitherSide('fd.port', 'port', 'Matches the client or the server port.', cport, sport),
  ofFd('fd.cport', 'port', 'Client port.', cport),
  ofFd('fd.sport', 'port', 'Server port.', sport),
  ofFd('fd.lport', 'port', 'Local port.', lport),
  ofFd('fd.rport', 'port', 'Remote port.', rport),
  ofFd('fd.l4proto', 'string', "IP protocol of a socket: tcp, udp, icmp or raw ('<NA>' when unknown or not a socket).", l4proto),
  ofFd('fd.sockfamily', 'string', 'Socket family: ip or unix.', (fd) => (isIp(fd) ? 'ip' : fd.type === 'unix' ? 'unix' : undefined)),
  ofFd('fd.is_server', 'bool', 'True for a listening socket, or a socket whose server address is one of this machine\'s.', isServer),
  // libsinsp joins the thread id and fd number as text, whether or not the fd is in the table.
  simple('fd.uid', 'string', 'Unique fd identifier: thread id and fd number.', (ctx) => (hasFd(ctx) ? `${ctx.thread!.tid}${ctx.fdNum}` : undefined)),
  simple('fd.containername', 'string', 'Container id and fd name, joined by a colon.', (ctx) => {
    const n = fdName(ctx);
    return n === undefined ? undefined : `${ctx.thread?.containerId || 'host'}:${n}`;
  }),
  simple('fd.containerdirectory', 'string', 'Container id and fd directory, joined by a colon.', (ctx) => {
    const d = directory(ctx);
    return d === undefined ? undefined : `${ctx.thread?.containerId || 'host'}:${d}`;
  }),
  eitherSide('fd.net', 'ipnet', 'Matches the client or the server IP network.', cip, sip),
  ofFd('fd.cnet', 'ipnet', 'Matches the client IP network.', cip, NET_ONLY),
  ofFd('fd.snet', 'ipnet', 'Matches the server IP network.', sip, NET_ONLY),
  ofFd('fd.lnet', 'ipnet', 'Matches the local IP network.', lip, NET_ONLY),
  ofFd('fd.rnet', 'ipnet', 'Matches the remote IP network.', rip, NET_ONLY),
  ofFd('fd.connected', 'bool', 'True when the fd is a connected socket.', (fd) => fd.connected === true),
  ofFd('fd.name_changed', 'bool', 'True when the event changed the name of its fd (e.g. connect).', (_fd, ctx) => ctx.fdNameChanged),
  ofFd('fd.cip.name', 'string', 'Domain name of the client IP address (names used in rules are resolved).', ipName(cip), IP_NAME),
  ofFd('fd.sip.name', 'string', 'Domain name of the server IP address (names used in rules are resolved).', ipName(sip), IP_NAME),
  ofFd('fd.lip.name', 'string', 'Domain name of the local IP address.', ipName(lip), IP_NAME),
  ofFd('fd.rip.name', 'string', 'Domain name of the remote IP address.', ipName(rip), IP_NAME),
  ofFd('fd.dev', 'int', 'Device number of the file.', (fd) => fd.dev, { hex: true }),
  // fd.dev holds the device as the drivers send it, the kernel's new_encode_dev() layout (minor's
  // low byte, then 12 bits of major, then the rest of minor), not the in-kernel MKDEV one
  // (libs fdinfo.h get_device_major/get_device_minor).
  ofFd('fd.dev.major', 'int', 'Major device number of the file.', (fd) => (fd.dev & 0xfff00) >>> 8),
  ofFd('fd.dev.minor', 'int', 'Minor device number of the file.', (fd) => (fd.dev & 0xff) | ((fd.dev >>> 12) & 0xfff00)),
  ofFd('fd.ino', 'int', 'Inode number of the file.', (fd) => fd.ino),
  simple('fd.nameraw', 'string', 'Name of the fd as the syscall passed it (relative paths stay relative).', (ctx) => {
    if (!hasFd(ctx)) return undefined;
    // Only an open names the raw path (parsers.cpp add_filename_raw); sockets, pipes and the fds of
    // the capture's table have none: '' as in libs, not fd.name. Without an fd (a failed openat),
    // libs gives the path as passed, for openat/openat2 only (extract_fdname_from_event).
    if (ctx.fd) return ctx.fd.nameRaw;
    const type = ctx.evt.type;
    if ((type === EV.OPENAT_X || type === EV.OPENAT2_X) && ctx.evt.hasParam(2) && ctx.evt.paramLength(2) > 0) {
      return ctx.state.openPath(ctx)!.collapsed;
    }
    return nameFromEvent(ctx);
  }),
  ofFd('fd.is_upper_layer', 'bool', 'True when the file is in the upper layer of an overlayfs.', (fd) => (fd.openFlags & PPM_O.FD_UPPER_LAYER) !== 0),
  ofFd('fd.is_lower_layer', 'bool', 'True when the file is in a lower layer of an overlayfs.', (fd) => (fd.openFlags & PPM_O.FD_LOWER_LAYER) !== 0),
];
