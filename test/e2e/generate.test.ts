// `saker generate all` against a fresh live agent raises every built-in rule its actions list;
// `--list` and unknown actions behave.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from './helpers/agent.js';
import { agentMissing, repoRoot } from './helpers/env.js';

function saker(args: string[]) {
  return spawnSync(process.execPath, [join(repoRoot, 'bin', 'saker.js'), ...args], { encoding: 'utf8', timeout: 180_000 });
}

test('saker generate --list names each action and its rules; an unknown action is a usage error', () => {
  const l = saker(['generate', '--list']);
  assert.equal(l.status, 0, l.stderr);
  assert.match(l.stdout, /^read-sensitive-file +Read of sensitive file$/m);
  assert.match(l.stdout, /^container-shell-and-tools +Shell spawned in a container, Package manager in a container, Network tool in a container \[container\]/m);
  const c = saker(['generate', '--list', '--container']);
  assert.ok(c.stdout.trim().split('\n').every((line) => line.includes('[container]')), c.stdout);
  // Every built-in rule has an action (some may be unavailable on a given machine, saying why).
  const listed = new Set(l.stdout.split('\n').flatMap((line) => line.replace(/^\S+\s+/, '').replace(/ \[container\]$| \(unavailable: .*\)$/, '').split(', ')));
  const builtIn = [...readFileSync(join(repoRoot, 'rules', 'saker_rules.yaml'), 'utf8').matchAll(/^- rule: (.+)$/gm)].map((m) => m[1]!.trim());
  assert.deepEqual(builtIn.filter((r) => !listed.has(r)), [], 'built-in rules no action raises');
  const bad = saker(['generate', 'rm-rf']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /saker generate: unknown action: rm-rf/);
});

test('saker generate all in a fresh agent raises every built-in rule it lists', async (t) => {
  const missing = agentMissing();
  if (missing) return t.skip(missing);
  const agent = await Agent.start();
  t.after(() => agent.kill());
  const g = saker(['generate', 'all']);
  assert.equal(g.status, 0, g.stdout + g.stderr);
  const ran = [...g.stdout.matchAll(/^ran ([\w-]+): (.*)$/gm)].map((m) => ({ action: m[1]!, rules: m[2]!.split(', ') }));
  const skipped = [...g.stdout.matchAll(/^skipped ([\w-]+): (.*)$/gm)].map((m) => `${m[1]} (${m[2]})`);
  if (skipped.length) t.diagnostic(`skipped here: ${skipped.join('; ')}`);
  assert.ok(ran.length >= 20, `most actions ran:\n${g.stdout}`);
  const rules = [...new Set(ran.flatMap((r) => r.rules))];
  const missingRules: string[] = [];
  for (const rule of rules) {
    try {
      await agent.waitForRule(rule, () => true, { timeoutMs: 5000 });
    } catch {
      missingRules.push(rule);
    }
  }
  assert.deepEqual(missingRules, [], `every rule the actions name fired (alerts: ${[...new Set(agent.alerts.map((a) => a.rule))].join(', ')})`);
  t.diagnostic(`${rules.length} built-in rules raised by ${ran.length} actions`);
  await agent.stop();
});
