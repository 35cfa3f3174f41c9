// Cuts a byte stream of back-to-back event records (libs layout, length at offset 16 of each
// header) into records, across chunk boundaries. Records inside a chunk are handed out in place
// (buffer + offset, no copy); only a record split between two chunks is copied, once.
import { EVT_HDR_SIZE } from '../../events/index.js';

const LEN_OFFSET = 16;
const LEN_END = LEN_OFFSET + 4;

export type RecordSink = (buf: Buffer, start: number) => void;

export class RecordStreamError extends Error {
  override name = 'RecordStreamError';
}

export class RecordSplitter {
  /** Bytes of a record that started in an earlier chunk. */
  private partial: Buffer | null = null;
  private partialLen = 0;
  /** Stream offset of the next byte, for error messages. */
  private offset = 0;

  /** Largest record accepted; anything longer means the stream is out of step. */
  constructor(private readonly maxRecord = 1 << 20) {}

  /** Feeds one chunk; calls `sink` once per complete record. Throws RecordStreamError on a
   *  corrupt length (the stream cannot be resynchronised after that). */
  push(chunk: Buffer, sink: RecordSink): void {
    let off = 0;
    if (this.partial) {
      off = this.completePartial(chunk, sink);
      if (this.partial) {
        this.offset += chunk.length;
        return;
      }
    }
    const end = chunk.length;
    while (end - off >= LEN_END) {
      const len = chunk.readUInt32LE(off + LEN_OFFSET);
      this.check(len, this.offset + off);
      if (off + len > end) break;
      sink(chunk, off);
      off += len;
    }
    if (off < end) {
      this.partial = Buffer.allocUnsafe(Math.max(end - off, LEN_END));
      this.partialLen = chunk.copy(this.partial, 0, off, end);
    }
    this.offset += chunk.length;
  }

  private completePartial(chunk: Buffer, sink: RecordSink): number {
    let off = 0;
    let p = this.partial!;
    if (this.partialLen < LEN_END) {
      const take = Math.min(LEN_END - this.partialLen, chunk.length);
      this.partialLen += chunk.copy(p, this.partialLen, 0, take);
      off = take;
      if (this.partialLen < LEN_END) return off;
    }
    const len = p.readUInt32LE(LEN_OFFSET);
    this.check(len, this.offset - this.partialLen + off);
    if (p.length < len) {
      const grown = Buffer.allocUnsafe(len);
      p.copy(grown, 0, 0, this.partialLen);
      this.partial = p = grown;
    }
    const take = Math.min(len - this.partialLen, chunk.length - off);
    this.partialLen += chunk.copy(p, this.partialLen, off, off + take);
    off += take;
    if (this.partialLen === len) {
      this.partial = null;
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
