// Shared pieces of the live-agent benchmarks (agent-*.ts): building the C helpers, running
// `saker run` as a child process the way an operator would, reading its memory and CPU from
// /proc, running the load generator, and small statistics.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../src/testing/shared.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');
export const SENSOR_BINARY = join(ROOT, 'sensor', 'build', 'saker-sensor');
const CLK_TCK = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux

/** Why a live benchmark cannot run here (not root, sensor not built), or undefined. */
export function liveUnavailable(): string | undefined {
  if (process.geteuid?.() !== 0) return 'needs root';
  if (!existsSync(SENSOR_BINARY)) return 'sensor not built: run make -C sensor (or npm run setup)';
  return undefined;
}

/** The upstream Falco rules files in ../shared/peers/falco-rules, or undefined when absent. */
export function upstreamRules(): string[] | undefined {
  const dir = sharedDir();
  if (!dir) return undefined;
  const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(dir, 'peers', 'falco-rules', f));
  return files.every((f) => existsSync(f)) ? files : undefined;
}

/** Compiles bench/<source>.c to bench/build/<output> when missing or older than its source. */
export function buildTool(source: string, output = source): string {
  const src = join(BENCH_DIR, `${source}.c`);
  const out = join(BENCH_DIR, 'build', output);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cannot build ${src}: ${r.stderr || r.error?.message}`);
  }
  return out;
}

/** The sensor built from this tree's sources with the bench-only cost header (sensor/pricing/
 *  cost.bpf.h) and its switches in `defines` (SAKER_PRICE_*: see sensor/README.md) into
 *  bench/build/sensor-<name>/; returns the binary. */
export function pricingBuild(name: string, defines: string): string {
  const dir = join(BENCH_DIR, 'build', `sensor-${name}`);
  const binary = join(dir, 'saker-sensor');
  const r = spawnSync('make', ['-s', '-C', join(ROOT, 'sensor'), `BUILD=${dir}`, 'COST_DIR=pricing', `BPF_DEFINES=${defines}`, binary], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot build the ${name} sensor: ${r.stderr || r.error?.message}`);
  return binary;
}

export interface Memory {
  /** Resident set now, kB. */
  rssKb: number;
  /** Peak resident set since start, kB. */
  hwmKb: number;
}

/** VmRSS and VmHWM of a process (zeros if it is gone). */
export function memoryOf(pid: number): Memory {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rssKb: 0, hwmKb: 0 };
  }
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** CPU time (user + system) a process has used so far, in ms (0 if it is gone). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may hold spaces
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Pids of running processes whose comm is `name`. */
export function pidsNamed(name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** A line for the report when other sensors are attached: their probes run on every syscall
 *  of every configuration measured here, and their engines compete for the 2 CPUs. */
export function neighbourNote(ownPids: readonly number[] = []): string {
  const others = pidsNamed('saker-sensor').filter((p) => !ownPids.includes(p));
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return `machine: load average ${load}` + (others.length ? `; ${others.length} other saker-sensor(s) attached by other users` : '');
}

export interface AgentSummary {
  events: number;
  alerts: number;
  drops: number;
  /** Everything the agent wrote on stderr. */
  log: string;
  /** With recordGc: the agent's garbage collections (bench/gc-record.cjs). */
  gcs: GcRecord[];
}

/** One garbage collection of the agent: young generation (a scavenge) or not, its wall-clock
 *  start in ms since the epoch, its pause in ms. */
export interface GcRecord {
  minor: boolean;
  atMs: number;
  pauseMs: number;
}

/** The young-generation collections of `gcs` that started in [fromMs, toMs) (wall clock): their
 *  count and pauses. */
export function gcsIn(gcs: readonly GcRecord[], fromMs: number, toMs: number): { minor: number; minorPauseMs: number } {
  const minor = gcs.filter((g) => g.minor && g.atMs >= fromMs && g.atMs < toMs);
  return { minor: minor.length, minorPauseMs: minor.reduce((s, g) => s + g.pauseMs, 0) };
}

export interface AgentOptions {
  /** -r files; none: the built-in rules. */
  rules?: readonly string[];
  /** -o key=value overrides. */
  options?: readonly string[];
  /** Node options before the script (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** A compiled CLI (…/dist/cli/main.js) to run instead of the sources through tsx. */
  entry?: string;
  /** Called per alert line on stdout with the monotonic time (process.hrtime) of its read. */
  onAlert?: (line: string, readNs: bigint) => void;
  /** The agent's stdout a pipe, as in `saker run | reader` or a container runtime's log pipe,
   *  instead of Node's child-process pipe, which is a unix socket. */
  stdoutPipe?: boolean;
  /** Record the agent's garbage collections (AgentSummary.gcs). */
  recordGc?: boolean;
}

/** `saker run` in a child process. */
export class Agent {
  /** The agent's (Node's) pid. */
  readonly pid: number;
  private stderr = '';
  private stdoutTail = '';
  private readonly closed: Promise<number | null>;
  private exited = false;

  private constructor(private readonly child: ChildProcess, stdout: Readable, opts: AgentOptions) {
    this.pid = child.pid!;
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    stdout.on('data', (chunk: Buffer) => {
      const at = process.hrtime.bigint();
      if (!opts.onAlert) return;
      const text = this.stdoutTail + chunk.toString('utf8');
      const lines = text.split('\n');
      this.stdoutTail = lines.pop()!;
      for (const l of lines) opts.onAlert(l, at);
    });
    this.closed = new Promise((resolve) => child.once('close', (code) => {
      this.exited = true;
      resolve(code);
    }));
  }

  /** Starts `saker run` and resolves once it reports capture is live. */
  static async start(opts: AgentOptions = {}): Promise<Agent> {
    // the sources through tsx, as bin/saker.js does without a build: a stale dist/ would
    // otherwise be measured instead of the working tree
    const entry = opts.entry ? [opts.entry] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
    const gcArgs = opts.recordGc ? ['--require', join(BENCH_DIR, 'gc-record.cjs')] : [];
    const args = [...gcArgs, ...(opts.nodeArgs ?? []), ...entry, 'run'];
    for (const r of opts.rules ?? []) args.push('-r', r);
    for (const o of opts.options ?? []) args.push('-o', o);
    let agent: Agent;
    if (opts.stdoutPipe) {
      const dir = mkdtempSync(join(tmpdir(), 'saker-bench-stdout-'));
      const fifo = join(dir, 'stdout');
      const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`mkfifo: ${made.stderr || made.error?.message}`);
      const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeFd = openSync(fifo, constants.O_WRONLY);
      rmSync(dir, { recursive: true }); // the open ends keep the pipe
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', writeFd, 'pipe'] });
      closeSync(writeFd);
      agent = new Agent(child, new Socket({ fd: readFd, readable: true, writable: false }), opts);
    } else {
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      agent = new Agent(child, child.stdout, opts);
    }
    await agent.waitFor(/^saker: ready/m, 60_000);
    return agent;
  }

  /** The sensor process the agent started. */
  get sensorPid(): number {
    try {
      const kids = readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      return kids.find((k) => pidsNamed('saker-sensor').includes(k)) ?? 0;
    } catch {
      return 0;
    }
  }

  get log(): string {
    return this.stderr;
  }

  private waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (re.test(this.stderr)) done();
        else if (this.exited) done(new Error(`saker run exited before ${re}:\n${this.stderr}`));
        else if (Date.now() - started > timeoutMs) done(new Error(`saker run: no ${re} within ${timeoutMs} ms:\n${this.stderr}`));
      }, 20);
      const done = (err?: Error): void => {
        clearInterval(poll);
        if (err) {
          this.child.kill('SIGKILL');
          reject(err);
        } else resolve();
      };
    });
  }

  /** SIGTERM, then the counters of its "stopped:" line. */
  async stop(): Promise<AgentSummary> {
    // another user's broad pkill would stop it too; its figures would then be silently short
    if (this.exited) throw new Error(`saker run exited before the benchmark stopped it:\n${this.stderr}`);
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    const code = await this.closed;
    clearTimeout(timer);
    const m = /stopped: (\d+) events, (\d+) alerts(?:, (\d+) dropped)?/.exec(this.stderr);
    if (code !== 0 || !m) throw new Error(`saker run did not stop cleanly (exit ${code}):\n${this.stderr}`);
    const gc = /^saker-bench-gc: (.*)$/m.exec(this.stderr);
    const gcs = gc ? (JSON.parse(gc[1]!) as [number, number, number][]).map(([minor, atMs, pauseMs]) => ({ minor: minor === 1, atMs, pauseMs })) : [];
    return { events: Number(m[1]), alerts: Number(m[2]), drops: Number(m[3] ?? 0), log: this.stderr, gcs };
  }
}

export interface OpenRateResult {
  /** open+close pairs done, over all processes. */
  ops: number;
  /** Longest wall time of the processes, ns. */
  wallNs: number;
  /** CPU time of all processes, ns. */
  cpuNs: number;
}

/** Runs the load generator (bench/load.c) with `args`; resolves to the numbers it printed. */
export function runLoad(bin: string, args: readonly string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('close', (code) => (code === 0 ? resolve(out.trim().split(' ').map(Number)) : reject(new Error(`load exited ${code}`))));
  });
}

/** One fixed-count run of `load <pattern> <n>`: the CPU ns per op it printed ("<wall> <cpu>"). */
export async function loadCpuNsPerOp(bin: string, pattern: string, n: number): Promise<number> {
  return (await runLoad(bin, [pattern, String(n)]))[1]!;
}

/** Runs `procs` copies of `load openrate`, together `rate` ops/s (0: flat out) for `seconds`. */
export async function openRate(bin: string, rate: number, seconds: number, procs: number, paths: readonly string[]): Promise<OpenRateResult> {
  const each = await Promise.all(Array.from({ length: procs }, () => runLoad(bin, ['openrate', String(rate / procs), String(seconds), ...paths])));
  return {
    ops: each.reduce((a, r) => a + r[0]!, 0),
    wallNs: Math.max(...each.map((r) => r[1]!)),
    cpuNs: each.reduce((a, r) => a + r[2]!, 0),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;

/** A bench's numeric option, `--name value`, else `dflt`. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
