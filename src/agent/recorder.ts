// The pipeline of `saker capture`: the live sensor for every syscall it decodes → the state
// (so that a filter can use process and fd fields) → a .scap file that sysdig, Falco and saker
// read: machine, interfaces, users and the process table with its fds first, then each event
// the filter keeps.
import { LiveSource, SENSOR_SYSCALLS } from '../capture/live/index.js';
import { ScapWriter } from '../capture/scap/index.js';
import { compileUserFilter } from '../filter/index.js';
import { liveTables, bootTimeNs, ProcScanner, State } from '../state/index.js';

export interface RecorderOptions {
  /** The capture file. */
  file: string;
  gzip?: boolean;
  /** Truncate an existing capture file at `file` (default: refuse it). */
  overwrite?: boolean;
  /** Keep only events matching this condition (FilterError when it does not compile). */
  filter?: string;
}

export interface RecorderSummary {
  /** Events the sensor delivered. */
  seen: number;
  /** Events written to the file. */
  written: number;
  /** Events lost in the kernel. */
  drops: number;
}

export class Recorder {
  readonly source = new LiveSource({ syscalls: SENSOR_SYSCALLS });
  private readonly state = new State({ live: true, containerLookup: false });
  private readonly writer: ScapWriter;
  private written = 0;
  private seen = 0;
  /** Threads in the process table the file starts with. */
  readonly threads: number;

  constructor(opts: RecorderOptions) {
    const filter = opts.filter === undefined ? undefined : compileUserFilter(opts.filter);
    const snapshots = new ProcScanner().scanAll();
    this.state.loadSnapshots(snapshots);
    this.threads = snapshots.length;
    // Tables with fds of types sysdig 0.29 does not know (bpf, memfd, pidfd ...) keep it from
    // opening the file at all: those are written as "unsupported", with their names.
    this.writer = new ScapWriter(opts.file, { gzip: opts.gzip === true, sysdigFdTypes: true, overwrite: opts.overwrite });
    this.writer.writeTables(liveTables(snapshots, bootTimeNs()));
    const { state, writer } = this;
    this.start = () => this.source.start({
      event: (evt) => {
        this.seen++;
        const ctx = state.process(evt);
        if (filter && !filter(ctx)) return;
        writer.writeEvent(evt, evt.cpu);
        this.written++;
        if (writer.wantsFlush) void writer.flush();
      },
    }).catch(async (e: unknown) => {
      await writer.close();
      state.close();
      throw e;
    });
  }

  /** Starts the sensor; resolves once capturing. */
  readonly start: () => Promise<void>;

  /** Settles when the sensor stops, or rejects when it fails. */
  get ended(): Promise<void> {
    return this.source.ended;
  }

  async stop(): Promise<RecorderSummary> {
    await this.source.stop();
    await this.writer.close();
    this.state.close();
    return { seen: this.seen, written: this.written, drops: this.source.counters().drops };
  }
}
