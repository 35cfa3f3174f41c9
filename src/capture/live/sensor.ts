// The live event source: runs the eBPF sensor (sensor/build/saker-sensor), reads its records into
// one reused buffer and hands each out through one reused EventView, and drives it over its
// control protocol (stdin commands, JSON replies on stderr; see sensor/src/loader/control.h).
// The records are read from the rings in this process (ring-reader.ts) when the ring reader is
// built, else the loader drains them into a socket this reads (record-socket.ts).
//
//   const sensor = await LiveSensor.start({ syscalls: syscallsFor(ruleTypes), onEvent });
//   ...
//   const stats = await sensor.stop();
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { EventView } from '../../events/index.js';
import { packageRoot } from '../../package-root.js';
import { hostTgid } from './host-tgid.js';
import { recordSocketPair } from './record-socket.js';
import { loadRingReader, openRings, type RingReader, type RingReaderAddon } from './ring-reader.js';
import { RecordSplitter, RecordStreamError } from './record-splitter.js';
import { CAPTURABLE_SYSCALLS } from './syscall-set.js';

export type SensorErrorCode = 'not-built' | 'not-root' | 'bpf-refused' | 'bad-option' | 'exited' | 'protocol' | 'reader';

export class SensorError extends Error {
  override name = 'SensorError';
  constructor(
    readonly code: SensorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SensorStats {
  /** Records the kernel probes tried to emit (including dropped ones). */
  events: number;
  /** Records lost in the kernel, all reasons. */
  drops: number;
  /** Ring-full drops by event family (clone_fork, execve, connect, open, dir_file, close, proc, other). */
  dropsFull: Record<string, number>;
  dropsTooLarge: number;
  dropsNoScratch: number;
  /** Records sent through the shared overflow ring because their CPU's ring was full (not lost). */
  spilled: number;
  /** Events the open prefilter kept in the kernel on purpose (sensor/README.md "Prefilter"). */
  prefiltered: number;
  /** Records read from the rings (by this process, or by the sensor into its stdout). */
  records: number;
  bytes: number;
  /** Records decoded on this side. */
  received: number;
  /** Per CPU (index = CPU): records the probes tried to emit there, and those lost. */
  perCpu: Array<{ events: number; drops: number }>;
}

export interface SensorOptions {
  /** Syscall names (see SENSOR_SYSCALLS, syscallsFor); 'procexit' for process exits. */
  syscalls: Iterable<string>;
  /** Called once per record with the shared view; valid only during the call: the view and the
   *  bytes under it (evt.buf, bytes(), record()) are the next read's once it returns, so whatever
   *  is kept of them must be copied. */
  onEvent: (evt: EventView) => void;
  /** Called after the records of each read from the sensor's pipe have been delivered. */
  onBatch?: () => void;
  /** Called when the sensor fails after start (it exited, or its stream is corrupt). */
  onError?: (err: SensorError) => void;
  /** Thread groups whose events stay in the kernel, as host tgids. Default: this process's host
   *  tgid (hostTgid), none when it cannot be known (the agent in a pid namespace of its own). */
  ignorePids?: readonly number[];
  /** Sensor binary; default sensor/build/saker-sensor under the package root. */
  binary?: string;
  /** All CPU rings together, MiB (a power of two, at least 1 MiB each); default: the sensor's
   *  own sizing (sensor/README.md "Ring sizes"). */
  ringMb?: number;
  /** Each CPU's ring, KiB, instead of ringMb (ringSizes: Falco's buffer presets). */
  cpuRingKb?: number;
  /** The overflow ring shared by all CPUs, MiB; default the sensor's. */
  overflowMb?: number;
  /** Longest wait between two drains of the rings (the first record after a drain wakes the
   *  sensor sooner). */
  pollMs?: number;
  /** Time between drains, on average, while records keep coming (µs; the sensor's default: 1000). */
  batchUs?: number;
  snaplen?: number;
  attach?: 'auto' | 'btf' | 'raw';
  /** Periodic counters from the sensor (default off; stats() asks on demand). */
  statsIntervalMs?: number;
  /** Who reads the rings: this process ('in-process', the ring reader addon), or the sensor's
   *  loader into a socket ('loader'). Default 'auto': in-process when the addon is built and can
   *  map the rings, else the loader. */
  reader?: 'auto' | 'in-process' | 'loader';
  /** The ring reader addon; default sensor/build/saker-ring.node under the package root. */
  ringReader?: string;
}

const START_TIMEOUT_MS = 30_000;
/** The one buffer the records are read into: larger than what the socket holds (its default
 *  receive buffer holds some 200 KiB), so one read takes whatever has arrived. */
const READ_BUFFER_BYTES = 256 * 1024;
const STOP_TIMEOUT_MS = 5_000;

/**
 * What starting the sensor needs and this process can check itself: the built binary and root.
 * Returns the binary's path; throws SensorError ('not-built', 'not-root') saying what is missing.
 */
export function checkCanStart(binary?: string): string {
  const path = binary ?? findSensorBinary();
  if (process.geteuid?.() !== 0) throw new SensorError('not-root', 'the sensor must run as root (BPF needs CAP_BPF, CAP_PERFMON)');
  return path;
}

/** Path of the sensor binary, or a SensorError saying how to build it. */
export function findSensorBinary(root = packageRoot()): string {
  const path = join(root, 'sensor', 'build', 'saker-sensor');
  if (!existsSync(path)) throw new SensorError('not-built', `sensor not built: run npm run setup (missing ${path})`);
  return path;
}

const CAPTURABLE = new Set(CAPTURABLE_SYSCALLS);

function checkSyscalls(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  const bad = list.filter((n) => !CAPTURABLE.has(n));
  if (bad.length) throw new SensorError('bad-option', `the sensor does not support: ${bad.join(', ')}`);
  return list;
}

interface Pending {
  cmd: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  errors: string[];
}

type SensorChild = ChildProcessByStdio<Writable, null, Readable>;

export class LiveSensor {
  /** Flavour the kernel accepted: 'tp_btf' or 'raw_tp'. */
  attach = '';
  /** The sensor's pid in the agent's pid namespace. */
  pid = 0;
  /** Its pid as the kernel's initial namespace numbers it, which its own in-kernel exclusion
   *  compares; 0: unknown (a pid namespace without the host's /proc), its events not excluded. */
  hostPid = 0;
  /** The kernel runs 32-bit (compat) syscalls, which the sensor translates to their 64-bit
   *  events; false: int 0x80 and ia32 binaries fault, nothing to see. */
  compat = false;
  /** The kernel has the io_uring tracepoints: ring opens and connects are reported. */
  ioUring = false;
  /** Who reads the rings (SensorOptions.reader), and why the loader when 'auto' chose it. */
  reader: 'in-process' | 'loader' = 'loader';
  readerNote = '';

  private readonly view = new EventView();
  private readonly splitter = new RecordSplitter();
  private num = 0;
  private readonly pending: Pending[] = [];
  private lastStats: SensorStats | undefined;
  private stderrTail = '';
  private lineBuf = '';
  private started = false;
  private failed = false;
  private exited = false;
  private stopping = false;
  private broken = false;
  private ring: RingReader | undefined;
  private ringCounts: [number, number] = [0, 0];
  private readonly closed: Promise<void>;

  private constructor(
    private readonly child: SensorChild,
    /** The loader's record stream; undefined: the rings are read here (ringAddon). */
    reader: Socket | undefined,
    private readonly readBuffer: Buffer,
    private readonly opts: SensorOptions,
    private readonly ringAddon?: RingReaderAddon,
  ) {
    // The child's 'close' comes after its exit and after stderr is drained (the final counters).
    // Read through the loader, every record has been seen once the stream ends too, which the
    // exit brings; read here, once the rings are drained after the exit (the loader detaches
    // the probes before it exits, so nothing comes after).
    const childClosed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
    let streamEnded: Promise<void>;
    if (reader) {
      streamEnded = new Promise<void>((resolve) => reader.once('close', () => resolve()));
      reader.on('error', () => {}); // a reset stream ends like a closed one; the exit says why
      // what the exit left in the socket is read at once; a stream still open long after means
      // something else holds the sensor's stdout, which must not keep stop() waiting
      void childClosed.then(() => setTimeout(() => reader.destroy(), STOP_TIMEOUT_MS).unref());
    } else {
      streamEnded = childClosed.then(() => this.finishRings());
    }
    this.closed = Promise.all([childClosed, streamEnded]).then(([[code, signal]]) => {
      this.exited = true;
      if (!this.stopping) this.fail(exitError(code, signal, this.stderrTail));
    });
    child.once('error', (err) => this.fail(new SensorError('exited', `cannot run the sensor: ${err.message}`)));
  }

  /** Spawns the sensor and resolves once its probes are attached and capturing `syscalls`. */
  static async start(opts: SensorOptions): Promise<LiveSensor> {
    const binary = checkCanStart(opts.binary);
    const syscalls = checkSyscalls(opts.syscalls);
    const choice = opts.reader ?? 'auto';
    if (choice === 'loader') return LiveSensor.spawnWith(binary, syscalls, opts, undefined);
    const loaded = loadRingReader(opts.ringReader);
    if ('reason' in loaded) {
      if (choice === 'in-process') throw new SensorError('reader', `cannot read the rings in-process: ${loaded.reason}`);
      return LiveSensor.spawnWith(binary, syscalls, opts, undefined, loaded.reason);
    }
    try {
      return await LiveSensor.spawnWith(binary, syscalls, opts, loaded.addon);
    } catch (e) {
      if (choice === 'in-process' || !(e instanceof SensorError && e.code === 'reader')) throw e;
      return LiveSensor.spawnWith(binary, syscalls, opts, undefined, e.message);
    }
  }

  private static async spawnWith(binary: string, syscalls: string[], opts: SensorOptions, addon: RingReaderAddon | undefined, note = ''): Promise<LiveSensor> {
    const args = [
      `--syscalls=${syscalls.join(',')}`,
      `--ignore=${(opts.ignorePids ?? defaultIgnored()).join(',')}`,
      ...(opts.ringMb === undefined ? [] : [`--ring-mb=${opts.ringMb}`]),
      ...(opts.cpuRingKb === undefined ? [] : [`--cpu-ring-kb=${opts.cpuRingKb}`]),
      ...(opts.overflowMb === undefined ? [] : [`--overflow-mb=${opts.overflowMb}`]),
      `--poll-ms=${opts.pollMs ?? 5}`,
      ...(opts.batchUs === undefined ? [] : [`--batch-us=${opts.batchUs}`]),
      `--snaplen=${opts.snaplen ?? 80}`,
      `--attach=${opts.attach ?? 'auto'}`,
      `--stats-interval-ms=${opts.statsIntervalMs ?? 0}`,
      ...(addon ? ['--external-reader'] : []),
    ];
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const sensor = addon ? LiveSensor.withRingReader(binary, args, readBuffer, opts, addon) : await LiveSensor.withLoaderStream(binary, args, readBuffer, opts, note);
    await sensor.waitReady();
    sensor.started = true;
    return sensor;
  }

  /** The loader leaves the rings to this process (--external-reader), which takes them at its ready line. */
  private static withRingReader(binary: string, args: string[], readBuffer: Buffer, opts: SensorOptions, addon: RingReaderAddon): LiveSensor {
    const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const sensor = new LiveSensor(child, undefined, readBuffer, opts, addon);
    sensor.reader = 'in-process';
    return sensor;
  }

  /** The loader drains the rings into a socket this process reads; `note`: why not the ring reader. */
  private static async withLoaderStream(binary: string, args: string[], readBuffer: Buffer, opts: SensorOptions, note: string): Promise<LiveSensor> {
    // no read can come before the child runs, and the sensor is there before this turn of the loop ends
    const reads: { to?: LiveSensor } = {};
    const pair = await recordSocketPair(readBuffer, (bytes) => reads.to!.onRead(bytes)).catch((e: Error) => {
      throw new SensorError('exited', `cannot make the sensor's record stream: ${e.message}`);
    });
    let child: SensorChild;
    try {
      child = spawn(binary, args, { stdio: ['pipe', pair.writer, 'pipe'] });
    } catch (e) {
      pair.reader.destroy();
      throw e;
    } finally {
      pair.writer.destroy(); // the child's copy is the only writer left: its exit ends the stream
    }
    const sensor = (reads.to = new LiveSensor(child, pair.reader, readBuffer, opts));
    sensor.readerNote = note;
    return sensor;
  }

  /** Replaces the syscall set; resolves once the kernel bitmap is updated. */
  async setSyscalls(names: Iterable<string>): Promise<void> {
    const list = checkSyscalls(names);
    await this.command('syscalls', `syscalls ${list.join(' ')}`);
  }

  /** Fresh counters from the sensor (kernel events and drops, records written, records decoded). */
  /** Sends the `prefilter` commands (prefilterCommands) in order; rejects on the first the
   *  sensor refuses, which leaves the prefilter off. */
  async prefilter(lines: readonly string[]): Promise<void> {
    for (const line of lines) {
      try {
        await this.command('prefilter', line);
      } catch (e) {
        await this.command('prefilter', 'prefilter off').catch(() => undefined);
        throw e;
      }
    }
  }

  async stats(): Promise<SensorStats> {
    return (await this.command('stats', 'stats')) as SensorStats;
  }

  /** Last counters received without asking (statsIntervalMs), if any. */
  get latestStats(): SensorStats | undefined {
    return this.lastStats;
  }

  /** Records handed to onEvent so far (evt.num of the last one). */
  get received(): number {
    return this.num;
  }

  /** Stops the sensor and resolves with its final counters, once everything the kernel had
   *  captured has been delivered; then events = records + drops. */
  async stop(): Promise<SensorStats> {
    if (!this.exited) {
      this.stopping = true;
      this.child.stdin.end(); // EOF: the sensor detaches, drains the ring and exits
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.closed;
      clearTimeout(timer);
    }
    return this.finalStats();
  }

  private finalStats(): SensorStats {
    const base = this.lastStats ?? {
      events: 0, drops: 0, dropsFull: {}, dropsTooLarge: 0, dropsNoScratch: 0, spilled: 0, prefiltered: 0, records: 0, bytes: 0, received: 0, perCpu: [],
    };
    return this.reader === 'in-process'
      ? { ...base, records: this.ringCounts[0], bytes: this.ringCounts[1], received: this.num }
      : { ...base, received: this.num };
  }

  /** The ring reader's turn at the loader's ready line: maps the rings it names and starts
   *  draining them; a failure fails the start ('reader': start() then falls back to the loader). */
  private openRings(rings: unknown): void {
    try {
      this.ring = openRings(this.ringAddon!, this.pid, rings, this.readBuffer, { pollMs: this.opts.pollMs ?? 5, batchUs: this.opts.batchUs ?? 1000 }, (bytes) => this.onRead(bytes));
    } catch (e) {
      this.child.kill('SIGKILL');
      throw new SensorError('reader', `cannot read the rings in-process: ${(e as Error).message}`);
    }
    this.ring.start();
  }

  /** After the loader's exit: what the rings still hold, then unmap them. */
  private finishRings(): void {
    const ring = this.ring;
    if (!ring) return;
    this.ring = undefined;
    let bytes: number;
    while (!this.broken && (bytes = ring.drain()) > 0) this.onRead(bytes);
    this.ringCounts = ring.counts();
    ring.close();
  }

  private waitReady(): Promise<void> {
    const { child } = this;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => this.onStderr(text));
    child.stdin.on('error', () => {}); // EPIPE when the sensor is gone; reported on 'close'
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new SensorError('exited', `the sensor did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      this.pending.push({ cmd: 'ready', resolve: () => done(), reject: done, errors: [] });
    });
  }

  private command(cmd: string, line: string): Promise<unknown> {
    if (this.exited) return Promise.reject(new SensorError('exited', 'the sensor is not running'));
    return new Promise((resolve, reject) => {
      this.pending.push({ cmd, resolve, reject, errors: [] });
      this.child.stdin.write(line + '\n');
    });
  }

  /** The records of one read, the first `bytes` of the read buffer; the splitter copies a record
   *  the read cut short, the buffer is the next read's when this returns. */
  private onRead(bytes: number): void {
    try {
      this.splitter.push(this.readBuffer, this.deliver, bytes);
      this.opts.onBatch?.();
    } catch (err) {
      if (!(err instanceof RecordStreamError)) throw err; // onEvent's own failure: not ours to hide
      this.broken = true;
      this.child.kill('SIGKILL');
      this.fail(new SensorError('protocol', err.message));
    }
  }

  /** Records are checked as a capture file's are (load): a bad parameter length from the sensor
   *  is a protocol error, not a read past the record. */
  private readonly deliver = (buf: Buffer, start: number): void => {
    const bad = this.view.load(buf, start, ++this.num, 0, buf.length - start);
    if (bad !== undefined) throw new RecordStreamError(`sensor record ${this.num}: ${bad}`);
    this.opts.onEvent(this.view);
  };

  private onStderr(text: string): void {
    this.lineBuf += text;
    let nl: number;
    while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
      const line = this.lineBuf.slice(0, nl);
      this.lineBuf = this.lineBuf.slice(nl + 1);
      if (line.startsWith('{')) this.onMessage(line);
      else if (line.trim()) this.stderrTail = (this.stderrTail + line + '\n').slice(-4096);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.stderrTail = (this.stderrTail + line + '\n').slice(-4096);
      return;
    }
    const head = this.pending[0];
    switch (msg.type) {
      case 'ready':
        this.attach = String(msg.attach);
        this.pid = Number(msg.pid);
        this.hostPid = Number(msg.host_pid ?? 0);
        this.compat = msg.compat === true;
        this.ioUring = msg.io_uring === true;
        if (this.ringAddon) {
          try {
            this.openRings(msg.rings);
          } catch (e) {
            if (head?.cmd === 'ready') {
              this.pending.shift();
              head.reject(e as Error);
            }
            break;
          }
        }
        if (head?.cmd === 'ready') this.settle(head);
        break;
      case 'ack':
        if (head && head.cmd === msg.cmd) this.settle(head);
        break;
      case 'stats': {
        const stats = toStats(msg, this.num);
        if (this.ring) [stats.records, stats.bytes] = this.ring.counts();
        this.lastStats = stats;
        if (head?.cmd === 'stats') this.settle(head, stats);
        break;
      }
      case 'error':
        if (head && head.cmd !== 'ready') head.errors.push(String(msg.message));
        else this.stderrTail = (this.stderrTail + String(msg.message) + '\n').slice(-4096);
        break;
    }
  }

  private settle(p: Pending, value?: unknown): void {
    this.pending.shift();
    if (p.errors.length) p.reject(new SensorError('bad-option', p.errors.join('; ')));
    else p.resolve(value);
  }

  /** Rejects whatever waits for an answer and reports the failure once, if it happens after
   *  start (a failed start is the rejection of start()). */
  private fail(err: SensorError): void {
    for (const p of this.pending.splice(0)) p.reject(err);
    if (this.started && !this.stopping && !this.failed) {
      this.failed = true;
      this.opts.onError?.(err);
    }
  }
}

/** Why the sensor went away; its last stderr lines say it best ("must run as root", "the kernel
 *  refused the BPF programs ..."). */
function exitError(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): SensorError {
  const reason = stderrTail.trim().replace(/^saker-sensor: /gm, '') || `exit ${code ?? signal}`;
  const kind: SensorErrorCode = code === 2 ? 'not-root' : code === 3 ? 'bpf-refused' : code === 1 ? 'bad-option' : 'exited';
  return new SensorError(kind, reason);
}

function toStats(msg: Record<string, unknown>, received: number): SensorStats {
  return {
    events: Number(msg.events),
    drops: Number(msg.drops),
    dropsFull: { ...(msg.drops_full as Record<string, number>) },
    dropsTooLarge: Number(msg.drops_too_large),
    dropsNoScratch: Number(msg.drops_no_scratch),
    spilled: Number(msg.spilled),
    prefiltered: Number(msg.prefiltered ?? 0),
    records: Number(msg.records),
    bytes: Number(msg.bytes),
    received,
    perCpu: Array.isArray(msg.per_cpu) ? (msg.per_cpu as Array<[number, number]>).map(([events, drops]) => ({ events: Number(events), drops: Number(drops) })) : [],
  };
}

/** The agent's own host tgid, when it can be known (never a pid-namespace-local number). */
function defaultIgnored(): number[] {
  const tgid = hostTgid();
  return tgid === undefined ? [] : [tgid];
}
