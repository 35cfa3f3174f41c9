// Falco beside Saker in the live benchmarks: falco-live (Falco master with its modern eBPF probe,
// built by ../shared/tools/build-falco.sh; ../shared/tools/README-falco.md) with the same rules,
// its counters read from its metrics file (one JSON line every 2 s): events its probe saw
// (scap.n_evts, dropped ones included), events lost in its ring buffers (scap.n_drops) and events
// its engine processed (falco.num_evts). Stock falco.yaml otherwise: one 8 MB buffer per 2 CPUs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMsOf, pidsNamed, sleep } from './agent.js';

const FALCO_LIVE = join(process.env.ORACLE_PREFIX ?? '/opt/anchors', 'bin', 'falco-live');
const READY_TIMEOUT_MS = 180_000;
const START_ATTEMPTS = 3;
/** Falco's metrics period. Not 1 s: Falco master then fails to start here more often than not
 *  ("libpman: unable to set interesting syscall at index 134 as 0! (errno: 9 | message: Bad file
 *  descriptor)" at scap_init; 1s and 1000ms failed, 2s and 5s started, every time tried). */
const METRICS_INTERVAL_MS = 2000;

export class FalcoStartError extends Error {
  override name = 'FalcoStartError';
}

/** Why falco-live cannot run here, or undefined. */
export function falcoLiveUnavailable(): string | undefined {
  if (!existsSync(FALCO_LIVE)) return `Falco is not built here (no ${FALCO_LIVE}; ../shared/tools/README-falco.md)`;
  if (process.geteuid?.() !== 0) return 'falco-live needs root';
  return undefined;
}

export interface FalcoCounters {
  /** Events its probe saw, dropped ones included. */
  events: number;
  drops: number;
  /** Events its engine processed. */
  processed: number;
}

/** Falco's last words (its verifier logs run to thousands of lines before them). */
function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ');
}

/** A number under `key` anywhere in a parsed metrics line. */
function find(o: unknown, key: string): number | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  for (const [k, v] of Object.entries(o)) {
    if (k === key && typeof v === 'number') return v;
    const inner = find(v, key);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

export class FalcoLive {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  /** Starts falco-live with `rules` and resolves once its first metrics line is written (its
   *  probe is attached and its rules loaded). Tried START_ATTEMPTS times: on this busy machine the
   *  verifier now and then gives up on one of its programs with EAGAIN ("failed to load BPF
   *  skeleton: -11"). Throws FalcoStartError with the last lines Falco wrote. */
  static async start(rules: readonly string[]): Promise<FalcoLive> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await FalcoLive.startOnce(rules);
      } catch (e) {
        if (attempt >= START_ATTEMPTS) throw e;
      }
    }
  }

  private static async startOnce(rules: readonly string[]): Promise<FalcoLive> {
    const dir = mkdtempSync(join(tmpdir(), 'saker-falco-live-'));
    const args = [...rules.flatMap((r) => ['-r', r]),
      '-o', 'metrics.enabled=true', '-o', `metrics.interval=${METRICS_INTERVAL_MS}ms`, '-o', 'metrics.output_rule=false',
      '-o', `metrics.output_file=${join(dir, 'metrics.jsonl')}`, '-o', 'engine.modern_ebpf.disable_iterators=true'];
    const child = spawn(FALCO_LIVE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr = { text: '' };
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr.text = (stderr.text + s).slice(-8192)));
    const f = new FalcoLive(child, dir);
    const started = Date.now();
    while (f.lines().length === 0) {
      if (child.exitCode !== null || child.signalCode !== null) throw new FalcoStartError(`falco-live exited before its first metrics: ${lastLines(stderr.text)}`);
      if (Date.now() - started > READY_TIMEOUT_MS) {
        await f.stop().catch(() => undefined);
        throw new FalcoStartError(`falco-live: no metrics within ${READY_TIMEOUT_MS} ms: ${lastLines(stderr.text)}`);
      }
      await sleep(200);
    }
    return f;
  }

  private lines(): string[] {
    try {
      return readFileSync(join(this.dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    } catch {
      return [];
    }
  }

  /** The falco process (the wrapper may run it as a child). */
  get pid(): number {
    const own = this.child.pid!;
    if (pidsNamed('falco').includes(own)) return own;
    try {
      const kids = readFileSync(`/proc/${own}/task/${own}/children`, 'utf8').trim().split(/\s+/).map(Number);
      return kids.find((k) => pidsNamed('falco').includes(k)) ?? own;
    } catch {
      return own;
    }
  }

  cpuMs(): number {
    return cpuMsOf(this.pid);
  }

  /** The latest counters (cumulative since start, METRICS_INTERVAL_MS old at most). */
  counters(): FalcoCounters {
    const last = this.lines().at(-1);
    const o: unknown = last ? JSON.parse(last) : {};
    return { events: find(o, 'scap.n_evts') ?? 0, drops: find(o, 'scap.n_drops') ?? 0, processed: find(o, 'falco.num_evts') ?? 0 };
  }

  /** SIGTERM; resolves with the counters of its last metrics line. */
  async stop(): Promise<FalcoCounters> {
    await sleep(METRICS_INTERVAL_MS + 100); // one more metrics line, after the load
    const c = this.counters();
    const closed = new Promise((r) => this.child.once('close', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await closed;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
    return c;
  }
}
