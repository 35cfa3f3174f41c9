// The policy sensor client: runs sensor/build/saker-policy, writes compiled policies into its
// maps over its stdin protocol (sensor/README.md, "Policy sensor"), and hands each hit record to
// a callback. Loading policies is `apply()`: the maps of the new generation are written, each
// syscall's hook list switched, the old generation cleared; the programs never reload.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { clearBank, compilePolicies, type Compiled, type CompiledHook } from './compile.js';
import { decodeRecord, encodeStr, recordSize, type PolicyRecord } from './kernel-layout.js';
import type { LoadedPolicy } from './load.js';
import { policySensorPath } from './sensor-path.js';

export interface PolicyCounters { policy: number; posted: number; enforced: number; monitored: number; rate_limited: number; drops: number }

export interface PolicySensorOptions {
  onHit: (record: PolicyRecord, hook: CompiledHook) => void;
  onError?: (err: Error) => void;
  /** Thread groups no policy acts on (and their descendants): the agent and its sensors. */
  ignorePids: readonly number[];
  binary?: string;
  /** The host's procfs, for the binaries of processes older than the sensor (default /proc). */
  procRoot?: string;
}

const START_TIMEOUT_MS = 15_000;

export class PolicySensor {
  private readonly proc: ChildProcessByStdio<Writable, Readable, Readable>;
  private compiled: Compiled | undefined;
  /** Counters slot per policy name, kept across reloads so a policy's counts stay its own. */
  private readonly slots = new Map<string, number>();
  private bank = 0;
  private acks = 0;
  private sent = 0;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private statsWaiter: ((s: PolicyCounters[]) => void) | undefined;
  private pending = Buffer.alloc(0);
  private stderrTail = '';
  private exited = false;
  private stopping = false;
  readonly errors: string[] = [];
  /** followChildren marks the kernel could not store (its children map was full), from the last stats. */
  childrenFull = 0;
  /** Override marks no cgroup program took: calls that went ahead (their events say Post). */
  overrideMissed = 0;
  /** Wall clock minus CLOCK_BOOTTIME (the records' ktime), ns, as the sensor read it at start. */
  bootToEpochNs = 0n;

  private constructor(private readonly opts: PolicySensorOptions, ready: (err?: Error) => void) {
    const binary = opts.binary ?? policySensorPath();
    const args = opts.ignorePids.flatMap((p) => ['--ignore', String(p)]);
    this.proc = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let started = false;
    this.proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    let line = '';
    this.proc.stderr.setEncoding('utf8').on('data', (text: string) => {
      line += text;
      let nl: number;
      while ((nl = line.indexOf('\n')) >= 0) {
        const l = line.slice(0, nl);
        line = line.slice(nl + 1);
        if (!l.startsWith('{')) { this.stderrTail += `${l}\n`; continue; }
        const msg = JSON.parse(l) as { ready?: boolean; boot_to_epoch_ns?: string; ack?: number; error?: string; stats?: PolicyCounters[]; children_full?: number; override_missed?: number };
        if (msg.children_full !== undefined) this.childrenFull = msg.children_full;
        if (msg.override_missed !== undefined) this.overrideMissed = msg.override_missed;
        if (msg.ready) {
          started = true;
          // the hits' times depend on it: a build that does not send it is not one to run
          if (msg.boot_to_epoch_ns === undefined) {
            this.stopping = true;
            this.proc.kill();
            ready(new Error('saker-policy did not send its clock offset (boot_to_epoch_ns): an older build, npm run setup rebuilds it'));
          } else {
            this.bootToEpochNs = BigInt(msg.boot_to_epoch_ns);
            ready();
          }
        }
        if (msg.ack !== undefined) this.onAck(msg.ack);
        if (msg.error) this.errors.push(msg.error);
        if (msg.stats && this.statsWaiter) { this.statsWaiter(msg.stats); this.statsWaiter = undefined; }
      }
    });
    this.proc.on('error', (e) => { if (!started) ready(e); else opts.onError?.(e); });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`saker-policy exited (${code ?? signal}): ${this.stderrTail.trim().replace(/^saker-policy: /gm, '')}`);
      if (!started) ready(err);
      else if (!this.stopping) opts.onError?.(err);
      for (const w of this.waiters.splice(0)) w.resolve();
    });
  }

  /** Starts the sensor: resolves once its programs are attached. */
  static start(opts: PolicySensorOptions): Promise<PolicySensor> {
    const binary = opts.binary ?? policySensorPath();
    if (!existsSync(binary)) return Promise.reject(new Error(`the policy sensor is not built (${binary}): run make -C sensor`));
    return new Promise((resolve, reject) => {
      let sensor: PolicySensor | undefined = undefined;
      const timer = setTimeout(() => reject(new Error('saker-policy did not start in time')), START_TIMEOUT_MS);
      sensor = new PolicySensor(opts, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(sensor!);
      });
    });
  }

  /** Loads `policies` in place of the current ones; resolves when the sensor has applied them. */
  async apply(policies: readonly LoadedPolicy[]): Promise<Compiled> {
    const bank = this.compiled ? 1 - this.bank : 0;
    const names = new Set(policies.map((p) => p.policy.metadata.name));
    for (const n of [...this.slots.keys()]) if (!names.has(n)) this.slots.delete(n);
    const zero: string[] = [];
    for (const n of names) {
      if (this.slots.has(n)) continue;
      const used = new Set(this.slots.values());
      let slot = 0;
      while (used.has(slot)) slot++;
      this.slots.set(n, slot);
      zero.push(`zero ${slot}`);
    }
    const compiled = compilePolicies(policies, { bank, previousSlots: this.compiled?.slots, slotOf: (n) => this.slots.get(n)!, procRoot: this.opts.procRoot });
    const cmds = [...zero, ...seedBinaries(policies, this.opts.procRoot ?? '/proc'), ...compiled.commands];
    if (this.compiled) cmds.push(...clearBank(this.bank));
    await this.send(cmds);
    this.bank = bank;
    this.compiled = compiled;
    return compiled;
  }

  /** podSelector/containerSelector: clears the policy slots `clear`, then adds each [slot, mount namespace]. */
  async workloads(clear: readonly number[], add: ReadonlyArray<readonly [number, number]>): Promise<void> {
    await this.send([...clear.map((s) => `workloadclear ${s}`), ...add.map(([slot, mntns]) => `workload ${slot} ${mntns}`)]);
  }

  /** Marks more thread groups as never acted on (e.g. a sensor started later). */
  async ignore(pids: readonly number[]): Promise<void> {
    await this.send(pids.map((p) => `ignore ${p}`));
  }

  async stats(): Promise<PolicyCounters[]> {
    const p = new Promise<PolicyCounters[]>((resolve) => { this.statsWaiter = resolve; });
    await this.send(['stats']);
    return p;
  }

  hookFor(id: number): CompiledHook | undefined {
    return this.compiled?.hooks.get(id);
  }

  /** The counters slot of policy `name`. */
  slotOf(name: string): number | undefined {
    return this.slots.get(name);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    const done = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end('quit\n');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }

  private send(lines: readonly string[]): Promise<void> {
    if (this.exited) return Promise.reject(new Error('saker-policy is not running'));
    if (lines.length === 0) return Promise.resolve();
    this.sent += lines.length;
    const n = this.sent;
    this.proc.stdin.write(`${lines.join('\n')}\n`);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  private onAck(n: number): void {
    this.acks = n;
    while (this.waiters.length > 0 && this.waiters[0]!.n <= this.acks) this.waiters.shift()!.resolve();
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (let size = recordSize(buf); size !== undefined && buf.length >= size; size = recordSize(buf)) {
      const rec = decodeRecord(buf.subarray(0, size));
      buf = buf.subarray(size);
      const hook = this.compiled?.hooks.get(rec.hook);
      if (hook) this.opts.onHit(rec, hook);
    }
    this.pending = Buffer.from(buf);
  }
}

/** `exe` commands giving processes that exist before the sensor their binary, when a policy matches binaries. */
function seedBinaries(policies: readonly LoadedPolicy[], procRoot: string): string[] {
  const needed = policies.some((p) => p.plan.hooks.some((h) => h.selectors.some((s) => s.matchBinaries || s.matchParentBinaries)));
  if (!needed) return [];
  const out: string[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(`exe ${name} ${encodeStr(readlinkSync(`${procRoot}/${name}/exe`)).toString('hex')}`);
    } catch {
      // a kernel thread, or a process that exited meanwhile
    }
  }
  return out;
}
