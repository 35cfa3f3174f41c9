// `saker run` as a user meets it: default configuration (text alerts, first matching rule),
// the "ready" line, SIGINT and --duration ending it with status 0, bad input refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { agentMissing, repoRoot } from './helpers/env.js';
import { runCommand } from './helpers/triggers.js';

const CLI = join(repoRoot, 'bin', 'saker.js');

test('default text output: a "Read of sensitive file" line for cat /etc/shadow, then SIGINT exits 0', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const child = spawn(process.execPath, [CLI, 'run', '--duration', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => err.push(l));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
  try {
    const until = async (cond: () => boolean, what: string) => {
      for (const deadline = Date.now() + 20_000; !cond(); await new Promise((r) => setTimeout(r, 20))) {
        assert.ok(Date.now() < deadline, `${what}; stderr:\n${err.join('\n')}`);
      }
    };
    await until(() => err.some((l) => /^saker: ready: capturing with (tp_btf|raw_tp) \(\d+ syscalls\)$/.test(l)), 'the ready line');
    assert.match(err[0]!, /^saker: loaded \d+ enabled rules from .*saker_rules\.yaml$/);
    const r = runCommand('cat', ['/etc/shadow']);
    const ours = (l: string) => l.includes('Sensitive file opened for reading (file=/etc/shadow') && l.includes('cmdline=cat /etc/shadow');
    await until(() => out.some(ours), 'a text alert');
    const line = out.find(ours)!;
    // Falco's text format: time, priority, the rule output, then the container fields.
    assert.match(line, /^\d\d:\d\d:\d\d\.\d{9}: Warning Sensitive file opened for reading \(file=\/etc\/shadow user=root process=cat cmdline=cat \/etc\/shadow parent=\S+ container=host\) container_id=host container_name=host/);
    assert.equal(r.status, 0);
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null], `SIGINT ends the agent with status 0; stderr:\n${err.join('\n')}`);
    assert.match(err[err.length - 1]!, /^saker: stopped: \d+ events, [1-9]\d* alerts, \d+ dropped$/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('--duration stops the agent by itself with status 0', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'run', '--duration', '2'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /saker: ready/);
  assert.match(r.stderr, /saker: stopped: /);
  assert.ok(Date.now() - t0 >= 2000, 'ran for the whole duration');
});

test('a rules file that does not exist is refused with status 1 before any capture', () => {
  const r = spawnSync(process.execPath, [CLI, 'run', '-r', '/nonexistent/saker-e2e.yaml'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /saker-e2e\.yaml/);
  assert.doesNotMatch(r.stderr, /ready/);
});

test('a bad --duration is a usage error', () => {
  const r = spawnSync(process.execPath, [CLI, 'run', '--duration', 'soon'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--duration must be a number of seconds, got 'soon'/);
});
