// saker inspect: reads a .scap capture, rebuilds the system state from its tables and events,
// and prints the events a filter selects in a -p format, as `sysdig -r FILE -p FORMAT FILTER`
// does; -w writes the selected events (and every table block) to a new capture instead.
//
// Events are handled in the current libs model: one exit event per syscall. Old captures carry
// enter/exit pairs, which the reader converts; with -w they are read raw and converted here, so
// that the copy holds the original records — enter event included — that sysdig 0.29 needs to
// show the same fields.
import { statSync } from 'node:fs';
import { Conversion, ConversionError, ScapConverter } from '../../capture/scap/converter.js';
import { ScapFormatError } from '../../capture/scap/file-format.js';
import { readScap } from '../../capture/scap/reader.js';
import { loadScapTables } from '../../state/capture-tables.js';
import { ScapWriter } from '../../capture/scap/writer.js';
import { EC } from '../../events/event-info.js';
import { EVENT_TABLE } from '../../events/event-table.js';
import { EventView } from '../../events/event-view.js';
import type { Pos } from '../../filter/ast.js';
import { compileFilter, FilterCompileError, type CompiledFilter } from '../../filter/condition-compiler.js';
import { eventCodesOf, type CodeSet } from '../../filter/condition-codes.js';
import { setArgRenderOptions } from '../../filter/fields/evt.js';
import { FilterSyntaxError, parseCondition } from '../../filter/condition-parser.js';
import { compileFormat, FormatError, NOT_AVAILABLE, valueToString, type OutputFormat } from '../../filter/output-format.js';
import { LineBuffer } from '../../outputs/line-buffer.js';
import { State } from '../../state/state.js';
import type { EventContext } from '../../state/types.js';
import { parse, UsageError } from '../args.js';

/** sysdig's default line (%evt.outputtime is %evt.time by default; evt.info is evt.args in current libs). */
export const DEFAULT_FORMAT = '*%evt.num %evt.time %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.args';

export const INSPECT_HELP = `Usage: saker inspect FILE [FILTER...] [-p FORMAT] [-w OUT] [-n COUNT]

Reads a .scap capture (plain or gzip), rebuilds the process, fd and user state from its tables
and events, and prints one line per event that FILTER selects, like sysdig -r FILE -p FORMAT FILTER.
Events are exit events (one per syscall, as current libs deliver them): the parameters of an
old capture's enter event are merged into its exit event.

  FILTER                a condition in the Falco/sysdig filter language; the remaining arguments
                        are joined with spaces (e.g. saker inspect f.scap proc.name=curl and fd.num=3)
  -p, --print FORMAT    output format, sysdig's -p syntax: %field, %Nfield (width N),
                        %transformer(field). Lines with a field that has no value are skipped,
                        unless FORMAT starts with '*': then missing values print as <NA>.
                        Default: '${DEFAULT_FORMAT}'
                        Internal events (procinfo) are never printed.
  -w, --write OUT       write the selected events to the capture OUT instead of printing them:
                        every table block, then each selected event as the input has it (with the
                        enter event of an old capture's enter/exit pair), readable by sysdig
  -z, --compress        gzip OUT
  -n, --count COUNT     stop after COUNT selected events (printed or not, as sysdig's -n)
  -v, --verbose         print byte buffers (evt.args, evt.arg.*) whole; by default they are cut
                        at 80 characters ending in '...', as sysdig does
  -h, --help            this text

Exit status: 0 on success; 1 on a usage, filter or format error, and on a truncated or corrupt
capture (every event before the fault is handled first; the error names the byte offset and the
block type).
`;

/** sysdig's cut for byte buffers in event arguments (unless -v). */
const SYSDIG_MAX_ARG_LEN = 80;

/** A filter that could not be compiled, with where it failed. */
export class FilterError extends Error {
  override name = 'FilterError';
  constructor(message: string, readonly pos: Pos | undefined, readonly text: string) {
    super(message);
  }
}

/** Parses and compiles a filter; errors carry libsinsp's message and the position. */
export function compileInspectFilter(text: string): CompiledFilter {
  return compileInspectFilterWithCodes(text).filter;
}

/**
 * compileInspectFilter, with the event codes the filter can match: most filters name their event
 * types, and an event of any other type is then rejected by one table read instead of a call.
 */
export function compileInspectFilterWithCodes(text: string): { filter: CompiledFilter; codes: CodeSet | undefined } {
  let expr;
  let filter;
  try {
    expr = parseCondition(text);
    filter = compileFilter(expr);
  } catch (e) {
    if (e instanceof FilterSyntaxError || e instanceof FilterCompileError) throw new FilterError(e.message, e.pos, text);
    throw e;
  }
  let codes: CodeSet | undefined;
  try {
    codes = eventCodesOf(expr);
  } catch {
    codes = undefined; // a check the code search does not follow: every event goes to the filter
  }
  return { filter, codes };
}

/** The error text for a bad filter: message, position, and the filter with a caret under it. */
export function describeFilterError(e: FilterError): string {
  if (!e.pos) return `filter error: ${e.message}`;
  const line = e.text.split(/\r\n|\r|\n/)[e.pos.line - 1] ?? '';
  return `filter error at line ${e.pos.line}, column ${e.pos.col}: ${e.message}\n  ${line}\n  ${' '.repeat(e.pos.col - 1)}^`;
}

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
      if (typeof v === 'number' && t.width === 0 && t.type !== 'double' && v >>> 0 === v) {
        out.uint32(v);
        continue;
      }
      let s = v === undefined ? NOT_AVAILABLE : valueToString(v, t.type);
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
      let s = v === undefined ? NOT_AVAILABLE : valueToString(v, t.type);
      if (t.width > 0) s = s.length > t.width ? s.slice(0, t.width) : s.padEnd(t.width, ' ');
      out += s;
    }
    return out;
  }
}

export interface InspectOptions {
  filter?: string;
  /** -p format (default DEFAULT_FORMAT). */
  format?: string;
  /** -w: write the selected events here instead of printing. */
  write?: string;
  gzip?: boolean;
  /** Stop after this many selected events. */
  count?: number;
  /** Byte buffers in evt.args / evt.arg.* whole instead of cut at 80 characters. */
  verbose?: boolean;
  /** Where lines go (default process.stdout). */
  out?: NodeJS.WritableStream;
}

export interface InspectResult {
  /** Events delivered (after conversion). */
  events: number;
  /** Events the filter selected. */
  selected: number;
  /** Lines printed, or events written with -w. */
  output: number;
}

/** Buffers output lines and writes them once per read chunk, honouring backpressure. */
class LineSink {
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

/**
 * Runs inspect over `file`. Everything before a capture fault is printed (or written) first;
 * then the ScapFormatError is thrown.
 */
export async function inspect(file: string, opts: InspectOptions = {}): Promise<InspectResult> {
  setArgRenderOptions(opts.verbose ? undefined : { maxBufLen: SYSDIG_MAX_ARG_LEN });
  const compiled = opts.filter ? compileInspectFilterWithCodes(opts.filter) : undefined;
  const filter = compiled?.filter;
  // The codes the filter can match (every code when there is no filter or no code set).
  const codes = compiled?.codes ?? new Uint8Array(EVENT_TABLE.length).fill(1);
  const printer = opts.write === undefined ? new LinePrinter(opts.format ?? DEFAULT_FORMAT) : undefined;
  const writer = opts.write === undefined ? undefined : new ScapWriter(opts.write, { gzip: opts.gzip });
  const sink = printer ? new LineSink(opts.out ?? process.stdout) : undefined;
  const state = new State({ hostUsers: false, containerLookup: false });
  const converter = new ScapConverter();
  const view = new EventView();
  // With -w: the last enter record of each thread, copied, to write before its selected exit.
  const enters = new Map<number, { buf: Buffer; flags: number; cpu: number }>();
  const limit = opts.count ?? Infinity;
  const result: InspectResult = { events: 0, selected: 0, output: 0 };
  let stop = false;

  const parser = state.parser;
  const lines = sink?.lines;

  // Called synchronously for every event of a read chunk; output is flushed between chunks.
  // Printing, the reader converts old events itself and every event comes straight here.
  const print = (evt: EventView): void => {
    if (stop) return;
    result.events++;
    const ctx = parser.process(evt);
    if (codes[evt.type] !== 1 || (filter !== undefined && !filter(ctx))) return;
    if (++result.selected >= limit) stop = true;
    // Internal events (procinfo ...) count for -n but are not printed, as in sysdig.
    if ((evt.info.category & EC.INTERNAL) !== 0) return;
    if (printer!.write(ctx, lines!)) result.output++;
  };

  // With -w, events are converted here to keep the raw records.
  const copy = (raw: EventView, flags: number): void => {
    if (stop) return;
    let conv;
    try {
      conv = converter.convert(raw.buf, raw.start);
    } catch (e) {
      if (e instanceof ConversionError) throw new CaptureEventError(`${file}: event ${raw.num}: cannot convert it: ${e.message}`);
      throw e;
    }
    if (conv.verdict === Conversion.Drop) {
      // An enter event whose parameters move into its exit event; -w copies it with that one.
      if ((raw.type & 1) === 0) enters.set(raw.tid, { buf: Buffer.from(raw.record()), flags, cpu: raw.cpu });
      return;
    }
    const evt = conv.buf === raw.buf && conv.start === raw.start ? raw : view.reset(conv.buf, conv.start, raw.num, raw.cpu);
    result.events++;
    const ctx = parser.process(evt);
    if (codes[evt.type] !== 1 || (filter !== undefined && !filter(ctx))) return;
    if (++result.selected >= limit) stop = true;
    const enter = enters.get(raw.tid);
    if (enter && enter.buf.readUInt16LE(20) === raw.type - 1) {
      writer!.writeEvent(enter.buf, enter.cpu, enter.flags);
      enters.delete(raw.tid);
    }
    writer!.writeEvent(raw, raw.cpu, flags);
    result.output++;
  };

  try {
    await readScap(file, {
      tables: (t) => {
        converter.reset();
        enters.clear();
        loadScapTables(state, t);
        writer?.writeTables(t);
      },
      event: writer === undefined ? print : copy,
      chunkDone: async () => {
        await sink?.flush();
        if (writer?.wantsFlush) await writer.flush();
        return !stop && sink?.broken !== true;
      },
    }, { convert: writer === undefined });
  } finally {
    await sink?.flush();
    await writer?.close();
    state.close();
  }
  return result;
}

/** An event of the capture that cannot be interpreted (an old event the converter cannot map). */
export class CaptureEventError extends Error {
  override name = 'CaptureEventError';
}

export async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    print: { type: 'string', short: 'p' },
    write: { type: 'string', short: 'w' },
    compress: { type: 'boolean', short: 'z' },
    count: { type: 'string', short: 'n' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    process.stdout.write(INSPECT_HELP);
    return 0;
  }
  const [file, ...rest] = positionals;
  if (file === undefined) throw new UsageError(`missing capture file\n\n${INSPECT_HELP}`);
  let count: number | undefined;
  if (values.count !== undefined) {
    if (!/^\d+$/.test(values.count)) throw new UsageError(`-n wants a number of events, not '${values.count}'`);
    count = Number(values.count);
  }
  if (values.print !== undefined && values.write !== undefined) throw new UsageError('-p and -w exclude each other');
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`saker inspect: cannot read ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await inspect(file, { filter: rest.join(' ') || undefined, format: values.print, write: values.write, gzip: values.compress, count, verbose: values.verbose });
    return 0;
  } catch (e) {
    if (e instanceof FilterError) {
      process.stderr.write(`saker inspect: ${describeFilterError(e)}\n`);
      return 1;
    }
    if (e instanceof FormatError) {
      process.stderr.write(`saker inspect: format error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ScapFormatError || e instanceof CaptureEventError) {
      process.stderr.write(`saker inspect: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
