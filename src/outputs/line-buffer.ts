// Output lines built as bytes: `saker inspect` prints one line per selected event, often hundreds
// of thousands, and making each a string (String(number), concatenation, a join of them all, then
// the UTF-8 encoding of the whole) cost more than extracting the fields. Text goes into one
// growing buffer instead, numbers as digits, and the buffer is handed to the stream as it is.

/** A buffer of output bytes, filled from the start, handed over whole by take(). */
export class LineBuffer {
  private buf: Buffer;
  /** Bytes written so far; set it back to a mark to drop what followed. */
  pos = 0;

  constructor(private readonly initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Room for `n` more bytes. */
  private reserve(n: number): Buffer {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Appends `s` as UTF-8 (ASCII, the usual case, a byte per character without a native call). */
  text(s: string): void {
    const n = s.length;
    const b = this.reserve(n * 3);
    const start = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = start + b.write(s, start, 'utf8');
        return;
      }
      b[start + i] = c;
    }
    this.pos = start + n;
  }

  /** Appends the decimal digits of `n`, an integer in [0, 2^32): what String(n) gives. */
  uint32(n: number): void {
    const b = this.reserve(10);
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    let x = n;
    do {
      const q = Math.floor(x / 10);
      b[--p] = 48 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  /** Appends one byte (a newline, a separator). */
  byte(c: number): void {
    this.reserve(1)[this.pos++] = c;
  }

  /** The bytes written, for the caller to keep; the buffer starts over empty (a new one, as a
   *  stream may hold on to what it was given). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(this.initialSize, this.pos));
    this.pos = 0;
    return out;
  }
}
