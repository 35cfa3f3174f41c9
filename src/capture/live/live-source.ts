// The live eBPF sensor as an EventSource: starts the sensor for a syscall set, streams its
// records to the sink, and keeps the latest kernel counters (events, drops by reason). The set
// can change while it runs (a rules reload), without restarting the sensor.
import type { EventSink, EventSource, SourceCounters } from '../source.js';
import { LiveSensor, SensorError, type SensorOptions, type SensorStats } from './sensor.js';

export type LiveSourceOptions = Omit<SensorOptions, 'onEvent' | 'onError'>;

export class LiveSource implements EventSource {
  readonly kind = 'live';
  readonly ended: Promise<void>;
  private endedResolve!: () => void;
  private endedReject!: (err: unknown) => void;
  private sensor: LiveSensor | undefined;
  private syscallCount: number;
  private final: SensorStats | undefined;
  private syscallsAtStart: string[];
  private prefilterLines: string[] = [];
  private current: string[];

  constructor(private readonly opts: LiveSourceOptions) {
    this.syscallsAtStart = [...new Set(opts.syscalls)];
    this.current = this.syscallsAtStart;
    this.syscallCount = this.syscallsAtStart.length;
    this.ended = new Promise((resolve, reject) => {
      this.endedResolve = resolve;
      this.endedReject = reject;
    });
    this.ended.catch(() => {});
  }

  describe(): string {
    return `${this.attach || 'eBPF sensor'} (${this.syscallCount} syscalls)`;
  }

  /** The attach flavour the kernel accepted ('tp_btf' or 'raw_tp'), once started. */
  get attach(): string {
    return this.sensor?.attach ?? '';
  }

  /** The kernel runs 32-bit (compat) syscalls, which the sensor translates (once started). */
  get compat(): boolean {
    return this.sensor?.compat ?? false;
  }

  /** The kernel has the io_uring tracepoints: ring opens and connects are seen (once started). */
  get ioUring(): boolean {
    return this.sensor?.ioUring ?? false;
  }

  /** Who reads the rings ('in-process' or 'loader'), once started. */
  get reader(): string {
    return this.sensor?.reader ?? '';
  }

  /** Why the sensor's loader reads the rings when this process could not (once started). */
  get readerNote(): string {
    return this.sensor?.readerNote ?? '';
  }

  /** The sensor's pid, once started. */
  get sensorPid(): number {
    return this.sensor?.pid ?? 0;
  }

  /** Whether the sensor excludes its own events in the kernel (it knew its host pid). */
  get selfExcluded(): boolean {
    return (this.sensor?.hostPid ?? 0) !== 0;
  }

  get syscalls(): number {
    return this.syscallCount;
  }

  /** The syscall set in force (or to start with). */
  get syscallList(): string[] {
    return [...this.current];
  }

  async start(sink: EventSink): Promise<void> {
    this.sensor = await LiveSensor.start({
      ...this.opts,
      syscalls: this.syscallsAtStart,
      onEvent: (evt) => sink.event(evt, 0),
      onBatch: sink.batchDone === undefined ? undefined : () => {
        void sink.batchDone!();
      },
      onError: (err: SensorError) => this.endedReject(err),
    });
    if (this.prefilterLines.length > 0) await this.sensor.prefilter(this.prefilterLines);
  }

  /** Replaces the captured syscall set: before start, the set the sensor starts with; after,
   *  resolves once the kernel bitmap is updated. */
  async setSyscalls(names: Iterable<string>): Promise<void> {
    const list = [...new Set(names)];
    if (this.sensor) await this.sensor.setSyscalls(list);
    else this.syscallsAtStart = list;
    this.current = list;
    this.syscallCount = list.length;
  }

  /** Installs the open prefilter's commands (prefilterCommands; ['prefilter off'] turns it
   *  off): before start, kept for when the sensor is up; after, resolves once the sensor took them. */
  async setPrefilter(lines: readonly string[]): Promise<void> {
    this.prefilterLines = [...lines];
    if (this.sensor) await this.sensor.prefilter(lines);
  }

  /** Fresh counters from the sensor (asked of it, not the periodic ones). */
  stats(): Promise<SensorStats> {
    if (!this.sensor) return Promise.reject(new SensorError('exited', 'the sensor is not running'));
    return this.sensor.stats();
  }

  async stop(): Promise<void> {
    if (this.sensor) this.final = await this.sensor.stop().catch(() => this.sensor?.latestStats);
    this.endedResolve();
  }

  counters(): SourceCounters {
    const s = this.final ?? this.sensor?.latestStats;
    return {
      delivered: this.sensor?.received ?? 0,
      drops: s?.drops ?? 0,
      dropsByReason: s ? dropReasons(s) : {},
      perCpu: s?.perCpu ?? [],
    };
  }
}

function dropReasons(s: SensorStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [family, n] of Object.entries(s.dropsFull)) out[`full_${family}`] = n;
  out.too_large = s.dropsTooLarge;
  out.no_scratch = s.dropsNoScratch;
  return out;
}
