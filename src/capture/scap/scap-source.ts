// A .scap capture as an EventSource: the file's table blocks, then its events, converted to the
// current one-exit-event model as libscap does. With `originals`, the source also keeps the
// records each converted event came from (the enter event of an old capture's pair and the exit
// record as stored), so that a filtered copy of an old capture stays readable by sysdig 0.29.
import { EventView } from '../../events/event-view.js';
import type { EventSink, EventSource, SourceCounters } from '../source.js';
import { Conversion, ConversionError, ScapConverter } from './converter.js';
import { readScap, type ScapReadOptions, type ScapSource } from './reader.js';

export interface ScapFileSourceOptions {
  /** evt.num: 'delivered' (1, 2, 3 ... as current libsinsp numbers, the default) or 'file'. */
  numbering?: ScapReadOptions['numbering'];
  /** Keep each event's original records (see originals()); events are converted here. */
  originals?: boolean;
  /** Name in error messages when the input is not a path. */
  file?: string;
}

/** A record as the capture holds it, for a copy of the capture. */
export interface OriginalRecord {
  record: EventView | Buffer;
  cpu: number;
  flags: number;
}

/** An event of the capture that cannot be interpreted (an old event the converter cannot map). */
export class CaptureEventError extends Error {
  override name = 'CaptureEventError';
}

export class ScapFileSource implements EventSource {
  readonly kind = 'capture';
  readonly ended: Promise<void>;
  private endedResolve!: () => void;
  private endedReject!: (err: unknown) => void;
  private stopping = false;
  private delivered = 0;
  private readonly converter = new ScapConverter();
  private readonly view = new EventView();
  /** With originals: the last enter record of each thread, copied, and the current event's. */
  private readonly enters = new Map<number, { buf: Buffer; cpu: number; flags: number }>();
  private current: OriginalRecord[] = [];

  constructor(private readonly input: ScapSource, private readonly opts: ScapFileSourceOptions = {}) {
    this.ended = new Promise((resolve, reject) => {
      this.endedResolve = resolve;
      this.endedReject = reject;
    });
    this.ended.catch(() => {}); // a caller that only awaits start() still gets the rejection from ended
  }

  describe(): string {
    return this.opts.file ?? (typeof this.input === 'string' ? this.input : 'capture stream');
  }

  start(sink: EventSink): Promise<void> {
    const originals = this.opts.originals === true;
    const reading = readScap(this.input, {
      tables: (t) => {
        this.converter.reset();
        this.enters.clear();
        sink.tables?.(t);
      },
      event: originals ? (raw, flags) => this.convertKeeping(raw, flags, sink) : (evt, flags) => {
        this.delivered++;
        sink.event(evt, flags);
      },
      chunkDone: async () => {
        if (this.stopping) return false;
        return (await sink.batchDone?.()) !== false && !this.stopping;
      },
    }, { convert: !originals, numbering: this.opts.numbering ?? 'delivered', file: this.opts.file });
    reading.then(() => this.endedResolve(), (e: unknown) => this.endedReject(e));
    return Promise.resolve();
  }

  /** The records the event being delivered came from: its enter event (an old capture's), then
   *  the exit record as stored. Valid during the sink's event() call; empty without `originals`. */
  originals(): readonly OriginalRecord[] {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.ended.catch(() => {});
  }

  counters(): SourceCounters {
    return { delivered: this.delivered, drops: 0, dropsByReason: {} };
  }

  private convertKeeping(raw: EventView, flags: number, sink: EventSink): void {
    let conv;
    try {
      conv = this.converter.convert(raw.buf, raw.start);
    } catch (e) {
      if (e instanceof ConversionError) throw new CaptureEventError(`${this.describe()}: event ${raw.num}: cannot convert it: ${e.message}`);
      throw e;
    }
    if (conv.verdict === Conversion.Drop) {
      // An enter event whose parameters move into its exit event: kept to copy with that one.
      if ((raw.type & 1) === 0) this.enters.set(raw.tid, { buf: Buffer.from(raw.record()), flags, cpu: raw.cpu });
      return;
    }
    const evt = conv.buf === raw.buf && conv.start === raw.start ? raw : this.view.reset(conv.buf, conv.start, raw.num, raw.cpu);
    const enter = this.enters.get(raw.tid);
    this.current = [];
    if (enter && enter.buf.readUInt16LE(20) === raw.type - 1) {
      this.current.push({ record: enter.buf, cpu: enter.cpu, flags: enter.flags });
      this.enters.delete(raw.tid);
    }
    this.current.push({ record: raw, cpu: raw.cpu, flags });
    this.delivered++;
    sink.event(evt, flags);
  }
}

