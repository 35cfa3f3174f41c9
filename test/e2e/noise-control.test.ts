// Noise control under the real `saker run`: 1,000 identical alerts within 10 s become one message
// with count 1000 at a deduplicating destination (a webhook to a loopback receiver), a rate-limited
// destination gets its burst and rate while the rest is counted, and file_output keeps all 1,000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Receiver } from '../../src/outputs/test-support.js';
import { agentMissing, firstMissing } from './helpers/env.js';
import { burst, fileLines, LiveAgent, settled, until } from './helpers/live-agent.js';
import { python3, scratchDir } from './helpers/triggers.js';

const RULE = 'Read of sensitive file';
const N = 1000;

interface FalcoJson {
  rule: string;
  output: string;
  output_fields: Record<string, unknown>;
}

test('1,000 identical alerts in 10 s: one message with count 1000 at the deduplicating destination, the rate-limited one counts what it held back, the file has all 1,000', { timeout: 180_000 }, async (t) => {
  const py = python3();
  const missing = firstMissing(agentMissing, () => (py ? undefined : 'needs python3 (the trigger)'));
  if (missing) return t.skip(missing);
  const { dir, cleanup } = scratchDir('noise');
  t.after(cleanup);
  const folded = await new Receiver().start();
  const limited = await new Receiver().start();
  t.after(() => folded.stop());
  t.after(() => limited.stop());
  const fileOut = join(dir, 'events.json');
  const cfg = join(dir, 'saker.yaml');
  writeFileSync(cfg, `json_output: true
state_dir: ${dir}/state
stdout_output:
  enabled: false
file_output:
  enabled: true
  keep_alive: true
  filename: ${fileOut}
append_output:
  - extra_output: "pid=%proc.pid"
destinations:
  - name: folded
    type: webhook
    url: ${folded.url}/
    rules: ["${RULE}"]
    dedup:
      window: 15s
      fields: [proc.pid, fd.name]
  - name: limited
    type: webhook
    url: ${limited.url}/
    rules: ["${RULE}"]
    rate_limit:
      rate: 1
      max_burst: 5
`);
  const agent = await LiveAgent.start([], 'ignore', cfg);
  t.after(() => agent.kill());

  const started = Date.now();
  const pid = burst(py!, N, 125); // 1,000 opens spread over about 8 s
  const spread = Date.now() - started;
  assert.ok(spread < 10_000, `the ${N} alerts came within 10 s (${spread} ms)`);
  const ours = (l: string) => {
    const a = JSON.parse(l) as FalcoJson;
    return a.rule === RULE && a.output_fields['proc.pid'] === pid;
  };
  await until(() => fileLines(fileOut).filter(ours).length >= N, 30_000, `${N} alerts in file_output (pid ${pid}; ${fileLines(fileOut).length} lines, first: ${fileLines(fileOut)[0]})`);

  // the window (15 s from the first alert) closes: one message for the 1,000
  await until(() => folded.requests.some((r) => ours(r.body)), 30_000, 'the folded alert at the deduplicating destination');
  const mine = folded.requests.map((r) => JSON.parse(r.body) as FalcoJson).filter((a) => a.output_fields['proc.pid'] === pid);
  assert.equal(mine.length, 1, 'one message for the 1,000 alerts');
  const f = mine[0]!.output_fields;
  assert.equal(f['dedup.count'], N, 'it carries the count');
  const first = Number(f['dedup.first_time']);
  const last = Number(f['dedup.last_time']);
  assert.ok(first > 0 && last > 0, 'and the first and last times');
  assert.ok((last - first) / 1e6 >= spread * 0.5, `first and last time span the burst (${first} .. ${last}, ${spread} ms)`);
  assert.match(mine[0]!.output, new RegExp(`\\(seen ${N} times\\)$`));
  assert.equal(fileLines(fileOut).filter(ours).length, N, `file_output has all ${N}`);

  // rate limit: 5 at once, then about 1 a second; every alert held back is counted
  const ofRule = await settled(() => fileLines(fileOut).filter((l) => (JSON.parse(l) as FalcoJson).rule === RULE).length, 1000, 30_000);
  const got = await settled(() => limited.requests.length, 1000, 30_000);
  const held = await agent.metric('saker_outputs_dropped_total', { destination: 'limited', reason: 'rate_limit' });
  assert.ok(got >= 5 && got <= 5 + Math.ceil((Date.now() - started) / 1000) + 1, `the rate-limited destination got its burst and about 1/s (${got})`);
  assert.equal(got + held, ofRule, `delivered ${got} + rate-limited ${held} = every alert of the rule (${ofRule})`);

  const status = await agent.stop();
  assert.deepEqual(status, { code: 0, signal: null }, agent.stderr);
});
