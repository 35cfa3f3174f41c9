// Falco's `metrics` section: every `interval` a snapshot of the agent's counters, as the
// "Falco internal: metrics snapshot" alert (`output_rule`) and/or one JSON line appended to
// `output_file`; with `resource_utilization_enabled`, the process's CPU and memory are also
// Prometheus gauges under Falco's names. Everything is read from the agent's metrics registry.
import { appendFileSync } from 'node:fs';
import { shown } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import type { JsonValue } from '../filter/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Alert } from '../outputs/index.js';
import { Priority } from '../rules/index.js';
import { nowNs } from './drop-alerts.js';
import { internalAlert } from '../outputs/index.js';

export const SNAPSHOT_RULE = 'Falco internal: metrics snapshot';

export interface MetricsSettings {
  enabled: boolean;
  intervalMs: number;
  outputRule: boolean;
  outputFile?: string;
  rulesCounters: boolean;
  resourceUtilization: boolean;
  stateCounters: boolean;
}

const UNIT_MS: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };

/** A Prometheus duration ("1h", "15m", "1h30m", "2s", "100ms") in ms; undefined if malformed. */
export function parseInterval(text: string): number | undefined {
  const t = text.replace(/\s+/g, '');
  if (!/^(\d+(ms|us|ns|y|w|d|h|m|s))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+)(ms|us|ns|y|w|d|h|m|s)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Falco's defaults: disabled, 1h, output_rule true, every group on. The interval is at least 100 ms. */
export function metricsSettings(raw: Record<string, unknown>): MetricsSettings {
  const s = (raw.metrics ?? {}) as Record<string, unknown>;
  const flag = (k: string, d: boolean): boolean => {
    const v = s[k] ?? d;
    if (typeof v !== 'boolean') throw new ConfigError(`configuration key 'metrics.${k}' must be true or false, got '${shown(v)}'`);
    return v;
  };
  const interval = shown(s.interval ?? '1h');
  const ms = parseInterval(interval);
  if (ms === undefined || ms < 100) throw new ConfigError(`configuration key 'metrics.interval' must be a duration of at least 100ms such as 15m or 1h, got '${interval}'`);
  const file = s.output_file;
  return {
    enabled: flag('enabled', false), intervalMs: ms, outputRule: flag('output_rule', true),
    outputFile: typeof file === 'string' && file !== '' ? file : undefined,
    rulesCounters: flag('rules_counters_enabled', true), resourceUtilization: flag('resource_utilization_enabled', true), stateCounters: flag('state_counters_enabled', true),
  };
}

/** Falco's sanitize_rule_name: anything but [a-zA-Z0-9_:] becomes _, runs collapse, no trailing _. */
export function sanitizeRuleName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_').replace(/_$/, '');
}

/** Registers Falco's resource utilization gauges (this process's CPU share and memory). */
export function registerResourceMetrics(metrics: Metrics): void {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  metrics.gauge({
    name: 'falcosecurity_falco_cpu_usage_ratio', help: 'https://falco.org/docs/metrics/ CPU used by the agent since the last reading, as a share of one CPU.',
    read: () => {
      const cpu = process.cpuUsage();
      const at = process.hrtime.bigint();
      const usedUs = cpu.user - lastCpu.user + cpu.system - lastCpu.system;
      const spanUs = Number(at - lastAt) / 1000;
      lastCpu = cpu;
      lastAt = at;
      return spanUs > 0 ? usedUs / spanUs : 0;
    },
  });
  metrics.gauge({ name: 'falcosecurity_falco_memory_rss_bytes', help: 'https://falco.org/docs/metrics/ Resident memory of the agent.', read: () => process.memoryUsage.rss() });
  metrics.gauge({ name: 'falcosecurity_falco_memory_heap_used_bytes', help: 'V8 heap in use by the agent.', read: () => process.memoryUsage().heapUsed });
}

export interface SnapshotHooks {
  metrics: Metrics;
  hostname: () => string;
  version: string;
  raise: (alert: Alert) => void;
  log: (message: string) => void;
  now?: () => number;
}

export class MetricsSnapshot {
  private timer: NodeJS.Timeout | undefined;
  private lastEvts = 0;
  private lastAt: number;

  constructor(private readonly settings: MetricsSettings, private readonly hooks: SnapshotHooks) {
    this.lastAt = (hooks.now ?? Date.now)();
  }

  start(): void {
    if (!this.settings.enabled || (!this.settings.outputRule && !this.settings.outputFile)) return;
    this.timer = setInterval(() => void this.emit().catch((e: Error) => this.hooks.log(`metrics snapshot: ${e.message}`)), this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The snapshot's output fields, with Falco's names. */
  async fields(): Promise<Record<string, JsonValue>> {
    const m = this.hooks.metrics;
    const now = (this.hooks.now ?? Date.now)();
    const evts = await m.value('falcosecurity_scap_n_evts_total');
    const drops = await m.value('falcosecurity_scap_n_drops_total');
    const processed = await m.value('saker_engine_events_total');
    const span = (now - this.lastAt) / 1000;
    const f: Record<string, JsonValue> = {
      'evt.time': BigInt(now) * 1_000_000n,
      'evt.source': 'syscall',
      'evt.hostname': this.hooks.hostname(),
      'falco.version': this.hooks.version,
      'falco.start_ts': BigInt(Math.floor(await m.value('falcosecurity_falco_start_timestamp_nanoseconds'))),
      'falco.reload_ts': BigInt(Math.floor(await m.value('falcosecurity_falco_reload_timestamp_nanoseconds'))),
      'falco.num_evts': processed,
      'falco.num_evts_prev': this.lastEvts,
      'falco.evts_rate_sec': span > 0 ? (processed - this.lastEvts) / span : 0,
      'falco.outputs_queue_num_drops': await m.value('falcosecurity_falco_outputs_queue_num_drops_total'),
      'scap.n_evts': evts,
      'scap.n_drops': drops,
      'scap.n_drops_perc': evts > 0 ? (100 * drops) / evts : 0,
    };
    this.lastEvts = processed;
    this.lastAt = now;
    if (this.settings.stateCounters) f['scap.n_threads'] = await m.value('falcosecurity_scap_n_threads_total');
    if (this.settings.resourceUtilization) {
      f['falco.memory_rss_mb'] = Math.round(process.memoryUsage.rss() / 1048576);
      f['falco.cpu_usage_perc'] = Math.round(100 * (await m.value('falcosecurity_falco_cpu_usage_ratio')) * 100) / 100;
    }
    if (this.settings.rulesCounters) {
      const matches = await m.samples('falcosecurity_falco_rules_matches_total');
      f['falco.rules.matches_total'] = matches.reduce((s, x) => s + x.value, 0);
      for (const x of matches) f[`falco.rules.${sanitizeRuleName(String(x.labels.rule_name))}`] = x.value;
    }
    return f;
  }

  /** One snapshot: the alert and/or the line in output_file. */
  async emit(): Promise<Alert> {
    const fields = await this.fields();
    const alert = internalAlert({ rule: SNAPSHOT_RULE, priority: Priority.INFORMATIONAL, message: 'Falco metrics snapshot', fields, ts: nowNs(this.hooks.now) }, { isoTime: false, hostname: this.hooks.hostname() });
    if (this.settings.outputRule) this.hooks.raise(alert);
    if (this.settings.outputFile) {
      const json = JSON.stringify({ hostname: alert.hostname, output_fields: fields, rule: alert.rule, source: 'internal' }, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
      appendFileSync(this.settings.outputFile, `${json}\n`);
    }
    return alert;
  }
}
