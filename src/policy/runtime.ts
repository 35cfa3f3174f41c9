// Policies in a running agent: loads the TracingPolicy files, starts the policy sensor with the
// agent and its children excluded, turns each hit into a Tetragon event (process_kprobe or
// process_tracepoint, the process and parent from the agent's state), adds process_exec and
// process_exit from the agent's own events, and writes them through the exporter. SIGHUP reload
// re-reads the files: changed and new policies are applied, removed ones unloaded, and a file
// that no longer loads keeps its previous policies enforcing.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { EventView } from '../events/index.js';
import { SIGNAL_NAMES } from '../events/index.js';
import { CaptureOrder } from './capture-order.js';
import type { CompiledHook } from './compile.js';
import type { EventExporter } from './export.js';
import { probeKernelFeatures, type KernelFeatures } from './features.js';
import { ACTION, type PolicyRecord } from './kernel-layout.js';
import { loadPolicyFiles, type LoadedPolicy, type PolicyLoad } from './load.js';
import type { PlannedArg } from './plan.js';
import { PolicySensor, type PolicyCounters } from './policy-sensor.js';
import { ProcessInfoBuilder, type ProcessTable } from './process-info.js';
import { encodeExec, encodeExit, encodeKprobe, encodeTracepoint, type ArgValue, type ProcessInfo } from './tetragon-json.js';
import type { ArgType, PolicyProblem } from './types.js';
import { WorkloadSync } from './workload-sync.js';

export class PolicyLoadError extends Error {
  override name = 'PolicyLoadError';
}

export interface PolicyRuntimeOptions {
  paths: readonly string[];
  processes: ProcessTable;
  log: (message: string) => void;
  exporter?: EventExporter;
  /** Tetragon's node_name: $HUBBLE_NODE_NAME, $NODE_NAME, else the host name. */
  nodeName?: string;
  features?: KernelFeatures;
  /** The policy sensor binary (tests). */
  binary?: string;
  /** The host's procfs (default /proc; under HOST_ROOT when the agent runs in a container): the
   *  kernel's pids are the host's. */
  procRoot?: string;
}

export interface PolicyStats { policy: string; mode: string; posted: number; enforced: number; monitored: number; rateLimited: number; drops: number }

const EXECVE_X = 293;
const EXECVEAT_X = 331;
const PROCEXIT = 186;
/** A capture stream quiet this long has brought the state up to the hits' time. */
const QUIET_MS = 200;
/** The longest a hit waits for the capture stream to bring the state up to its time. */
const HIT_WAIT_MS = 10_000;
/** Exited processes kept for hits read after their exit. */
const RECENT_EXITS = 1024;
/** Hits waiting at most; past it the oldest is exported with what the state has. */
const MAX_WAITING_HITS = 1024;
/** The two sensors' clocks (each REALTIME - BOOTTIME at its start) and the capture ring's
 *  reordering differ by microseconds; 1 ms covers them with room. */
const CLOCK_SKEW_NS = 1_000_000;

export function exportNodeName(): string {
  return process.env.HUBBLE_NODE_NAME || process.env.NODE_NAME || hostname();
}

function formatProblems(problems: readonly PolicyProblem[]): string {
  return problems.map((p) => `${p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

export class PolicyRuntime {
  private sensor: PolicySensor | undefined;
  private workloads: WorkloadSync | undefined;
  private policies: LoadedPolicy[] = [];
  private readonly byFile = new Map<string, LoadedPolicy[]>();
  private readonly builder: ProcessInfoBuilder;
  private readonly nodeName: string;
  private readonly features: KernelFeatures;
  private readonly procRoot: string;
  /** wall clock minus CLOCK_BOOTTIME, ns: the policy sensor's, as the capture sensor takes it
   *  (set when the sensor starts; hits come only after) */
  private bootToWall = 0n;
  private cached: PolicyCounters[] = [];
  /** followChildren marks lost to a full kernel map (cached with the counters). */
  private childrenFull = 0;
  /** Override marks no cgroup program took (cached with the counters). */
  private overrideMissed = 0;
  /** Counters slots as the sensor had them when it stopped (for the exit line). */
  private readonly lastSlots = new Map<string, number>();
  private statsTimer: NodeJS.Timeout | undefined;
  /** Hits held until the capture stream has brought the state up to their time. */
  private readonly order = new CaptureOrder<{ r: PolicyRecord; h: CompiledHook }>((w) => this.exportHit(w.r, w.h), {
    skewNs: CLOCK_SKEW_NS, quietMs: QUIET_MS, maxWaitMs: HIT_WAIT_MS, max: MAX_WAITING_HITS,
  });
  /**
   * Processes that exited lately, as their process_exit named them: the policy sensor's ring can
   * also be read behind the capture stream, and a hit read after its process's exit is still
   * that process's (Tetragon keeps exited processes in its cache a while for the same reason).
   */
  private readonly recentExits = new Map<number, { process: ProcessInfo; parent: ProcessInfo | undefined }>();
  /** Hits received from the kernel, and events exported by kind. */
  readonly counts = { hits: 0, exec: 0, exit: 0 };

  constructor(private readonly opts: PolicyRuntimeOptions) {
    this.nodeName = opts.nodeName ?? exportNodeName();
    this.procRoot = opts.procRoot ?? '/proc';
    this.builder = new ProcessInfoBuilder(opts.processes, this.nodeName);
    this.features = opts.features ?? probeKernelFeatures(opts.binary);
  }

  /** Loads the files; throws PolicyLoadError with every problem when one has errors. */
  prepare(): PolicyLoad {
    const load = loadPolicyFiles(this.opts.paths, { features: this.features });
    const problems = load.files.flatMap((f) => f.problems);
    if (!load.ok) throw new PolicyLoadError(`policies not loaded:\n${formatProblems(problems)}`);
    for (const p of problems) this.opts.log(formatProblems([p]));
    this.install(load);
    return load;
  }

  private install(load: PolicyLoad): void {
    this.byFile.clear();
    for (const p of load.policies) this.byFile.set(p.file, [...(this.byFile.get(p.file) ?? []), p]);
    this.policies = [...load.policies];
  }

  get loaded(): readonly LoadedPolicy[] {
    return this.policies;
  }

  /** Starts the policy sensor; `ignore` are thread groups no policy may act on (the agent's). */
  async start(ignore: readonly number[]): Promise<void> {
    if (this.policies.length === 0 && this.opts.paths.length === 0) return;
    this.sensor = await PolicySensor.start({
      ignorePids: [...new Set([...ignore, ...descendantsOf(ignore, this.procRoot)])],
      procRoot: this.procRoot,
      onHit: (r, h) => this.onHit(r, h),
      onError: (e) => this.opts.log(`policy sensor: ${e.message}`),
      binary: this.opts.binary,
    });
    this.bootToWall = this.sensor.bootToEpochNs;
    const compiled = await this.sensor.apply(this.policies);
    for (const e of compiled.errors) this.opts.log(`policy ${e.policy} not loaded into the kernel: ${e.message}`);
    this.workloads = new WorkloadSync(this.opts.processes, this.sensor, this.procRoot);
    await this.syncWorkloads();
    this.opts.log(`policies: ${this.policies.map((p) => `${p.policy.metadata.name} (${p.mode})`).join(', ') || 'none'}`);
    this.statsTimer = setInterval(() => void this.refreshStats(), 2000);
    this.statsTimer.unref();
  }

  /** Re-reads the policy files: a file that fails keeps its previous policies. */
  async reload(): Promise<{ ok: boolean; error?: string }> {
    const load = loadPolicyFiles(this.opts.paths, { features: this.features });
    const failed = load.files.filter((f) => f.problems.some((p) => p.severity === 'error'));
    const keep = failed.flatMap((f) => this.byFile.get(f.file) ?? []);
    const next: PolicyLoad = { ...load, policies: [...load.policies, ...keep] };
    if (this.sensor) {
      const compiled = await this.sensor.apply(next.policies);
      for (const e of compiled.errors) this.opts.log(`policy ${e.policy} not loaded into the kernel: ${e.message}`);
    }
    this.install(next);
    await this.syncWorkloads();
    for (const f of failed) for (const p of f.problems.filter((x) => x.severity === 'error')) this.opts.log(formatProblems([p]));
    const error = failed.length > 0 ? `policy files with errors kept their previous policies: ${failed.map((f) => f.file).join(', ')}` : undefined;
    this.opts.log(`policies reloaded: ${this.policies.map((p) => p.policy.metadata.name).join(', ') || 'none'}${error ? ` (${error})` : ''}`);
    return { ok: !error, error };
  }

  /** The agent's event before the state sees it: process_exit needs the process still in the table. */
  before(evt: EventView): void {
    if (this.order.size > 0) this.order.passed(evt.tid, evt.tsNumber);
    if (evt.type !== PROCEXIT || !this.opts.exporter) return;
    const p = this.builder.fromTable(evt.tid);
    if (!p || p.pid !== evt.tid) return; // a thread, not the process
    const sig = evt.hasParam(2) ? evt.int(2) : 0;
    const status = evt.hasParam(0) ? evt.int(0) : 0;
    this.counts.exit++;
    const parent = this.builder.parentOf(p);
    this.recentExits.delete(p.pid);
    this.recentExits.set(p.pid, { process: p, parent });
    if (this.recentExits.size > RECENT_EXITS) this.recentExits.delete(this.recentExits.keys().next().value!);
    this.opts.exporter.write(encodeExit(p, parent, {
      signal: sig > 0 ? SIGNAL_NAMES.get(sig) : undefined, status: sig > 0 ? undefined : (status >> 8) & 0xff, time: evt.ts,
    }, { nodeName: this.nodeName, time: evt.ts }));
  }

  /** Every policy's containers (podSelector/containerSelector) sent to the sensor afresh. */
  private async syncWorkloads(): Promise<void> {
    const sensor = this.sensor;
    if (!sensor || !this.workloads) return;
    await this.workloads.reset(this.policies.map((p) => ({ slot: sensor.slotOf(p.policy.metadata.name)!, policy: p.policy })).filter((p) => p.slot !== undefined));
  }

  /** The agent's event after the state saw it: a container's process joins its policies; process_exec for a successful exec. */
  after(evt: EventView): void {
    if (evt.type !== EXECVE_X && evt.type !== EXECVEAT_X) return;
    if (!evt.hasParam(0) || evt.int(0) !== 0) return;
    this.workloads?.observe(evt.tid)?.catch((e: Error) => this.opts.log(`policy sensor: workloads: ${e.message}`));
    if (!this.opts.exporter) return;
    const p = this.builder.fromTable(evt.tid);
    if (!p) return;
    this.counts.exec++;
    this.opts.exporter.write(encodeExec(p, this.builder.parentOf(p), { nodeName: this.nodeName, time: evt.ts }));
  }

  private onHit(r: PolicyRecord, h: CompiledHook): void {
    this.counts.hits++;
    if (!this.opts.exporter) return;
    this.order.hold({ r, h }, r.tid, Number(r.ktime + this.bootToWall));
  }

  private exportHit(r: PolicyRecord, h: CompiledHook): void {
    if (!this.opts.exporter) return;
    const time = r.ktime + this.bootToWall;
    const known = this.builder.fromTable(r.tgid, r.tid);
    const exited = known ? undefined : this.recentExits.get(r.tgid);
    const process: ProcessInfo = known ?? (exited ? { ...exited.process, tid: r.tid } : undefined)
      ?? this.builder.fromRecord({ tgid: r.tgid, tid: r.tid, uid: r.euid, exe: r.exe, startWallNs: r.startTime + this.bootToWall });
    const hook = h.hook;
    const hit = {
      process, parent: exited ? exited.parent : this.builder.parentOf(process), policyName: h.policy.policy.metadata.name, action: r.action,
      args: hook.args.flatMap((a, i) => encodeArg(a, r, i, hook.event === 'process_kprobe', this.procRoot)), message: hook.message, tags: hook.tags,
    };
    const env = { nodeName: this.nodeName, time };
    // a return probe's event carries the return value as its returnArg type, and its last return action
    const ret = hook.returnArg !== undefined && r.ret !== undefined ? { ret: encodeValue(hook.returnArg, r.ret, r, 0, this.procRoot), returnAction: r.returnAction ?? ACTION.Post } : {};
    this.opts.exporter.write(hook.event === 'process_kprobe'
      ? encodeKprobe({ ...hit, functionName: hook.functionNames.get(r.nr) ?? '', ...ret }, env)
      : encodeTracepoint({ ...hit, subsys: hook.subsys ?? '', event: hook.tpEvent ?? '' }, env));
  }

  private async refreshStats(): Promise<void> {
    try {
      if (this.sensor) {
        this.cached = await this.sensor.stats();
        this.childrenFull = this.sensor.childrenFull;
        this.overrideMissed = this.sensor.overrideMissed;
      }
    } catch {
      // the sensor is stopping
    }
  }

  /** Per policy: events posted, enforcement done, enforcement skipped in monitor mode (cached, ≤ 2 s old). */
  stats(): PolicyStats[] {
    return this.policies.map((p) => {
      const slot = this.sensor?.slotOf(p.policy.metadata.name) ?? this.lastSlots.get(p.policy.metadata.name);
      const c = this.cached.find((x) => x.policy === slot);
      return {
        policy: p.policy.metadata.name, mode: p.mode, posted: c?.posted ?? 0, enforced: c?.enforced ?? 0, monitored: c?.monitored ?? 0,
        rateLimited: c?.rate_limited ?? 0, drops: c?.drops ?? 0,
      };
    });
  }

  /** Processes a followChildren selector should have followed but the kernel's map had no room for. */
  followChildrenLost(): number {
    return this.childrenFull;
  }

  /** Calls an Override selector matched that no cgroup program saw (a family or send without a cgroup hook): they went ahead, and their events say Post. */
  overridesMissed(): number {
    return this.overrideMissed;
  }

  /** Fresh counters from the kernel (tests, the exit line). */
  async currentStats(): Promise<PolicyStats[]> {
    await this.refreshStats();
    return this.stats();
  }

  async stop(): Promise<void> {
    clearInterval(this.statsTimer);
    this.order.flush();
    await this.refreshStats();
    for (const p of this.policies) {
      const slot = this.sensor?.slotOf(p.policy.metadata.name);
      if (slot !== undefined) this.lastSlots.set(p.policy.metadata.name, slot);
    }
    await this.sensor?.stop();
    this.sensor = undefined;
    await this.opts.exporter?.close();
  }
}

/** One argument as Tetragon reports it; nop arguments are not reported. */
function encodeArg(a: PlannedArg, r: PolicyRecord, i: number, labels: boolean, procRoot: string): Array<ArgValue & { label?: string }> {
  if (a.spec.type === 'nop') return [];
  const out = encodeValue(a.type, r.args[i] ?? 0n, r, a.stringSlot ?? 0, procRoot);
  return [labels && a.label ? { ...out, label: a.label } : out];
}

/** A value as Tetragon encodes its type (strings from the record's capture slot). */
function encodeValue(type: ArgType, v: bigint, r: PolicyRecord, slot: number, procRoot: string): ArgValue {
  let out: ArgValue;
  switch (type) {
    case 'string': case 'filename': out = { string_arg: (r.strings[slot] ?? Buffer.alloc(0)).toString('utf8') }; break;
    case 'linux_binprm': out = { linux_binprm_arg: { path: (r.strings[slot] ?? Buffer.alloc(0)).toString('utf8') } }; break;
    case 'fd': out = { file_arg: { path: fdPath(procRoot, r.tgid, Number(v)) } }; break;
    case 'sockaddr': out = { sockaddr_arg: decodeSockaddr(r.strings[slot] ?? Buffer.alloc(0)) }; break;
    // Tetragon: the bytes in base64, with the call's size beside them when more than were captured
    case 'char_buf': out = r.bufOrig > r.buf.length
      ? { truncated_bytes_arg: { bytes_arg: r.buf.toString('base64'), orig_size: String(r.bufOrig) } }
      : { bytes_arg: r.buf.toString('base64') }; break;
    case 'syscall64': out = { syscall_id: { id: Number(v), abi: 'x64' } }; break;
    case 'uint32': case 'uint16': case 'uint8': out = { uint_arg: Number(BigInt.asUintN(32, v)) }; break;
    case 'long': case 'int64': case 'sint64': out = { long_arg: BigInt.asIntN(64, v).toString() }; break;
    case 'uint64': case 'ulong': case 'size_t': case 'unsigned long': out = { size_arg: BigInt.asUintN(64, v).toString() }; break;
    default: out = { int_arg: Number(BigInt.asIntN(32, v)) };
  }
  return out;
}

const FAMILY_NAMES: Readonly<Record<number, string>> = { 1: 'AF_UNIX', 2: 'AF_INET', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET' };

/** A sockaddr as the sensor captured its bytes, as Tetragon's KprobeSockaddr (zero values omitted). */
function decodeSockaddr(b: Buffer): { family?: string; addr?: string; port?: number } {
  if (b.length < 4) return {};
  const family = b.readUInt16LE(0);
  // only AF_INET and AF_INET6 addresses have a port (AF_UNIX's next bytes are its path)
  const port = family === 2 || family === 10 ? b.readUInt16BE(2) : 0;
  let addr: string | undefined;
  if (family === 2 && b.length >= 8) addr = [...b.subarray(4, 8)].join('.');
  else if (family === 10 && b.length >= 24) addr = ipv6Text(b.subarray(8, 24));
  return { family: FAMILY_NAMES[family] ?? String(family), ...(addr ? { addr } : {}), ...(port ? { port } : {}) };
}

function ipv6Text(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function fdPath(procRoot: string, tgid: number, fd: number): string {
  try {
    return readlinkSync(`${procRoot}/${tgid}/fd/${fd}`);
  } catch {
    return '';
  }
}

/** Every process descending from `roots` now (children started before the policy sensor). */
function descendantsOf(roots: readonly number[], procRoot: string): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`${procRoot}/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}
