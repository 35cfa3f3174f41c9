// The pipeline of `saker capture`: the live sensor for every syscall it decodes → the state
// (so that a filter can use process and fd fields, and the container runtimes describe the
// containers) → a .scap file that sysdig, Falco and saker read: machine, interfaces, users and the
// process table with its fds first, then the containers known at the start, then each event the
// filter keeps, a container's description written before the first event after it was described.
import { LiveSource, SENSOR_SYSCALLS } from '../capture/live/index.js';
import { ScapWriter } from '../capture/scap/index.js';
import { compileUserFilter } from '../filter/index.js';
import { ContainerRuntimes, runtimesConfig } from '../runtimes/index.js';
import { containerAddedEvent, liveTables, bootTimeNs, ProcScanner, State, type ContainerInfo } from '../state/index.js';

export interface RecorderOptions {
  /** The capture file. */
  file: string;
  gzip?: boolean;
  /** Truncate an existing capture file at `file` (default: refuse it). */
  overwrite?: boolean;
  /** Keep only events matching this condition (FilterError when it does not compile). */
  filter?: string;
  /** How long start() waits for the runtimes to describe the containers already running (default 2000 ms). */
  describeWaitMs?: number;
}

export interface RecorderSummary {
  /** Events the sensor delivered. */
  seen: number;
  /** Events written to the file. */
  written: number;
  /** Events lost in the kernel. */
  drops: number;
  /** Container descriptions written (the plugin's "container" async events). */
  containers: number;
}

/** libs' dump of a plugin's state at the start of a capture: no time, thread 1 (plugin.cpp dump_state). */
const DUMP_TS = 0xffffffffffffffffn;
const DUMP_TID = 1;
/** A container announced while capturing: no thread (the plugin's generate_async_event). */
const ANNOUNCE_TID = 0;

export class Recorder {
  readonly source = new LiveSource({ syscalls: SENSOR_SYSCALLS });
  /** Descriptions not yet written, in the order the runtimes gave them. */
  private described: ContainerInfo[] = [];
  private readonly state = new State({ live: true, onContainerDescribed: (info) => this.described.push(info) });
  private readonly runtimes = new ContainerRuntimes(runtimesConfig());
  private readonly writer: ScapWriter;
  private readonly filter: ReturnType<typeof compileUserFilter> | undefined;
  private written = 0;
  private seen = 0;
  private containers = 0;
  /** Threads in the process table the file starts with (known once started). */
  threads = 0;

  constructor(private readonly opts: RecorderOptions) {
    this.filter = opts.filter === undefined ? undefined : compileUserFilter(opts.filter);
    // Tables with fds of types sysdig 0.29 does not know (bpf, memfd, pidfd ...) keep it from
    // opening the file at all: those are written as "unsupported", with their names.
    this.writer = new ScapWriter(opts.file, { gzip: opts.gzip === true, sysdigFdTypes: true, overwrite: opts.overwrite });
  }

  /** Starts the sensor; resolves once capturing. */
  async start(): Promise<void> {
    const { state, writer, filter } = this;
    // The runtimes first, so the containers the /proc scan finds are described at once.
    await this.runtimes.start();
    this.runtimes.attach(state.containers);
    const snapshots = new ProcScanner().scanAll();
    state.loadSnapshots(snapshots);
    this.threads = snapshots.length;
    writer.writeTables(liveTables(snapshots, bootTimeNs()));
    await Promise.race([state.containers.idle(), new Promise((r) => setTimeout(r, this.opts.describeWaitMs ?? 2000).unref())]);
    this.writeDescribed(DUMP_TS, DUMP_TID);
    await this.source.start({
      event: (evt) => {
        this.seen++;
        const ctx = state.process(evt);
        // Before the event: the plugin must know the container when the event's fields are read.
        if (this.described.length > 0) this.writeDescribed(evt.ts, ANNOUNCE_TID);
        if (filter && !filter(ctx)) return;
        writer.writeEvent(evt, evt.cpu);
        this.written++;
        if (writer.wantsFlush) void writer.flush();
      },
    }).catch(async (e: unknown) => {
      this.runtimes.close();
      await writer.close();
      state.close();
      throw e;
    });
  }

  /** Writes the containers described since the last call, each once (its latest description). */
  private writeDescribed(ts: bigint, tid: number): void {
    const latest = new Map(this.described.map((c) => [c.id, c]));
    this.described = [];
    for (const info of latest.values()) {
      this.writer.writeEvent(containerAddedEvent(info, ts, tid), 0);
      this.containers++;
    }
  }

  /** Settles when the sensor stops, or rejects when it fails. */
  get ended(): Promise<void> {
    return this.source.ended;
  }

  async stop(): Promise<RecorderSummary> {
    await this.source.stop();
    this.runtimes.close();
    await this.writer.close();
    this.state.close();
    return { seen: this.seen, written: this.written, drops: this.source.counters().drops, containers: this.containers };
  }
}
