// A small AgentHandle for the server's tests: a real Metrics registry with a few Falco-named
// counters, a phase the test sets, rules with hit counts, and alerts the test raises by hand.
import type { AgentHandle, AgentStatus, ReloadOutcome, RuleSummary } from '../agent/index.js';
import { Metrics } from '../metrics/index.js';
import type { Alert } from '../outputs/index.js';
import { PRIORITY_NAMES } from './alert-store.js';

export class TestAgent implements AgentHandle {
  readonly metrics = new Metrics();
  private readonly listeners = new Set<(a: Alert) => void>();
  status_: AgentStatus = { phase: 'starting', source: 'live', startedAt: 0, sensor: { attach: 'tp_btf', syscalls: 40, alive: true }, events: 0, alerts: 0, drops: 0, enabledRules: 2 };
  rules_: RuleSummary[] = [
    { name: 'Read sensitive file', priority: 'Warning', enabled: true, tags: ['filesystem'], source: 'syscall', hits: 0 },
    { name: 'Shell in container', priority: 'Notice', enabled: true, tags: ['container', 'shell'], source: 'syscall', hits: 0 },
  ];
  reloadResult: ReloadOutcome = { at: 0, ok: true, enabledRules: 2 };

  constructor() {
    this.metrics.counter({ name: 'falcosecurity_scap_n_evts_total', help: 'events', read: () => this.status_.events });
    this.metrics.counter({
      name: 'falcosecurity_falco_rules_matches_total', help: 'matches', labelNames: ['rule_name', 'priority', 'source'],
      read: () => this.rules_.filter((r) => r.hits > 0).map((r) => ({ labels: { rule_name: r.name, priority: PRIORITY_NAMES.indexOf(r.priority as never), source: r.source }, value: r.hits })),
    });
  }

  status(): AgentStatus {
    return { ...this.status_ };
  }

  rules(): RuleSummary[] {
    return this.rules_.map((r) => ({ ...r }));
  }

  reload(): Promise<ReloadOutcome> {
    this.status_.lastReload = { ...this.reloadResult, at: Date.now() };
    return Promise.resolve(this.status_.lastReload);
  }

  onAlert(listener: (a: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Raises an alert as the engine would (counted in status, rules and metrics). */
  raise(rule: string, fields: Record<string, string | number | null> = {}, priority = 4): Alert {
    const message = `${rule} (${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')})`;
    const a: Alert = {
      ts: BigInt(Date.now()) * 1_000_000n, rule, priority, priorityName: PRIORITY_NAMES[priority]!, source: 'syscall',
      tags: this.rules_.find((r) => r.name === rule)?.tags ?? [], hostname: 'test-host',
      output: `12:00:00.000000000: ${PRIORITY_NAMES[priority]} ${message}`, message, outputFields: { 'evt.time': BigInt(Date.now()) * 1_000_000n, ...fields },
    };
    this.status_.events++;
    this.status_.alerts++;
    const r = this.rules_.find((x) => x.name === rule);
    if (r) r.hits++;
    for (const l of this.listeners) l(a);
    return a;
  }
}
