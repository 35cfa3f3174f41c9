// The sensor dies under a running agent (killed here, as an attacker with root or the OOM killer
// would): the agent restarts it with backoff, reads the process table again, reports the gap as
// an alert and a metric, and goes on alerting — it does not exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { agentMissing, repoRoot } from './helpers/env.js';
import { runCommand } from './helpers/triggers.js';

const CLI = join(repoRoot, 'bin', 'saker.js');

function sensorPidOf(agentPid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(agentPid), '-x', 'saker-sensor'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

test('a killed sensor is restarted; the gap is an alert; detection goes on', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const child = spawn(process.execPath, [CLI, 'run', '--duration', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => err.push(l));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  try {
    const until = async (cond: () => boolean, what: string) => {
      for (const deadline = Date.now() + 30_000; !cond(); await new Promise((r) => setTimeout(r, 20))) {
        assert.ok(Date.now() < deadline, `${what}; stderr:\n${err.join('\n')}`);
      }
    };
    await until(() => err.some((l) => l.includes('saker: ready')), 'the ready line');
    const first = sensorPidOf(child.pid!);
    assert.ok(first, 'the sensor runs as a child of the agent');
    process.kill(first, 'SIGKILL');
    await until(() => err.some((l) => /saker: sensor restarted: capturing with \S+ again after a gap of \d+ ms/.test(l)), 'the restart');
    assert.ok(err.some((l) => /saker: sensor failed: .*; restarting it in \d+ ms \(attempt 1\)/.test(l)), err.join('\n'));
    await until(() => out.some((l) => /: Critical Events were not captured for \d+ ms: the sensor failed \(.*\) and was restarted/.test(l)), 'the gap alert');
    const second = sensorPidOf(child.pid!);
    assert.ok(second && second !== first, 'a new sensor process');
    runCommand('cat', ['/etc/shadow']);
    await until(() => out.some((l) => l.includes('Sensitive file opened for reading (file=/etc/shadow') && l.includes('cmdline=cat /etc/shadow')), 'an alert after the restart');
    child.kill('SIGINT');
    assert.equal(await exited, 0, 'the agent was never ended by the failure');
  } finally {
    child.kill('SIGKILL');
  }
});
