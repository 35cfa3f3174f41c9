// `saker run` as a user meets it: default configuration (text alerts, first matching rule),
// the "ready" line, SIGINT and --duration ending it with status 0, bad input refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { agentMissing } from './helpers/env.js';
import { LiveAgent } from './helpers/live-agent.js';
import { CLI, textRun } from './helpers/text-run.js';
import { runCommand } from './helpers/triggers.js';

test('default text output: a "Read of sensitive file" line for cat /etc/shadow, then SIGINT exits 0', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const { child, out, err, exited, until } = textRun(['--duration', '120']);
  try {
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

/** The syscalls `saker run --dry-run` says it would capture, and its stderr. */
function dryRunSyscalls(...options: string[]): { syscalls: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--dry-run', ...options.flatMap((o) => ['-o', o])], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /saker: would capture (\d+) syscalls: (.*)$/m.exec(r.stderr);
  assert.ok(m, r.stderr);
  const syscalls = m[2]!.split(' ');
  assert.equal(syscalls.length, Number(m[1]));
  return { syscalls, stderr: r.stderr };
}

test('base_syscalls: "!name" entries take syscalls out, unknown names are named, repair captures less', () => {
  const plain = dryRunSyscalls();
  for (const name of ['openat', 'close', 'execve', 'connect', 'socket', 'dup', 'procexit']) assert.ok(plain.syscalls.includes(name), name);
  const cut = dryRunSyscalls('base_syscalls.custom_set[]=!close', 'base_syscalls.custom_set[]=!openat', 'base_syscalls.custom_set[]=nosuch');
  assert.ok(!cut.syscalls.includes('close') && !cut.syscalls.includes('openat'));
  assert.equal(cut.syscalls.length, plain.syscalls.length - 2);
  // openat is a syscall the built-in rules match, close only state's: only openat is worth a warning
  assert.match(cut.stderr, /base_syscalls\.custom_set removes syscalls the rules match, so those rules cannot fire on them: openat\n/);
  assert.match(cut.stderr, /base_syscalls\.custom_set: not syscalls the sensor captures, ignored: nosuch\n/);
  const repair = dryRunSyscalls('base_syscalls.repair=true');
  assert.ok(repair.syscalls.length < plain.syscalls.length, `${repair.syscalls.length} < ${plain.syscalls.length}`);
  assert.ok(repair.syscalls.every((name) => plain.syscalls.includes(name)));
  for (const name of ['openat', 'close', 'execve', 'clone', 'connect', 'socket']) assert.ok(repair.syscalls.includes(name), name);
});

test('base_syscalls.repair=true: fewer syscalls captured, the /etc/shadow alert still comes', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  const expected = dryRunSyscalls('base_syscalls.repair=true').syscalls.length;
  const { child, out, err, exited, until } = textRun(['--duration', '60', '-o', 'base_syscalls.repair=true']);
  try {
    await until(() => err.some((l) => l.includes('saker: ready')), 'the ready line');
    assert.ok(err.some((l) => l.endsWith(`(${expected} syscalls)`)), `the sensor captures the ${expected} repaired syscalls; stderr:\n${err.join('\n')}`);
    runCommand('cat', ['/etc/shadow']);
    await until(() => out.some((l) => l.includes('Sensitive file opened for reading (file=/etc/shadow') && l.includes('cmdline=cat /etc/shadow')), 'the alert');
    child.kill('SIGINT');
    assert.equal((await exited)[0], 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('scheduling.nice: the event thread and the sensor run at the nice value set, at their start\'s by default', async (t) => {
  const why = agentMissing();
  if (why !== undefined) return t.skip(why);
  /** Field 19 of /proc/<pid>/stat: the nice value of the process's main thread. */
  const niceOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[16]);
  const sensorOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number)
    .find((k) => readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'saker-sensor');
  // unset: the nice value it was started with, this process's
  for (const [options, want] of [[[], getPriority(0)], [['scheduling.nice=-10'], -10], [['scheduling.nice=-5'], -5]] as const) {
    const agent = await LiveAgent.start([...options], 'ignore');
    try {
      assert.equal(niceOf(agent.pid), want, `event thread with ${options.join(' ') || 'the defaults'}`);
      const sensor = sensorOf(agent.pid);
      assert.ok(sensor !== undefined, 'the sensor runs');
      assert.equal(niceOf(sensor), want, 'the sensor inherits it');
    } finally {
      agent.kill();
    }
  }
  const bad = spawnSync(process.execPath, [CLI, 'run', '--dry-run', '-o', 'scheduling.nice=-40'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /scheduling\.nice/, bad.stderr);
});
