// Cuts a byte stream of back-to-back event records (libs layout, length at offset 16 of each
// header) into records, across chunk boundaries. Records inside a chunk are handed out in place
// (buffer + offset, no copy); only a record split between two chunks is copied, once. Nothing of
// a chunk is kept once push returns: the reader may fill the same buffer again.
import { EVT_HDR_SIZE, recordLength } from '../../events/index.js';

/** Bytes of a record's header up to the end of its len field (recordLength). */
const LEN_END = 20;

export type RecordSink = (buf: Buffer, start: number) => void;

export class RecordStreamError extends Error {
  override name = 'RecordStreamError';
}

export class RecordSplitter {
  /** Where a record that started in an earlier chunk is put together: this splitter's own,
   *  grown to the longest such record and used again (a sink keeps nothing of what it is given). */
  private carry = Buffer.allocUnsafe(4096);
  /** Bytes of that record held in carry; 0: none. */
  private partialLen = 0;
  /** Stream offset of the next byte, for error messages. */
  private offset = 0;

  /** Largest record accepted; anything longer means the stream is out of step. */
  constructor(private readonly maxRecord = 1 << 20) {}

  /** Feeds one chunk (its first `length` bytes); calls `sink` once per complete record. Nothing of
   *  the chunk is referred to once this returns. Throws RecordStreamError on a corrupt length
   *  (the stream cannot be resynchronised after that). */
  push(chunk: Buffer, sink: RecordSink, length = chunk.length): void {
    let off = 0;
    if (this.partialLen > 0) {
      off = this.completePartial(chunk, sink, length);
      if (this.partialLen > 0) {
        this.offset += length;
        return;
      }
    }
    while (length - off >= LEN_END) {
      // by hand: Buffer's readUInt32LE validates its offset through a wrapper that takes its
      // arguments as an array and calls on with Reflect.apply, 4% of the live event thread
      const len = recordLength(chunk, off);
      this.check(len, this.offset + off);
      if (off + len > length) break;
      sink(chunk, off);
      off += len;
    }
    if (off < length) {
      if (this.carry.length < length - off) this.carry = Buffer.allocUnsafe(length - off);
      this.partialLen = chunk.copy(this.carry, 0, off, length);
    }
    this.offset += length;
  }

  private completePartial(chunk: Buffer, sink: RecordSink, length: number): number {
    let off = 0;
    let p = this.carry;
    if (this.partialLen < LEN_END) {
      const take = Math.min(LEN_END - this.partialLen, length);
      this.partialLen += chunk.copy(p, this.partialLen, 0, take);
      off = take;
      if (this.partialLen < LEN_END) return off;
    }
    const len = recordLength(p, 0);
    this.check(len, this.offset - this.partialLen + off);
    if (p.length < len) {
      const grown = Buffer.allocUnsafe(len);
      p.copy(grown, 0, 0, this.partialLen);
      this.carry = p = grown;
    }
    const take = Math.min(len - this.partialLen, length - off);
    this.partialLen += chunk.copy(p, this.partialLen, off, off + take);
    off += take;
    if (this.partialLen === len) {
      this.partialLen = 0;
      sink(p, 0);
    }
    return off;
  }

  private check(len: number, at: number): void {
    if (len < EVT_HDR_SIZE || len > this.maxRecord)
      throw new RecordStreamError(`corrupt event stream: record length ${len} at byte ${at}`);
  }
}
