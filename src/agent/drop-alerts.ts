// Falco's `syscall_event_drops`: once a second the kernel counters are compared with the last
// reading; when the share of events dropped passes `threshold` and the token bucket (`rate`
// tokens a second, at most `max_burst`) has a token, the `actions` run: `log` a line, `alert`
// "Falco internal: syscall event drop" with Falco's n_* fields (as strings, as Falco writes them),
// `exit`. Read from the agent's metrics registry, so it runs beside any source.
import { shown } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Alert } from '../outputs/index.js';
import { Priority } from '../rules/index.js';
import { internalAlert } from '../outputs/index.js';

/** Now (ms, from `now`) as ns since the epoch, an alert's time. */
export function nowNs(now: () => number = Date.now): bigint {
  return BigInt(Math.floor(now())) * 1_000_000n;
}

export const DROP_RULE = 'Falco internal: syscall event drop';
type DropAction = 'ignore' | 'log' | 'alert' | 'exit';

export interface DropSettings {
  threshold: number;
  actions: DropAction[];
  rate: number;
  maxBurst: number;
  simulateDrops: boolean;
}

/** The `syscall_event_drops` section with Falco's defaults (.1, [log, alert], .03333, 1). */
export function dropSettings(raw: Record<string, unknown>): DropSettings {
  const s = (raw.syscall_event_drops ?? {}) as Record<string, unknown>;
  if (typeof s !== 'object' || Array.isArray(s)) throw new ConfigError("configuration key 'syscall_event_drops' must be a map");
  const num = (k: string, d: number, min: number, max: number): number => {
    const v = s[k] ?? d;
    if (typeof v !== 'number' || !(v >= min && v <= max)) throw new ConfigError(`configuration key 'syscall_event_drops.${k}' must be a number from ${min} to ${max}, got '${shown(v)}'`);
    return v;
  };
  const actions = (s.actions ?? ['log', 'alert']) as unknown;
  const valid: DropAction[] = ['ignore', 'log', 'alert', 'exit'];
  if (!Array.isArray(actions) || !actions.every((a) => valid.includes(a as DropAction))) {
    throw new ConfigError(`configuration key 'syscall_event_drops.actions' must be a list of ${valid.join(', ')}, got ${JSON.stringify(actions)}`);
  }
  const simulate = s.simulate_drops ?? false;
  if (typeof simulate !== 'boolean') throw new ConfigError("configuration key 'syscall_event_drops.simulate_drops' must be true or false");
  return { threshold: num('threshold', 0.1, 0, 1), actions: actions as DropAction[], rate: num('rate', 0.03333, 0, 1e6), maxBurst: num('max_burst', 1, 0, 1e6), simulateDrops: simulate };
}

/** Falco's token bucket: starts full, refills `rate` tokens a second up to `max`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(private readonly rate: number, private readonly max: number, now: number) {
    this.tokens = max;
    this.last = now;
  }
  claim(now: number): boolean {
    this.tokens = Math.min(this.max, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface Reading {
  evts: number;
  drops: number;
  byReason: Map<string, number>;
  scratch: number;
}

/** Falco's families of full-buffer drops, as the sensor names them. */
const FAMILIES = ['clone_fork', 'execve', 'connect', 'open', 'dir_file', 'other_interest', 'close', 'proc'];

export interface DropMonitorHooks {
  metrics: Metrics;
  hostname: () => string;
  log: (message: string) => void;
  raise: (alert: Alert) => void;
  /** The `exit` action: the agent stops with a failure. */
  exit: (reason: string) => void;
  now?: () => number;
}

export class DropMonitor {
  private last: Reading | undefined;
  private readonly bucket: TokenBucket;
  private timer: NodeJS.Timeout | undefined;
  /** Seconds whose drops passed the threshold, and how many of them led to actions (Falco's stats). */
  detected = 0;
  acted = 0;

  constructor(private readonly settings: DropSettings, private readonly hooks: DropMonitorHooks) {
    this.bucket = new TokenBucket(settings.rate, settings.maxBurst, (hooks.now ?? Date.now)());
  }

  start(intervalMs = 1000): void {
    if (this.settings.actions.every((a) => a === 'ignore')) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async read(): Promise<Reading> {
    const m = this.hooks.metrics;
    const byReason = new Map<string, number>();
    for (const s of await m.samples('falcosecurity_scap_n_drops_buffer_total')) byReason.set(String(s.labels.drop), s.value);
    return {
      evts: await m.value('falcosecurity_scap_n_evts_total'), drops: await m.value('falcosecurity_scap_n_drops_total'),
      byReason, scratch: await m.value('falcosecurity_scap_n_drops_scratch_map_total'),
    };
  }

  /** One check (every second when started); returns the alert raised, if any. */
  async check(): Promise<Alert | undefined> {
    const cur = await this.read();
    const prev = this.last;
    this.last = cur;
    if (!prev) return undefined;
    const d = (a: number, b: number) => Math.max(0, a - b);
    let nDrops = d(cur.drops, prev.drops);
    if (this.settings.simulateDrops) nDrops++;
    if (nDrops === 0) return undefined;
    const nEvts = d(cur.evts, prev.evts);
    const ratio = nEvts === 0 ? 1 : nDrops / nEvts;
    if (!(ratio > this.settings.threshold) && !this.settings.simulateDrops) return undefined;
    this.detected++;
    if (!this.bucket.claim((this.hooks.now ?? Date.now)())) return undefined;
    this.acted++;
    const message = `${DROP_RULE}. ${nDrops} system calls dropped in last second.`;
    let raised: Alert | undefined;
    for (const action of this.settings.actions) {
      if (action === 'log') this.hooks.log(message);
      else if (action === 'exit') this.hooks.exit(`${message} Exiting.`);
      else if (action === 'alert') {
        const fields: Record<string, string> = { n_evts: String(nEvts), n_drops: String(nDrops) };
        let buffer = 0;
        for (const f of FAMILIES) {
          const n = d(cur.byReason.get(f) ?? 0, prev.byReason.get(f) ?? 0);
          buffer += n;
          fields[`n_drops_buffer_${f}_exit`] = String(n);
        }
        fields.n_drops_buffer_total = String(buffer);
        fields.n_drops_scratch_map = String(d(cur.scratch, prev.scratch));
        fields.n_drops_page_faults = '0';
        fields.n_drops_bug = '0';
        fields.ebpf_enabled = '1';
        raised = internalAlert({ rule: DROP_RULE, priority: Priority.DEBUG, message, fields, ts: nowNs(this.hooks.now) }, { isoTime: false, hostname: this.hooks.hostname() });
        this.hooks.raise(raised);
      }
    }
    return raised;
  }
}
