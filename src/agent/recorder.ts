// The pipeline of `saker capture`: the live sensor for every syscall it decodes → the state
// (so that a filter can use process and fd fields, and the container runtimes describe the
// containers) → a .scap file that sysdig, Falco and saker read: machine, interfaces, users and the
// process table with its fds first, then the containers known at the start, then each event the
// filter keeps, a container's description (and the users and groups read from its files) written
// before the first event after it was described, its removal (and its users') after its init's exit,
// as the container plugin and libs' usergroup manager put them into a live capture.
import { LiveSource, SENSOR_SYSCALLS } from '../capture/live/index.js';
import { ScapWriter } from '../capture/scap/index.js';
import { compileUserFilter } from '../filter/index.js';
import { ContainerRuntimes, runtimesConfig } from '../runtimes/index.js';
import {
  containerAddedEvent, containerGroupEvent, containerRemovedEvent, containerUserEvent, EV, liveTables, bootTimeNs, ProcScanner, State,
  type ContainerInfo, type GroupInfo, type ThreadInfo, type UserInfo,
} from '../state/index.js';

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
  /** Container removals written (the plugin's "container_removed" async events). */
  removals: number;
  /** Container users and groups written (useradded/groupadded events with a container id). */
  containerUsers: number;
}

/** libs' dump of a plugin's state at the start of a capture: no time, thread 1 (plugin.cpp dump_state). */
const DUMP_TS = 0xffffffffffffffffn;
const DUMP_TID = 1;
/** A container announced while capturing: no thread (the plugin's generate_async_event). */
const ANNOUNCE_TID = 0;
/** A container's init, whose exit ends the container for the plugin and libs (vpid = vtid = 1). */
const isContainerInit = (t: ThreadInfo | undefined): t is ThreadInfo => t !== undefined && t.containerId !== '' && t.vpid === 1 && t.vtid === 1;

/** What the capture holds of one container's users and groups (so their deletion can follow). */
interface WrittenEntries {
  users: Map<number, UserInfo>;
  groups: Map<number, GroupInfo>;
}

export class Recorder {
  readonly source = new LiveSource({ syscalls: SENSOR_SYSCALLS });
  /** Descriptions not yet written, in the order the runtimes gave them. */
  private described: ContainerInfo[] = [];
  /** Users and groups read from containers' files, not yet written. */
  private readEntries: Array<{ id: string; users: readonly UserInfo[]; groups: readonly GroupInfo[] }> = [];
  /** The containers the capture describes, by id (the plugin's cache: only those get a removal). */
  private readonly inCapture = new Map<string, ContainerInfo>();
  /** The users and groups the capture holds per container. */
  private readonly entriesInCapture = new Map<string, WrittenEntries>();
  private readonly state = new State({
    live: true,
    onContainerDescribed: (info) => this.described.push(info),
    onContainerUsers: (id, users, groups) => this.readEntries.push({ id, users, groups }),
  });
  private readonly runtimes = new ContainerRuntimes(runtimesConfig());
  private readonly writer: ScapWriter;
  private readonly filter: ReturnType<typeof compileUserFilter> | undefined;
  private written = 0;
  private seen = 0;
  private containers = 0;
  private removals = 0;
  private containerUsers = 0;
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
        if (this.readEntries.length > 0) this.writeEntries(evt.ts);
        if (!filter || filter(ctx)) {
          writer.writeEvent(evt, evt.cpu);
          this.written++;
        }
        // After it, as live libs queues them while parsing the exit: the container and its users go.
        const t = ctx.thread;
        if (evt.type === EV.PROCEXIT_E && isContainerInit(t)) this.writeRemoved(t.containerId, evt.ts);
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
      this.inCapture.set(info.id, info);
      this.containers++;
    }
  }

  /**
   * Writes the container users and groups read since the last call that the capture does not
   * hold yet, or holds otherwise: what libs' add_container_user/add_container_group notify.
   */
  private writeEntries(ts: bigint): void {
    const read = this.readEntries;
    this.readEntries = [];
    for (const { id, users, groups } of read) {
      let held = this.entriesInCapture.get(id);
      if (held === undefined) this.entriesInCapture.set(id, (held = { users: new Map(), groups: new Map() }));
      for (const u of users) {
        const old = held.users.get(u.uid);
        if (old !== undefined && old.gid === u.gid && old.name === u.name && old.home === u.home && old.shell === u.shell) continue;
        this.writer.writeEvent(containerUserEvent(true, id, u, ts), 0);
        held.users.set(u.uid, u);
        this.containerUsers++;
      }
      for (const g of groups) {
        if (held.groups.get(g.gid)?.name === g.name) continue;
        this.writer.writeEvent(containerGroupEvent(true, id, g, ts), 0);
        held.groups.set(g.gid, g);
        this.containerUsers++;
      }
    }
  }

  /**
   * A container's init exited: its removal, if the capture describes it (the plugin's
   * parse_exit_process_event), then the deletion of its users and groups (libs' delete_container).
   */
  private writeRemoved(id: string, ts: bigint): void {
    const info = this.inCapture.get(id);
    if (info !== undefined) {
      this.writer.writeEvent(containerRemovedEvent(info, ts), 0);
      this.inCapture.delete(id);
      this.removals++;
    }
    const held = this.entriesInCapture.get(id);
    if (held === undefined) return;
    for (const u of held.users.values()) this.writer.writeEvent(containerUserEvent(false, id, u, ts), 0);
    for (const g of held.groups.values()) this.writer.writeEvent(containerGroupEvent(false, id, g, ts), 0);
    this.entriesInCapture.delete(id);
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
    return {
      seen: this.seen, written: this.written, drops: this.source.counters().drops, containers: this.containers,
      removals: this.removals, containerUsers: this.containerUsers,
    };
  }
}
