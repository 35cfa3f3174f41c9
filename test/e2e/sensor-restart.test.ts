// The sensor dies under a running agent (killed here, as an attacker with root or the OOM killer
// would): the agent restarts it with backoff, reads the process table again, reports the gap as
// an alert and a metric, and goes on alerting — it does not exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { agentMissing } from './helpers/env.js';
import { textRun } from './helpers/text-run.js';
import { runCommand } from './helpers/triggers.js';

function sensorPidOf(agentPid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(agentPid), '-x', 'saker-sensor'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

test('a killed sensor is restarted; the gap is an alert; detection goes on', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const { child, out, err, exited, until } = textRun(['--duration', '120']);
  try {
    const wait = (cond: () => boolean, what: string) => until(cond, what, 30_000);
    await wait(() => err.some((l) => l.includes('saker: ready')), 'the ready line');
    const first = sensorPidOf(child.pid!);
    assert.ok(first, 'the sensor runs as a child of the agent');
    process.kill(first, 'SIGKILL');
    await wait(() => err.some((l) => /saker: sensor restarted: capturing with \S+ again after a gap of \d+ ms/.test(l)), 'the restart');
    assert.ok(err.some((l) => /saker: sensor failed: .*; restarting it in \d+ ms \(attempt 1\)/.test(l)), err.join('\n'));
    await wait(() => out.some((l) => /: Critical Events were not captured for \d+ ms: the sensor failed \(.*\) and was restarted/.test(l)), 'the gap alert');
    const second = sensorPidOf(child.pid!);
    assert.ok(second && second !== first, 'a new sensor process');
    runCommand('cat', ['/etc/shadow']);
    await wait(() => out.some((l) => l.includes('Sensitive file opened for reading (file=/etc/shadow') && l.includes('cmdline=cat /etc/shadow')), 'an alert after the restart');
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null], 'the agent was never ended by the failure');
  } finally {
    child.kill('SIGKILL');
  }
});
