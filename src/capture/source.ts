// Where events come from, behind one interface (libscap's engine vtable plays this part): the
// live eBPF sensor and a .scap capture file both push events into an EventSink, so the agent,
// `saker capture` and `saker inspect` build the same pipeline over either.
import type { EventView } from '../events/index.js';
import type { ScapTables } from './scap/file-format.js';

export interface EventSink {
  /** A capture's table blocks (process and fd lists, users, interfaces), before its events. */
  tables?(tables: ScapTables): void;
  /** One event. The view is the source's own, re-pointed at the next record after the call. */
  event(evt: EventView, flags: number): void;
  /**
   * Called (and awaited) after each batch of events — a read chunk of a file, a drain of the
   * sensor's pipe: the place to flush output with backpressure. Returning false stops the source.
   */
  batchDone?(): boolean | void | Promise<boolean | void>;
}

export interface SourceCounters {
  /** Events delivered to the sink. */
  delivered: number;
  /** Events lost before delivery (the kernel's ring buffers were full): live sources only. */
  drops: number;
  /** Drops by reason (ring-full by event family, too large, no scratch space). */
  dropsByReason: Record<string, number>;
  /** Live: per CPU (index = CPU), the kernel's events and drops. */
  perCpu?: ReadonlyArray<{ events: number; drops: number }>;
}

export interface EventSource {
  /** 'live' for the sensor, 'capture' for a file. */
  readonly kind: 'live' | 'capture';
  /** What the source reads from: the attach method and syscall count, or the file name. */
  describe(): string;
  /**
   * Starts delivering to `sink`; resolves once events flow (the sensor attached, the file
   * opened). Rejects when the source cannot start (SensorError, a missing file).
   */
  start(sink: EventSink): Promise<void>;
  /**
   * Settles once the source has ended: the capture read to its end or stopped, the sensor
   * stopped. Rejects with the reason it ended early (ScapFormatError at the fault's offset, a
   * SensorError when the sensor died), after delivering every event before the fault.
   */
  readonly ended: Promise<void>;
  /** Ends delivery and resolves once no more events will come. */
  stop(): Promise<void>;
  counters(): SourceCounters;
}
