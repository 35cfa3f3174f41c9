// Events printed one line each in a -p format, as sysdig prints them (saker inspect): with a
// leading '*' every event prints (missing values as <NA>), without it an event that lacks any
// field prints nothing. Lines go into a LineBuffer as bytes; LineSink writes them out once per
// batch with backpressure, and stops quietly when the reader goes away (EPIPE, `| head`).
import { compileFormat, fieldText, NOT_AVAILABLE, type OutputFormat } from '../filter/index.js';
import type { EventContext } from '../state/index.js';
import { LineBuffer } from './line-buffer.js';

/**
 * A -p format as sysdig prints it: with a leading '*' every event prints (missing values as
 * <NA>), without it an event that lacks any field prints nothing.
 */
export class LinePrinter {
  private readonly fmt: OutputFormat;
  private readonly requireAll: boolean;

  constructor(format: string) {
    this.fmt = compileFormat(format);
    this.requireAll = !format.startsWith('*');
  }

  /**
   * Appends the line for this event, newline included, to `out`; false (and nothing appended)
   * when a field is missing and the format requires all. The bytes are those of line(): integers
   * go in as digits and text as UTF-8, without a string for the line.
   */
  write(ctx: EventContext, out: LineBuffer): boolean {
    const mark = out.pos;
    const tokens = this.fmt.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (typeof t === 'string') {
        out.text(t);
        continue;
      }
      const v = t.extract(ctx);
      if (v === undefined && this.requireAll) {
        out.pos = mark;
        return false;
      }
      const printed = v === undefined || t.print === undefined ? undefined : t.print(ctx);
      if (typeof v === 'number' && printed === undefined && t.width === 0 && t.type !== 'double' && !t.hex && v >>> 0 === v) {
        out.uint32(v);
        continue;
      }
      let s = v === undefined ? NOT_AVAILABLE : (printed ?? fieldText(v, t));
      if (t.width > 0) s = s.length > t.width ? s.slice(0, t.width) : s.padEnd(t.width, ' ');
      out.text(s);
    }
    out.byte(10);
    return true;
  }

  /** The line for this event, or undefined when a field is missing and the format requires all. */
  line(ctx: EventContext): string | undefined {
    let out = '';
    for (const t of this.fmt.tokens) {
      if (typeof t === 'string') {
        out += t;
        continue;
      }
      const v = t.extract(ctx);
      if (v === undefined && this.requireAll) return undefined;
      let s = v === undefined ? NOT_AVAILABLE : (t.print?.(ctx) ?? fieldText(v, t));
      if (t.width > 0) s = s.length > t.width ? s.slice(0, t.width) : s.padEnd(t.width, ' ');
      out += s;
    }
    return out;
  }
}

/** Buffers output lines and writes them once per read chunk, honouring backpressure. */
export class LineSink {
  /** The lines since the last flush, as bytes. */
  readonly lines = new LineBuffer();
  /** The reader went away (EPIPE, e.g. `| head`): stop quietly. */
  broken = false;
  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      this.broken = true;
    });
  }
  async flush(): Promise<void> {
    if (this.lines.pos === 0 || this.broken) return;
    if (!this.out.write(this.lines.take())) {
      await new Promise<void>((r) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('error', done);
          r();
        };
        this.out.once('drain', done);
        this.out.once('error', done);
      });
    }
  }
}

