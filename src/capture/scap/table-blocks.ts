// Parsers for the table blocks of a .scap file (machine info, process list V1–V9, fd list V1/V2,
// user list V1/V2, interface list V1/V2), following libscap's savefile reader field by field.
// Each parser gets one block body and throws ScapFormatError when the body is malformed.
import { ipv6 } from '../../events/index.js';
import {
  BLOCK, SCAP_FD, ScapFormatError, proclistVersion,
  type ScapFd, type ScapGroup, type ScapInterface, type ScapMachineInfo, type ScapProcess, type ScapUser,
} from './file-format.js';

/** Bounds-checked little-endian reads over one block body. */
class Cursor {
  constructor(
    readonly b: Buffer,
    public p: number,
    readonly end: number,
    private readonly fail: (why: string) => never,
  ) {}
  need(n: number): number {
    if (this.p + n > this.end) this.fail(`block body ends inside a field (needs ${n} bytes at ${this.p})`);
    const at = this.p;
    this.p += n;
    return at;
  }
  get left(): number {
    return this.end - this.p;
  }
  u8(): number { return this.b[this.need(1)]!; }
  u16(): number { return this.b.readUInt16LE(this.need(2)); }
  u32(): number { return this.b.readUInt32LE(this.need(4)); }
  i64n(): number { return Number(this.b.readBigInt64LE(this.need(8))); }
  u64(): bigint { return this.b.readBigUInt64LE(this.need(8)); }
  bytes(n: number): Buffer { const at = this.need(n); return this.b.subarray(at, at + n); }
  /** u16 length + that many bytes (not NUL-terminated on file). */
  str16(max = 65535): string {
    const n = this.u16();
    if (n > max) this.fail(`string length ${n} exceeds ${max}`);
    return cstr(this.bytes(n));
  }
}

/** Text up to the first NUL (or the whole buffer). */
function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.toString('utf8', 0, z < 0 ? b.length : z);
}

/** "a\0b\0c\0" → ['a','b','c'] (a missing final NUL tolerated, as libscap does). */
function strList(b: Buffer): string[] {
  if (b.length === 0) return [];
  const s = b.toString('utf8', 0, b[b.length - 1] === 0 ? b.length - 1 : b.length);
  return s.split('\0');
}

type Fail = (why: string) => never;
function failer(bt: number, offset: number, file?: string): Fail {
  return (why) => {
    throw new ScapFormatError(why, offset, bt, file);
  };
}

const SCAP_MAX_PATH_SIZE = 1024;
const SCAP_MAX_ARGS_SIZE = 4096;
const SCAP_MAX_ENV_SIZE = 4096;
const SCAP_MAX_CGROUPS_SIZE = 4096;

export function parseMachineInfo(b: Buffer, start: number, end: number, bt: number, offset: number, file?: string): ScapMachineInfo {
  const c = new Cursor(b, start, end, failer(bt, offset, file));
  const numCpus = c.u32();
  const memorySizeBytes = c.u64();
  const maxPid = c.u64();
  const hostname = cstr(c.bytes(128));
  const bootTsEpoch = c.left >= 8 ? c.u64() : 0n;
  const flags = c.left >= 8 ? c.u64() : 0n;
  return { numCpus, memorySizeBytes, maxPid, hostname, bootTsEpoch, flags };
}

function newProcess(): ScapProcess {
  return {
    tid: 0, pid: 0, ptid: 0, sid: -1, vpgid: -1, pgid: -1, comm: '', exe: '', exepath: '', args: [], env: [], cwd: '',
    fdlimit: 0, flags: 0, uid: 0, gid: 0, vmSizeKb: 0, vmRssKb: 0, vmSwapKb: 0, pfMajor: 0n, pfMinor: 0n, vtid: -1, vpid: -1,
    cgroups: [], root: '', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff, exeWritable: false, capInheritable: 0n,
    capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n,
    exeInoCtime: 0n, exeInoMtime: 0n, fds: [],
  };
}

/** A process list block: one entry per thread; more than `maxEntries` entries is an error (a
 *  crafted block of tiny entries would otherwise make millions of objects). */
export function parseProcList(b: Buffer, start: number, end: number, bt: number, offset: number, file?: string, maxEntries = Infinity): ScapProcess[] {
  const fail = failer(bt, offset, file);
  const v = proclistVersion(bt);
  const out: ScapProcess[] = [];
  let p = start;
  while (end - p >= 4) {
    if (out.length >= maxEntries) fail(`more than ${maxEntries} process entries`);
    const c = new Cursor(b, p, end, fail);
    const t = newProcess();
    let subLen = 0;
    if (v === 9) {
      subLen = c.u32();
      if (subLen < 4 || p + subLen > end) fail(`process entry length ${subLen} does not fit the block`);
    }
    const entryStart = p;
    t.tid = c.i64n();
    t.pid = c.i64n();
    t.ptid = c.i64n();
    if (v >= 6) t.sid = c.i64n();
    if (v >= 8) t.vpgid = c.i64n();
    t.comm = c.str16(SCAP_MAX_PATH_SIZE);
    t.exe = c.str16(SCAP_MAX_PATH_SIZE);
    if (v >= 7) t.exepath = c.str16(SCAP_MAX_PATH_SIZE);
    const argsLen = c.u16();
    if (argsLen > SCAP_MAX_ARGS_SIZE) fail(`invalid argslen ${argsLen}`);
    t.args = strList(c.bytes(argsLen));
    t.cwd = c.str16(SCAP_MAX_PATH_SIZE);
    t.fdlimit = c.i64n();
    t.flags = c.u32();
    t.uid = c.u32();
    t.gid = c.u32();
    if (v >= 2) {
      t.vmSizeKb = c.u32();
      t.vmRssKb = c.u32();
      t.vmSwapKb = c.u32();
      t.pfMajor = c.u64();
      t.pfMinor = c.u64();
      if (v >= 3) {
        const n = c.u16();
        if (n > SCAP_MAX_ENV_SIZE) fail(`invalid envlen ${n}`);
        t.env = strList(c.bytes(n));
      }
      if (v >= 4) {
        t.vtid = c.i64n();
        t.vpid = c.i64n();
        const n = c.u16();
        if (n > SCAP_MAX_CGROUPS_SIZE) fail(`invalid cgroupslen ${n}`);
        t.cgroups = strList(c.bytes(n));
        if (v >= 5) t.root = c.str16(SCAP_MAX_PATH_SIZE);
      }
    }
    if (subLen) {
      // Fields appended over time; present when the entry is long enough. libs 0.10 inserted
      // pidns_init_start_ts and tty before loginuid: an entry with at most 29 bytes left was written
      // by an older producer (loginuid, exe_writable and three capability sets).
      const entryEnd = entryStart + subLen;
      const left = () => entryEnd - c.p;
      if (left() > 29) {
        if (left() >= 8) t.pidnsInitStartTs = c.u64();
        if (left() >= 4) t.tty = c.u32();
      }
      if (left() >= 4) t.loginuid = c.u32();
      if (left() >= 1) t.exeWritable = c.u8() !== 0;
      if (left() >= 8) t.capInheritable = c.u64();
      if (left() >= 8) t.capPermitted = c.u64();
      if (left() >= 8) t.capEffective = c.u64();
      if (left() >= 1) t.exeUpperLayer = c.u8() !== 0;
      if (left() >= 8) t.exeIno = c.u64();
      if (left() >= 8) t.exeInoCtime = c.u64();
      if (left() >= 8) t.exeInoMtime = c.u64();
      if (left() >= 1) t.exeFromMemfd = c.u8() !== 0;
      if (left() >= 1) t.exeLowerLayer = c.u8() !== 0;
      if (left() >= 8) t.pgid = c.i64n();
      if (left() < 0) fail(`process entry of ${subLen} bytes overran (${-left()} bytes)`);
      c.p = entryEnd;
    }
    out.push(t);
    p = c.p;
  }
  return out;
}

function ipv4Text(n: number): string {
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}`;
}

/** An fd list block: the owning tid and its fds (more than `maxEntries` is an error). */
export function parseFdList(b: Buffer, start: number, end: number, bt: number, offset: number, file?: string, maxEntries = Infinity): { tid: number; fds: ScapFd[] } {
  const fail = failer(bt, offset, file);
  const c = new Cursor(b, start, end, fail);
  const tid = c.i64n();
  const fds: ScapFd[] = [];
  const v2 = bt === BLOCK.FDLIST_V2;
  while (c.left >= 4) {
    if (fds.length >= maxEntries) fail(`more than ${maxEntries} fd entries`);
    const entryStart = c.p;
    const subLen = v2 ? c.u32() : 0;
    if (v2 && (subLen < 4 || entryStart + subLen > end)) fail(`fd entry length ${subLen} does not fit the block`);
    const fd: ScapFd = { fd: c.i64n(), ino: c.u64(), type: c.u8() };
    switch (fd.type) {
      case SCAP_FD.IPV4_SOCK:
        fd.sip = ipv4Text(c.u32());
        fd.dip = ipv4Text(c.u32());
        fd.sport = c.u16();
        fd.dport = c.u16();
        fd.l4proto = c.u8();
        break;
      case SCAP_FD.IPV4_SERVSOCK:
        fd.sip = ipv4Text(c.u32());
        fd.sport = c.u16();
        fd.l4proto = c.u8();
        break;
      case SCAP_FD.IPV6_SOCK:
        fd.sip = ipv6(c.bytes(16), 0);
        fd.dip = ipv6(c.bytes(16), 0);
        fd.sport = c.u16();
        fd.dport = c.u16();
        fd.l4proto = c.u8();
        break;
      case SCAP_FD.IPV6_SERVSOCK:
        fd.sip = ipv6(c.bytes(16), 0);
        fd.sport = c.u16();
        fd.l4proto = c.u8();
        break;
      case SCAP_FD.UNIX_SOCK:
        fd.source = c.u64();
        fd.destination = c.u64();
        fd.name = c.str16(SCAP_MAX_PATH_SIZE - 1);
        break;
      case SCAP_FD.FILE_V2:
        fd.openFlags = c.u32();
        fd.name = c.str16(SCAP_MAX_PATH_SIZE - 1);
        if (v2 && entryStart + subLen - c.p >= 4) fd.dev = c.u32();
        break;
      case SCAP_FD.UNKNOWN:
        break;
      default:
        if (fd.type <= SCAP_FD.PIDFD) fd.name = c.str16(SCAP_MAX_PATH_SIZE - 1);
        else {
          // A type from a newer producer: libscap keeps it as unsupported; the entry length skips it.
          if (!v2) fail(`unknown fd type ${fd.type}`);
          fd.name = `unknown-type:[${fd.type}]`;
          fd.type = SCAP_FD.UNSUPPORTED;
        }
    }
    if (v2) {
      if (c.p > entryStart + subLen) fail(`fd entry of ${subLen} bytes overran`);
      c.p = entryStart + subLen;
    }
    fds.push(fd);
  }
  return { tid, fds };
}

/** A user list block: users and groups. */
export function parseUserList(b: Buffer, start: number, end: number, bt: number, offset: number, file?: string): { users: ScapUser[]; groups: ScapGroup[] } {
  const fail = failer(bt, offset, file);
  const c = new Cursor(b, start, end, fail);
  const users: ScapUser[] = [];
  const groups: ScapGroup[] = [];
  const v2 = bt === BLOCK.USERLIST_V2;
  const MAX = 256;
  while (c.left >= 4) {
    const entryStart = c.p;
    const subLen = v2 ? c.u32() : 0;
    if (v2 && (subLen < 4 || entryStart + subLen > end)) fail(`user entry length ${subLen} does not fit the block`);
    const type = c.u8();
    if (type === 0) {
      users.push({ uid: c.u32(), gid: c.u32(), name: c.str16(MAX - 1), homedir: c.str16(MAX - 1), shell: c.str16(MAX - 1) });
    } else {
      groups.push({ gid: c.u32(), name: c.str16(MAX - 1) });
    }
    if (v2) {
      if (c.p > entryStart + subLen) fail(`user entry of ${subLen} bytes overran`);
      c.p = entryStart + subLen;
    }
  }
  return { users, groups };
}

const II_IPV4 = 1;
const II_IPV6 = 2;
const II_IPV4_NOLINKSPEED = 3;
const II_IPV6_NOLINKSPEED = 4;

/** An interface list block. */
export function parseIfList(b: Buffer, start: number, end: number, bt: number, offset: number, file?: string): ScapInterface[] {
  const fail = failer(bt, offset, file);
  const c = new Cursor(b, start, end, fail);
  const out: ScapInterface[] = [];
  const v2 = bt === BLOCK.IFLIST_V2;
  while (c.left >= 4) {
    const entryStart = c.p;
    const entrySize = v2 ? c.u32() : 0;
    if (v2 && entryStart + 4 + entrySize > end) fail(`interface entry length ${entrySize} does not fit the block`);
    const type = c.u16();
    const nameLen = c.u16();
    if (nameLen >= SCAP_MAX_PATH_SIZE) fail(`interface name length ${nameLen}`);
    let itf: ScapInterface;
    if (type === II_IPV4 || type === II_IPV4_NOLINKSPEED) {
      const addr = ipv4Text(c.u32());
      const netmask = ipv4Text(c.u32());
      const bcast = ipv4Text(c.u32());
      const linkspeed = type === II_IPV4 ? c.u64() : 0n;
      itf = { family: 'ipv4', name: cstr(c.bytes(nameLen)), addr, netmask, bcast, linkspeed };
    } else if (type === II_IPV6 || type === II_IPV6_NOLINKSPEED) {
      const addr = ipv6(c.bytes(16), 0);
      const netmask = ipv6(c.bytes(16), 0);
      const bcast = ipv6(c.bytes(16), 0);
      const linkspeed = type === II_IPV6 ? c.u64() : 0n;
      itf = { family: 'ipv6', name: cstr(c.bytes(nameLen)), addr, netmask, bcast, linkspeed };
    } else {
      return fail(`unknown interface type ${type}`);
    }
    out.push(itf);
    if (v2) c.p = entryStart + 4 + entrySize;
  }
  return out;
}
