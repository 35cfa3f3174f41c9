// A recorded live capture (test/fixtures/oracle/captures/live-alerts.scap.gz: the upstream
// rules' triggers run under `saker capture`) replayed through the engine as recorded, and as the
// sensor's open prefilter would have let it through (src/testing/prefilter-replay.ts, the kernel's
// decision in TypeScript): the alerts must be identical, with the built-in and the upstream rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readScap, ScapWriter, type ScapTables } from '../capture/scap/index.js';
import { loadConfig } from '../config/index.js';
import type { Alert } from '../outputs/index.js';
import { deriveOpenPrefilter, loadRulesFiles } from '../rules/index.js';
import { packageRoot } from '../package-root.js';
import { prefilterCapture } from '../testing/prefilter-replay.js';
import { upstreamRulesFiles } from '../testing/shared.js';
import { Agent } from './agent.js';

const CAPTURE = join(packageRoot(), 'test', 'fixtures', 'oracle', 'captures', 'live-alerts.scap.gz');
const BUILTIN = [join(packageRoot(), 'rules', 'saker_rules.yaml')];

async function readCapture(): Promise<{ tables: ScapTables; events: Buffer[] }> {
  let tables: ScapTables | undefined;
  const events: Buffer[] = [];
  await readScap(CAPTURE, { tables: (t) => (tables ??= t), event: (e) => void events.push(Buffer.from(e.record())) }, { numbering: 'delivered' });
  assert.ok(tables);
  return { tables, events };
}

async function write(file: string, tables: ScapTables, events: readonly Buffer[]): Promise<void> {
  const w = new ScapWriter(file, { overwrite: true });
  w.writeTables(tables);
  for (const e of events) w.writeEvent(e);
  await w.close();
}

async function alertsOf(file: string, rules: string[]): Promise<string[]> {
  const agent = new Agent({ config: loadConfig({ overrides: ['rule_matching=all'] }), rules, source: { capture: file }, stdout: new PassThrough() });
  const alerts: Alert[] = [];
  agent.onAlert((a) => alerts.push(a));
  await agent.start();
  await agent.ended;
  await agent.stop();
  return alerts.map((a) => `${a.ts} ${a.rule}: ${a.output} ${JSON.stringify(a.outputFields, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
}

for (const [name, rules] of [['built-in', BUILTIN], ['upstream', upstreamRulesFiles()]] as const) {
  test(`replaying a live capture with the prefilter simulated gives the same alerts (${name} rules)`, async (t) => {
    if (!existsSync(CAPTURE)) return t.skip(`${CAPTURE} is absent`);
    if (!rules) return t.skip('../shared/peers/falco-rules is absent');
    const loaded = await loadRulesFiles(rules);
    const d = deriveOpenPrefilter(loaded.ruleset.enabledRules());
    if ('off' in d && name === 'upstream') {
      // nothing stays in the kernel with these rules: the sensor runs without the prefilter
      assert.match(d.off, /^every open may matter/);
      return t.diagnostic(`the prefilter is off with the upstream rules: ${d.off}`);
    }
    assert.ok(!('off' in d), 'off' in d ? d.off : '');
    const { tables, events } = await readCapture();
    const tgids = new Map(tables.processes.map((p) => [p.tid, p.pid]));
    const sim = prefilterCapture(d.table, events, tgids);
    const dir = mkdtempSync(join(tmpdir(), 'saker-prefilter-replay-'));
    try {
      await write(join(dir, 'all.scap'), tables, events);
      await write(join(dir, 'filtered.scap'), tables, sim.events);
      const [all, filtered] = [await alertsOf(join(dir, 'all.scap'), rules), await alertsOf(join(dir, 'filtered.scap'), rules)];
      t.diagnostic(`${events.length} events, ${sim.events.length} after the prefilter: ${sim.droppedOpens} opens and ${sim.droppedCloses} closes stayed, ${sim.replayed} sent again before a consumer; ${all.length} alerts`);
      assert.ok(all.length > 0, 'the capture raises alerts');
      assert.deepEqual(filtered, all);
      if (name === 'built-in') assert.ok(sim.droppedOpens > 0, 'the prefilter had something to drop');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
