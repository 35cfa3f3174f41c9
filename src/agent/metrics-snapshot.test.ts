import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Metrics } from '../metrics/index.js';
import type { Alert } from '../outputs/index.js';
import { metricsSettings, MetricsSnapshot, parseInterval, registerResourceMetrics, sanitizeRuleName, SNAPSHOT_RULE } from './metrics-snapshot.js';

test('Prometheus durations as Falco reads metrics.interval', () => {
  assert.equal(parseInterval('1h'), 3_600_000);
  assert.equal(parseInterval('1h30m'), 5_400_000);
  assert.equal(parseInterval('2s'), 2000);
  assert.equal(parseInterval('100ms'), 100);
  assert.equal(parseInterval('soon'), undefined);
  assert.throws(() => metricsSettings({ metrics: { interval: '10ms' } }), /metrics\.interval.*at least 100ms/);
  assert.equal(sanitizeRuleName('Read sensitive file untrusted!'), 'Read_sensitive_file_untrusted');
});

test('a snapshot is the "Falco internal: metrics snapshot" alert with counters, rule matches and resources, and a JSON line in output_file', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'saker-snap-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const m = new Metrics();
  m.counter({ name: 'falcosecurity_scap_n_evts_total', help: 'x', read: () => 1000 });
  m.counter({ name: 'falcosecurity_scap_n_drops_total', help: 'x', read: () => 10 });
  m.counter({ name: 'saker_engine_events_total', help: 'x', read: () => 990 });
  m.counter<'rule_name'>({ name: 'falcosecurity_falco_rules_matches_total', help: 'x', labelNames: ['rule_name'], read: () => [{ labels: { rule_name: 'Read sensitive file' }, value: 3 }] });
  registerResourceMetrics(m);
  const raised: Alert[] = [];
  let now = 10_000;
  const snap = new MetricsSnapshot(metricsSettings({ metrics: { enabled: true, interval: '2s', output_file: join(d, 'm.jsonl') } }), {
    metrics: m, hostname: () => 'node-1', version: '0.1.0', raise: (a) => raised.push(a), log: () => undefined, now: () => now,
  });
  now = 12_000;
  const a = await snap.emit();
  assert.equal(a.rule, SNAPSHOT_RULE);
  assert.equal(a.priorityName, 'Informational');
  assert.equal(a.source, 'internal');
  assert.equal(a.message, 'Falco metrics snapshot');
  assert.equal(a.outputFields['scap.n_evts'], 1000);
  assert.equal(a.outputFields['scap.n_drops_perc'], 1);
  assert.equal(a.outputFields['falco.evts_rate_sec'], 495);
  assert.equal(a.outputFields['falco.rules.matches_total'], 3);
  assert.equal(a.outputFields['falco.rules.Read_sensitive_file'], 3);
  assert.ok((a.outputFields['falco.memory_rss_mb'] as number) > 0);
  assert.equal(raised.length, 1);
  const line = JSON.parse(readFileSync(join(d, 'm.jsonl'), 'utf8')) as { rule: string; output_fields: Record<string, unknown> };
  assert.equal(line.rule, SNAPSHOT_RULE);
  assert.equal(line.output_fields['scap.n_drops'], 10);
  assert.ok(await m.value('falcosecurity_falco_memory_rss_bytes') > 1e6);
});
