// A reusable, zero-copy view over one event record in the libs layout:
//   ppm_evt_hdr { u64 ts; u64 tid; u32 len; u16 type; u32 nparams }   (26 bytes, packed, little endian)
//   nparams parameter lengths (u16, or u32 for EF_LARGE_PAYLOAD events)
//   the parameter blobs, back to back.
// Live capture and .scap replay both hand records to the engine through this one view;
// it is re-pointed at each record (`reset`) rather than allocated per event.
import { EF, type EventInfo } from './event-info.js';
import { EVENT_TABLE } from './event-table.js';

export const EVT_HDR_SIZE = 26;

// Little-endian reads by hand: Buffer's readUInt32LE & co. check their arguments on every call,
// which shows in the per-event path (header fields, parameter lengths).
const u16 = (b: Buffer, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Buffer, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;

/** The len field (whole record, header included) of the record header at `start`, which must
 *  have its first 20 bytes in `buf`: what a reader cuts a stream of records by. */
export const recordLength = (buf: Buffer, start: number): number => u32(buf, start + 16);
/** Buffer's own UTF-8 decoder without toString's argument handling (a third of the cost of
 *  decoding a short path); toString where a runtime lacks it. Replacement characters for
 *  invalid bytes either way. */
type Utf8Slicer = { utf8Slice?: (start: number, end: number) => string };
const utf8Slice: (b: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Utf8Slicer).utf8Slice === 'function'
    ? (b, start, end) => (b as unknown as Required<Utf8Slicer>).utf8Slice(start, end)
    : (b, start, end) => b.toString('utf8', start, end);
const UNKNOWN_EVENT: EventInfo = { id: 'PPME_UNKNOWN', name: 'unknown', category: 0, flags: 0, params: [] };
const MAX_PARAMS = 64;
/** Width of one parameter length by event type (2, or 4 for EF_LARGE_PAYLOAD): one byte read. */
const LEN_SIZE = Uint8Array.from(EVENT_TABLE, (info) => ((info.flags & EF.LARGE_PAYLOAD) !== 0 ? 4 : 2));

export class EventView {
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the ppm_evt_hdr inside buf. */
  start = 0;
  /** evt.num: 1-based sequence number assigned by the reader. */
  num = 0;
  cpu = 0;
  tid = 0;
  len = 0;
  type = 0;
  nparams = 0;
  info: EventInfo = UNKNOWN_EVENT;
  /** Timestamp as a JS number of ns (loses sub-microsecond precision; fine for durations). A
   *  field set with the header rather than a getter: the live parser reads it on every event,
   *  and there V8 did not inline the getter and returned the time boxed, a heap number per
   *  event (most of the live agent's garbage). */
  tsNumber = 0;
  /** Width of one parameter length: 2, or 4 for large-payload events. */
  lenSize = 2;
  private readonly offs = new Int32Array(MAX_PARAMS + 1);
  private tsCache: bigint | undefined;

  /** Points the view at the record starting at `start` (checked by whoever made it; load() checks). */
  reset(buf: Buffer, start: number, num: number, cpu = 0): this {
    this.point(buf, start, num, cpu);
    this.tid = (u32(buf, start + 12) | 0) * 4294967296 + u32(buf, start + 8); // no BigInt per event
    this.len = u32(buf, start + 16);
    this.type = u16(buf, start + 20);
    const n = u32(buf, start + 22);
    this.nparams = n > MAX_PARAMS ? MAX_PARAMS : n;
    this.info = EVENT_TABLE[this.type] ?? UNKNOWN_EVENT;
    this.lenSize = (this.info.flags & EF.LARGE_PAYLOAD) !== 0 ? 4 : 2;
    // The offsets now, as load() has them: nearly every event has a parameter read, and a read
    // that first had to compute them ran int's and uint's slow path (not inlined) for it.
    this.computeOffsets();
    return this;
  }

  /**
   * reset() and libscap's validate_v2_event in one pass, for readers (the per-event path: header fields read by
   * hand, no helper calls): points the view at the record at `start`, which has `avail` bytes.
   * Returns why the record is invalid, or undefined.
   */
  load(buf: Buffer, start: number, num: number, cpu: number, avail: number): string | undefined {
    this.point(buf, start, num, cpu);
    const hi = buf[start + 12]! | (buf[start + 13]! << 8) | (buf[start + 14]! << 16) | (buf[start + 15]! << 24);
    this.tid = hi * 4294967296 + ((buf[start + 8]! | (buf[start + 9]! << 8) | (buf[start + 10]! << 16)) + buf[start + 11]! * 0x1000000);
    const elen = (buf[start + 16]! | (buf[start + 17]! << 8) | (buf[start + 18]! << 16)) + buf[start + 19]! * 0x1000000;
    this.len = elen;
    const type = buf[start + 20]! | (buf[start + 21]! << 8);
    this.type = type;
    const n = (buf[start + 22]! | (buf[start + 23]! << 8) | (buf[start + 24]! << 16)) + buf[start + 25]! * 0x1000000;
    const keep = n > MAX_PARAMS ? MAX_PARAMS : n;
    this.nparams = keep;
    const info = EVENT_TABLE[type];
    this.info = info ?? UNKNOWN_EVENT;
    const ls = info === undefined ? 2 : LEN_SIZE[type]!;
    this.lenSize = ls;
    const offs = this.offs;
    offs[0] = -1;
    if (elen < EVT_HDR_SIZE) return `len ${elen} is smaller than the event header`;
    if (elen > avail) return `len ${elen} is larger than the ${avail} bytes in the block`;
    let lenPos = start + EVT_HDR_SIZE;
    const end = start + elen;
    let p = lenPos + n * ls;
    if (p > end) return `${n} parameters do not fit in event len ${elen}`;
    if (ls === 2 && n <= keep) {
      // The usual record: u16 lengths, every offset kept. Offsets only grow, so one check after
      // the loop tells whether any parameter overran (the slow loop then says which).
      for (let i = 0; i < n; i++) {
        offs[i] = p;
        p += buf[lenPos]! | (buf[lenPos + 1]! << 8);
        lenPos += 2;
      }
      if (p <= end) {
        offs[n] = p;
        return undefined;
      }
      lenPos = start + EVT_HDR_SIZE;
      p = lenPos + n * ls;
    }
    for (let i = 0; i < n; i++) {
      if (i < keep) offs[i] = p;
      p += ls === 2 ? buf[lenPos]! | (buf[lenPos + 1]! << 8) : (buf[lenPos]! | (buf[lenPos + 1]! << 8) | (buf[lenPos + 2]! << 16)) + buf[lenPos + 3]! * 0x1000000;
      if (p > end) {
        offs[0] = -1;
        return `parameter ${i} exceeds event len ${elen}`;
      }
      lenPos += ls;
    }
    if (n <= keep) offs[keep] = p;
    else offs[0] = -1; // more parameters than a view holds: offsets computed on access
    return undefined;
  }

  /** What every new record sets before its header is read: a new seq, no cached timestamp. */
  private point(buf: Buffer, start: number, num: number, cpu: number): void {
    this.buf = buf;
    this.start = start;
    this.num = num;
    this.cpu = cpu;
    this.tsCache = undefined;
    this.tsNumber = u32(buf, start + 4) * 4294967296 + u32(buf, start);
  }

  /** Timestamp in ns since the epoch. */
  get ts(): bigint {
    return (this.tsCache ??= this.buf.readBigUInt64LE(this.start));
  }

  /** The parameter offsets from the length array (reset(), and the reads after a load() that
   *  could not keep them): the width tested once and the fields read into locals. */
  private computeOffsets(): void {
    const b = this.buf;
    const n = this.nparams;
    const offs = this.offs;
    let lenPos = this.start + EVT_HDR_SIZE;
    if (this.lenSize === 2) {
      let p = lenPos + n * 2;
      for (let i = 0; i < n; i++) {
        offs[i] = p;
        p += b[lenPos]! | (b[lenPos + 1]! << 8);
        lenPos += 2;
      }
      offs[n] = p;
      return;
    }
    let p = lenPos + n * 4;
    for (let i = 0; i < n; i++) {
      offs[i] = p;
      p += u32(b, lenPos);
      lenPos += 4;
    }
    offs[n] = p;
  }

  /** Byte offset of parameter i in buf. */
  paramOffset(i: number): number {
    if (this.offs[0] === -1) this.computeOffsets();
    return this.offs[i]!;
  }

  /** Length in bytes of parameter i (0 for an empty parameter or i >= nparams). */
  paramLength(i: number): number {
    if (i >= this.nparams) return 0;
    if (this.offs[0] === -1) this.computeOffsets();
    return this.offs[i + 1]! - this.offs[i]!;
  }

  /** Whether parameter `i` is present and not empty (older layouts lack trailing parameters). */
  hasParam(i: number): boolean {
    return i < this.nparams && this.paramLength(i) > 0;
  }

  /** Signed integer value of a 1/2/4/8-byte parameter; 8-byte values beyond 2^53 lose precision.
   *  Bytes are read by hand (see u32): this runs for several parameters of every event. The
   *  common case, an 8-byte value that fits 32 bits (fds, return values), is kept small enough
   *  to be inlined into its callers; the rest is intOther. */
  int(i: number): number {
    const offs = this.offs;
    if (i < this.nparams && offs[0] !== -1) {
      const o = offs[i]!;
      if (offs[i + 1]! - o === 8) {
        const b = this.buf;
        const lo = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
        const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
        if (hi === lo >> 31) return lo;
        return hi * 4294967296 + (lo >>> 0);
      }
    }
    return this.intOther(i);
  }

  private intOther(i: number): number {
    if (i >= this.nparams) return 0;
    const offs = this.offs;
    if (offs[0] === -1) this.computeOffsets();
    const o = offs[i]!;
    const b = this.buf;
    switch (offs[i + 1]! - o) {
      case 1: return (b[o]! << 24) >> 24;
      case 2: return ((b[o]! | (b[o + 1]! << 8)) << 16) >> 16;
      case 4: return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
      case 8: return (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) * 4294967296 + u32(b, o);
      default: return 0;
    }
  }

  /** Unsigned integer value of a 1/2/4/8-byte parameter (4 bytes, the usual flags and modes,
   *  and 8 bytes below 2^32 inlined; the rest is uintOther). */
  uint(i: number): number {
    const offs = this.offs;
    if (i < this.nparams && offs[0] !== -1) {
      const o = offs[i]!;
      const len = offs[i + 1]! - o;
      if (len === 4 || len === 8) {
        const b = this.buf;
        const v = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
        // An 8-byte value with a zero high half (inode numbers, sizes) is its low half.
        if (len === 4 || (b[o + 4]! | b[o + 5]! | b[o + 6]! | b[o + 7]!) === 0) return v >= 0 ? v : v + 4294967296;
      }
    }
    return this.uintOther(i);
  }

  private uintOther(i: number): number {
    if (i >= this.nparams) return 0;
    const offs = this.offs;
    if (offs[0] === -1) this.computeOffsets();
    const o = offs[i]!;
    const b = this.buf;
    switch (offs[i + 1]! - o) {
      case 1: return b[o]!;
      case 2: return u16(b, o);
      case 4: return u32(b, o);
      case 8: return u32(b, o + 4) * 4294967296 + u32(b, o);
      default: return 0;
    }
  }

  /** Exact 64-bit value of an 8-byte parameter. */
  u64(i: number): bigint {
    return this.paramLength(i) === 8 ? this.buf.readBigUInt64LE(this.paramOffset(i)) : BigInt(this.uint(i));
  }

  /** A NUL-terminated string parameter (CHARBUF, FSPATH ...), without its terminator. */
  str(i: number): string {
    const o = this.paramOffset(i);
    let end = o + this.paramLength(i);
    if (end > o && this.buf[end - 1] === 0) end--;
    return utf8Slice(this.buf, o, end);
  }

  /** The raw bytes of parameter i (a view, not a copy). */
  bytes(i: number): Buffer {
    const o = this.paramOffset(i);
    return this.buf.subarray(o, o + this.paramLength(i));
  }

  /** Index of the parameter called `name` in this event's layout, or -1. */
  paramIndex(name: string): number {
    const ps = this.info.params;
    for (let i = 0; i < ps.length; i++) if (ps[i]!.name === name) return i;
    return -1;
  }

  /** The whole record (header + lengths + params) as a view. */
  record(): Buffer {
    return this.buf.subarray(this.start, this.start + this.len);
  }
}
