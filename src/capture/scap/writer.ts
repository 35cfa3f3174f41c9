// Writes .scap capture files that libscap — including the one of sysdig 0.29 — reads: a section
// header, machine info, process list (V9), fd lists (V2), user list (V2), interface list (V2), then
// event blocks (V2, or V2 with flags; the large variants for EF_LARGE_PAYLOAD events).
// Output is buffered and flushed to a file or stream, optionally gzip-compressed.
import { createWriteStream } from 'node:fs';
import { openOutputFile } from './safe-file.js';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { EF, EVT_HDR_SIZE, type EventView, EVENT_TABLE, SYSDIG_EVENT_MAX, SYSDIG_NPARAMS } from '../../events/index.js';
import {
  BLOCK, BLOCK_OVERHEAD, SCAP_FD, SHB_MAGIC, ScapFormatError,
  type ScapFd, type ScapGroup, type ScapInterface, type ScapMachineInfo, type ScapProcess, type ScapTables, type ScapUser,
} from './file-format.js';

export interface ScapWriterOptions {
  /** gzip the output (libscap writes gzip by default; sysdig reads both). */
  gzip?: boolean;
  /**
   * Keep the file readable by sysdig 0.29: drop events whose code its libs do not know, cut
   * events down to the parameter count its event table has, and write fd types it does not know
   * (bpf, userfaultfd, io_uring, memfd, pidfd) as "unsupported".
   */
  sysdigCompat?: boolean;
  /**
   * Only the fd-type part of sysdigCompat: fd list entries of types sysdig 0.29 does not know are
   * written as "unsupported" (name kept). sysdig 0.29 refuses to open a capture with any of them
   * in its tables; events keep every event and parameter.
   */
  sysdigFdTypes?: boolean;
  /** A file path target: truncate an existing regular file (default: refuse; see safe-file.ts). */
  overwrite?: boolean;
}

const FLUSH_AT = 1 << 20;

/** Block builder: a growable buffer with little-endian appenders. */
class Out {
  buf = Buffer.alloc(4096);
  n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const nb = Buffer.alloc(size);
    this.buf.copy(nb, 0, 0, this.n);
    this.buf = nb;
  }
  u8(v: number): void { this.ensure(1); this.buf[this.n++] = v & 0xff; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v & 0xffff, this.n); this.n += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.n); this.n += 4; }
  i64(v: number | bigint): void { this.ensure(8); this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), this.n); this.n += 8; }
  u64(v: number | bigint): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), this.n); this.n += 8; }
  bytes(b: Buffer): void { this.ensure(b.length); b.copy(this.buf, this.n); this.n += b.length; }
  /** u16 length + UTF-8 bytes, no terminator (libscap's string fields). */
  str16(s: string): void { const b = Buffer.from(s, 'utf8'); this.u16(b.length); this.bytes(b); }
  /** u16 length + NUL-separated, NUL-terminated list (args, env, cgroups). */
  list16(items: readonly string[]): void {
    const b = items.length ? Buffer.from(`${items.join('\0')}\0`, 'utf8') : Buffer.alloc(0);
    this.u16(b.length);
    this.bytes(b);
  }
  pad4(): void { while (this.n % 4) this.u8(0); }
  at(pos: number, v: number): void { this.buf.writeUInt32LE(v >>> 0, pos); }
}

function ipv4Bytes(s: string | undefined): number {
  const p = (s ?? '0.0.0.0').split('.').map((x) => Number(x) & 0xff);
  return ((p[0] ?? 0) | ((p[1] ?? 0) << 8) | ((p[2] ?? 0) << 16) | ((p[3] ?? 0) << 24)) >>> 0;
}

/** IPv6 text (with '::' and an optional dotted IPv4 tail) → 16 bytes. */
export function ipv6Bytes(s: string | undefined): Buffer {
  const out = Buffer.alloc(16);
  if (!s) return out;
  let text = s;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Bytes(v4[1]);
    const g1 = ((n & 0xff) << 8) | ((n >>> 8) & 0xff);
    const g2 = (((n >>> 16) & 0xff) << 8) | (n >>> 24);
    text = `${text.slice(0, -v4[1]!.length)}${g1.toString(16)}:${g2.toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const hs = head ? head.split(':').filter((x) => x !== '') : [];
  const rs = rest ? rest.split(':').filter((x) => x !== '') : [];
  const groups = [...hs.map((x) => parseInt(x, 16)), ...Array<number>(Math.max(0, 8 - hs.length - rs.length)).fill(0), ...rs.map((x) => parseInt(x, 16))];
  for (let i = 0; i < 8; i++) out.writeUInt16BE((groups[i] ?? 0) & 0xffff, i * 2);
  return out;
}

/** A section header block: version 1.2, little-endian, section length unknown (-1). */
export function sectionHeaderBlock(): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32LE(BLOCK.SECTION_HEADER, 0);
  b.writeUInt32LE(28, 4);
  b.writeUInt32LE(SHB_MAGIC, 8);
  b.writeUInt16LE(1, 12);
  b.writeUInt16LE(2, 14);
  b.writeBigInt64LE(-1n, 16);
  b.writeUInt32LE(28, 24);
  return b;
}

export class ScapWriter {
  private readonly sink: NodeJS.WritableStream;
  private readonly file: NodeJS.WritableStream | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private started = false;
  private closed = false;
  private readonly o = new Out();
  /** Events written. */
  events = 0;

  constructor(target: string | NodeJS.WritableStream, private readonly opts: ScapWriterOptions = {}) {
    // A new file is created 0600 without following a symlink at its path (safe-file.ts).
    const base = typeof target === 'string' ? createWriteStream('', { fd: openOutputFile(target, { overwrite: opts.overwrite }) }) : target;
    this.file = base;
    if (opts.gzip) {
      const gz = createGzip();
      gz.pipe(base as NodeJS.WritableStream);
      this.sink = gz;
    } else {
      this.sink = base;
    }
  }

  private begin(): Out {
    const o = this.o;
    o.n = 0;
    return o;
  }

  /** Finishes the block started with begin(): header, padding, trailer. */
  private endBlock(bt: number): void {
    const o = this.o;
    o.pad4();
    const total = o.n + BLOCK_OVERHEAD;
    const block = Buffer.allocUnsafe(total);
    block.writeUInt32LE(bt, 0);
    block.writeUInt32LE(total, 4);
    o.buf.copy(block, 8, 0, o.n);
    block.writeUInt32LE(total, total - 4);
    this.push(block);
  }

  private push(b: Buffer): void {
    if (this.closed) throw new Error('scap writer is closed');
    if (!this.started) {
      this.started = true;
      this.writeSectionHeader();
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  private writeSectionHeader(): void {
    const b = sectionHeaderBlock();
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** True when enough is buffered that the caller should `await flush()`. */
  get wantsFlush(): boolean {
    return this.pendingBytes >= FLUSH_AT;
  }

  writeMachineInfo(m: ScapMachineInfo): void {
    const o = this.begin();
    o.u32(m.numCpus);
    o.u64(m.memorySizeBytes);
    o.u64(m.maxPid);
    const host = Buffer.alloc(128);
    host.write(m.hostname.slice(0, 127), 'utf8');
    o.bytes(host);
    o.u64(m.bootTsEpoch);
    o.u64(m.flags);
    o.u64(0);
    o.u64(0);
    this.endBlock(BLOCK.MACHINE_INFO);
  }

  /** A process list block (V9) for `procs`, then one fd list block (V2) per process with fds. */
  writeProcesses(procs: readonly ScapProcess[]): void {
    const o = this.begin();
    for (const p of procs) {
      const entry = o.n;
      o.u32(0);
      o.i64(p.tid); o.i64(p.pid); o.i64(p.ptid); o.i64(p.sid); o.i64(p.vpgid);
      o.str16(p.comm); o.str16(p.exe); o.str16(p.exepath);
      o.list16(p.args);
      o.str16(p.cwd);
      o.i64(p.fdlimit); o.u32(p.flags); o.u32(p.uid); o.u32(p.gid);
      o.u32(p.vmSizeKb); o.u32(p.vmRssKb); o.u32(p.vmSwapKb); o.u64(p.pfMajor); o.u64(p.pfMinor);
      o.list16(p.env);
      o.i64(p.vtid); o.i64(p.vpid);
      o.list16(p.cgroups);
      o.str16(p.root);
      // The pre-0.10 tail (29 bytes): the only layout both sysdig 0.29 and current libscap read.
      o.u32(p.loginuid); o.u8(p.exeWritable ? 1 : 0); o.u64(p.capInheritable); o.u64(p.capPermitted); o.u64(p.capEffective);
      o.at(entry, o.n - entry);
    }
    this.endBlock(BLOCK.PROCLIST_V9);
    for (const p of procs) if (p.fds.length) this.writeFds(p.tid, p.fds);
  }

  /** An fd list block (V2) for thread `tid`. */
  writeFds(tid: number, fds: readonly ScapFd[]): void {
    const o = this.begin();
    o.i64(tid);
    for (const f of fds) {
      const entry = o.n;
      o.u32(0);
      o.i64(f.fd);
      o.u64(f.ino);
      let type = f.type;
      if ((this.opts.sysdigCompat || this.opts.sysdigFdTypes) && type > SCAP_FD.NETLINK && type !== SCAP_FD.FILE_V2) type = SCAP_FD.UNSUPPORTED;
      o.u8(type);
      switch (type) {
        case SCAP_FD.IPV4_SOCK:
          o.u32(ipv4Bytes(f.sip)); o.u32(ipv4Bytes(f.dip)); o.u16(f.sport ?? 0); o.u16(f.dport ?? 0); o.u8(f.l4proto ?? 0);
          break;
        case SCAP_FD.IPV4_SERVSOCK:
          o.u32(ipv4Bytes(f.sip)); o.u16(f.sport ?? 0); o.u8(f.l4proto ?? 0);
          break;
        case SCAP_FD.IPV6_SOCK:
          o.bytes(ipv6Bytes(f.sip)); o.bytes(ipv6Bytes(f.dip)); o.u16(f.sport ?? 0); o.u16(f.dport ?? 0); o.u8(f.l4proto ?? 0);
          break;
        case SCAP_FD.IPV6_SERVSOCK:
          o.bytes(ipv6Bytes(f.sip)); o.u16(f.sport ?? 0); o.u8(f.l4proto ?? 0);
          break;
        case SCAP_FD.UNIX_SOCK:
          o.u64(f.source ?? 0n); o.u64(f.destination ?? 0n); o.str16(f.name ?? '');
          break;
        case SCAP_FD.FILE_V2:
          o.u32(f.openFlags ?? 0); o.str16(f.name ?? ''); o.u32(f.dev ?? 0);
          break;
        case SCAP_FD.UNKNOWN:
          break;
        default:
          o.str16(f.name ?? '');
      }
      o.at(entry, o.n - entry);
    }
    this.endBlock(BLOCK.FDLIST_V2);
  }

  /** A user list block (V2). */
  writeUsers(users: readonly ScapUser[], groups: readonly ScapGroup[]): void {
    const o = this.begin();
    for (const u of users) {
      const entry = o.n;
      o.u32(0); o.u8(0); o.u32(u.uid); o.u32(u.gid); o.str16(u.name); o.str16(u.homedir); o.str16(u.shell);
      o.at(entry, o.n - entry);
    }
    for (const g of groups) {
      const entry = o.n;
      o.u32(0); o.u8(1); o.u32(g.gid); o.str16(g.name);
      o.at(entry, o.n - entry);
    }
    this.endBlock(BLOCK.USERLIST_V2);
  }

  /** An interface list block (V2). */
  writeInterfaces(ifs: readonly ScapInterface[]): void {
    const o = this.begin();
    for (const i of ifs) {
      const name = Buffer.from(i.name, 'utf8');
      const entry = o.n;
      o.u32(0);
      if (i.family === 'ipv4') {
        o.u16(1); o.u16(name.length); o.u32(ipv4Bytes(i.addr)); o.u32(ipv4Bytes(i.netmask)); o.u32(ipv4Bytes(i.bcast)); o.u64(i.linkspeed);
      } else {
        o.u16(2); o.u16(name.length); o.bytes(ipv6Bytes(i.addr)); o.bytes(ipv6Bytes(i.netmask)); o.bytes(ipv6Bytes(i.bcast)); o.u64(i.linkspeed);
      }
      o.bytes(name);
      o.at(entry, o.n - entry - 4);
    }
    this.endBlock(BLOCK.IFLIST_V2);
  }

  /** Every table of `t`, in the order libscap writes them. */
  writeTables(t: Pick<ScapTables, 'machine' | 'processes' | 'users' | 'groups' | 'interfaces'>): void {
    if (t.machine) this.writeMachineInfo(t.machine);
    if (t.interfaces.length) this.writeInterfaces(t.interfaces);
    if (t.users.length || t.groups.length) this.writeUsers(t.users, t.groups);
    if (t.processes.length) this.writeProcesses(t.processes);
  }

  /**
   * One event: an EventView or an encoded record (ppm_evt_hdr + lengths + params, as encodeEvent
   * makes). `flags` != 0 selects the event-with-flags block.
   */
  writeEvent(evt: EventView | Buffer, cpu = 0, flags = 0): void {
    let rec = Buffer.isBuffer(evt) ? evt : evt.record();
    if (rec.length < EVT_HDR_SIZE || rec.readUInt32LE(16) !== rec.length) {
      throw new ScapFormatError('event record length does not match its header', 0, BLOCK.EVENT_V2);
    }
    const type = rec.readUInt16LE(20);
    const info = EVENT_TABLE[type];
    if (!info) throw new ScapFormatError(`unknown event code ${type}`, 0, BLOCK.EVENT_V2);
    // The live sensor appends parameters of its own past libs' (an open's kernel path): libscap
    // refuses an event with more parameters than its table has, so they stay out of the file.
    if (rec.readUInt32LE(22) > info.params.length) rec = trimParams(rec, info.params.length, info.flags & EF.LARGE_PAYLOAD ? 4 : 2);
    if (this.opts.sysdigCompat) {
      if (type >= SYSDIG_EVENT_MAX) return;
      const max = SYSDIG_NPARAMS[type] ?? 0;
      if (rec.readUInt32LE(22) > max) rec = trimParams(rec, max, info.flags & EF.LARGE_PAYLOAD ? 4 : 2);
    }
    const large = (info.flags & EF.LARGE_PAYLOAD) !== 0;
    const bt = flags ? (large ? BLOCK.EVENT_FLAGS_V2_LARGE : BLOCK.EVENT_FLAGS_V2) : large ? BLOCK.EVENT_V2_LARGE : BLOCK.EVENT_V2;
    const head = flags ? 6 : 2;
    const body = head + rec.length;
    const total = 8 + body + ((4 - (body % 4)) % 4) + 4;
    const block = Buffer.alloc(total);
    block.writeUInt32LE(bt, 0);
    block.writeUInt32LE(total, 4);
    block.writeUInt16LE(cpu & 0xffff, 8);
    if (flags) block.writeUInt32LE(flags >>> 0, 10);
    rec.copy(block, 8 + head);
    block.writeUInt32LE(total, total - 4);
    this.push(block);
    this.events++;
  }

  /** Hands buffered blocks to the output stream, honouring backpressure. */
  async flush(): Promise<void> {
    if (!this.started && !this.closed) this.push(Buffer.alloc(0));
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (!parts.length) return;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (data.length && !this.sink.write(data)) await once(this.sink as NodeJS.EventEmitter, 'drain');
  }

  /** Flushes and closes the output (the file is complete when this resolves). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const done = once(this.file as NodeJS.EventEmitter, this.file === process.stdout ? 'drain' : 'finish');
    if (this.file === process.stdout) return;
    this.sink.end();
    await done;
  }
}

/** The record cut down to its first `n` parameters. */
function trimParams(rec: Buffer, n: number, ls: number): Buffer {
  const old = rec.readUInt32LE(22);
  let dataLen = 0;
  for (let i = 0; i < n; i++) dataLen += ls === 2 ? rec.readUInt16LE(EVT_HDR_SIZE + i * ls) : rec.readUInt32LE(EVT_HDR_SIZE + i * ls);
  const out = Buffer.alloc(EVT_HDR_SIZE + n * ls + dataLen);
  rec.copy(out, 0, 0, EVT_HDR_SIZE);
  out.writeUInt32LE(out.length, 16);
  out.writeUInt32LE(n, 22);
  rec.copy(out, EVT_HDR_SIZE, EVT_HDR_SIZE, EVT_HDR_SIZE + n * ls);
  const dataStart = EVT_HDR_SIZE + old * ls;
  rec.copy(out, EVT_HDR_SIZE + n * ls, dataStart, dataStart + dataLen);
  return out;
}
