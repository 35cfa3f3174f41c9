// Issue 13's blind spots, end to end: rules on syscalls the sensor used not to decode fire
// against the real `saker run`: kill, chown, chroot, setsid, mprotect(PROT_EXEC), a syscall libs
// has no event for (fsopen, a generic event), execveat as itself, an open made through int 0x80
// (a 32-bit syscall from a 64-bit process), and io_uring (the built-in rule in a runc container,
// and an open submitted through the ring). The triggers are sensor/build/exercise's `blind`,
// `execveat` and `int80open` modes.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from './helpers/agent.js';
import { agentMissing, containersMissing, repoRoot } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { runCommand, scratchDir } from './helpers/triggers.js';

const exercise = join(repoRoot, 'sensor', 'build', 'exercise');
const exerciseStatic = join(repoRoot, 'sensor', 'build', 'exercise-static');
const skipAgent = agentMissing() ?? (existsSync(exercise) && existsSync(exerciseStatic) ? undefined : 'sensor test helpers not built: run make -C sensor');
const skipContainers = skipAgent ?? containersMissing();

/** One rule per blind spot; each names the exerciser so nothing else on the host matches. */
const RULES = `
- rule: blind kill
  desc: a signal sent
  condition: evt.type in (kill, tkill, tgkill) and proc.name = exercise
  output: signal (evt=%evt.type pid=%evt.rawarg.pid tid=%evt.rawarg.tid sig=%evt.arg.sig)
  priority: NOTICE
- rule: blind chown
  desc: an ownership change
  condition: evt.type in (chown, lchown, fchown, fchownat) and evt.arg.gid = 4242 and proc.name = exercise
  output: chown (evt=%evt.type path=%evt.arg.path gid=%evt.arg.gid)
  priority: NOTICE
- rule: blind chroot
  desc: a root change
  condition: evt.type = chroot and proc.name = exercise
  output: chroot (path=%evt.arg.path res=%evt.res)
  priority: NOTICE
- rule: blind setsid
  desc: a new session
  condition: evt.type = setsid and proc.name = exercise
  output: setsid (res=%evt.rawres)
  priority: NOTICE
- rule: blind mprotect exec
  desc: memory made executable
  condition: evt.type = mprotect and evt.arg.prot contains PROT_EXEC and proc.name = exercise
  output: mprotect (prot=%evt.arg.prot length=%evt.arg.length)
  priority: NOTICE
- rule: blind generic fsopen
  desc: a syscall without a libs event
  condition: evt.type = fsopen and proc.name = exercise
  output: fsopen (res=%evt.rawres)
  priority: NOTICE
- rule: blind execveat
  desc: an exec through execveat
  condition: evt.type = execveat and evt.res = SUCCESS and proc.cmdline = "true via-execveat"
  output: execveat (exe=%proc.exepath)
  priority: NOTICE
- rule: blind int80 open
  desc: an open through int 0x80
  condition: evt.type in (open, openat) and fd.name = /etc/hostname and proc.name = exercise and proc.args contains int80open
  output: int80 open (evt=%evt.type file=%fd.name)
  priority: NOTICE
- rule: blind io_uring open
  desc: an open submitted through io_uring
  condition: evt.type = openat and fd.name = /etc/hostname and evt.res >= 0 and proc.name = exercise and proc.args contains blind
  output: ring open (file=%fd.name fd=%evt.rawres)
  priority: NOTICE
`;

let agent: Agent | undefined;
let container: RuncContainer | undefined;
let scratch: { dir: string; cleanup: () => void } | undefined;

function need(t: TestContext, reason: string | undefined): boolean {
  if (reason !== undefined) {
    t.skip(reason);
    return false;
  }
  if (agent === undefined) {
    t.skip('the agent did not start (see the before hook)');
    return false;
  }
  return true;
}

describe('blind spots, live', { concurrency: false }, () => {
  let blindPid = 0;

  before(async () => {
    if (skipAgent !== undefined) return;
    scratch = scratchDir('blind');
    const rules = join(scratch.dir, 'blind.yaml');
    writeFileSync(rules, RULES);
    agent = await Agent.start({ rules: [join(repoRoot, 'rules', 'saker_rules.yaml'), rules], options: ['rule_matching=all'] });
    const r = runCommand(exercise, ['blind', scratch.dir, '1']);
    assert.equal(r.status, 0, r.stderr);
    blindPid = r.pid!;
  });

  after(() => {
    agent?.kill();
    container?.destroy();
    scratch?.cleanup();
  });

  test('the agent says at start whether the kernel takes 32-bit syscalls', (t) => {
    if (!need(t, skipAgent)) return;
    assert.match(agent!.stderr, /kernel: 32-bit \(compat\) syscalls (accepted; the sensor translates them|not accepted)/);
  });

  test('kill, tkill and tgkill', async (t) => {
    if (!need(t, skipAgent)) return;
    for (const type of ['kill', 'tkill', 'tgkill']) {
      const a = await agent!.waitForRule('blind kill', (f) => f['evt.type'] === type && f['proc.pid'] === blindPid);
      assert.ok('evt.arg.sig' in a.output_fields, JSON.stringify(a.output_fields));
      // raw: evt.arg renders a pid as its process name
      assert.equal(parseInt(String(a.output_fields[type === 'tkill' ? 'evt.rawarg.tid' : 'evt.rawarg.pid']), 10), blindPid, JSON.stringify(a.output_fields));
    }
  });

  test('the chown family, with the ids passed', async (t) => {
    if (!need(t, skipAgent)) return;
    const a = await agent!.waitForRule('blind chown', (f) => f['proc.pid'] === blindPid);
    assert.equal(a.output_fields['evt.type'], 'chown');
    assert.equal(a.output_fields['evt.arg.path'], join(scratch!.dir, 'blind'));
    assert.equal(Number(a.output_fields['evt.arg.gid']), 4242);
  });

  test('chroot and setsid (in a forked child)', async (t) => {
    if (!need(t, skipAgent)) return;
    const c = await agent!.waitForRule('blind chroot', (f) => f['proc.ppid'] === blindPid);
    assert.equal(c.output_fields['evt.arg.path'], '/nonexistent-saker-root');
    assert.equal(c.output_fields['evt.res'], 'ENOENT');
    const s = await agent!.waitForRule('blind setsid', (f) => f['proc.ppid'] === blindPid);
    assert.equal(Number(s.output_fields['evt.rawres']), s.output_fields['proc.pid'], 'setsid returns the new session id: the pid');
  });

  test('mprotect(PROT_EXEC)', async (t) => {
    if (!need(t, skipAgent)) return;
    const a = await agent!.waitForRule('blind mprotect exec', (f) => f['proc.pid'] === blindPid);
    assert.match(String(a.output_fields['evt.arg.prot']), /PROT_READ\|PROT_EXEC/);
    assert.equal(Number(a.output_fields['evt.arg.length']), 4096);
  });

  test('a syscall libs has no event for: fsopen, as a generic event named by evt.type', async (t) => {
    if (!need(t, skipAgent)) return;
    const a = await agent!.waitForRule('blind generic fsopen', (f) => f['proc.pid'] === blindPid);
    assert.equal(a.output_fields['evt.type'], 'fsopen');
  });

  test('execveat is reported as itself', async (t) => {
    if (!need(t, skipAgent)) return;
    const r = runCommand(exercise, ['execveat']);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule('blind execveat', (f) => f['proc.pid'] === r.pid);
    assert.equal(a.output_fields['evt.type'], 'execveat');
    assert.equal(a.output_fields['proc.exepath'], realpathSync('/bin/true'));
  });

  test('an open through int 0x80 (ia32) raises the same alert as a 64-bit one', async (t) => {
    if (!need(t, skipAgent)) return;
    if (!/compat\) syscalls accepted/.test(agent!.stderr)) return t.skip('this kernel does not run 32-bit syscalls (the translation table is tested in syscall-table.test.ts)');
    const r = runCommand(exercise, ['int80open', '/etc/hostname']);
    assert.match(r.stdout, /^int80open \d+$/m, r.stdout + r.stderr);
    const a = await agent!.waitForRule('blind int80 open', (f) => f['proc.pid'] === r.pid);
    assert.equal(a.output_fields['evt.type'], 'open', 'the ia32 open is the 64-bit open event');
    assert.equal(a.output_fields['fd.name'], '/etc/hostname');
  });

  test('an open submitted through io_uring is seen as openat', async (t) => {
    if (!need(t, skipAgent)) return;
    if (/no io_uring tracepoints/.test(agent!.stderr)) return t.skip('this kernel has no io_uring tracepoints');
    const a = await agent!.waitForRule('blind io_uring open', (f) => f['proc.pid'] === blindPid);
    assert.equal(a.output_fields['fd.name'], '/etc/hostname');
    assert.equal(a.output_fields['evt.type'], 'openat');
  });

  test('io_uring used in a container: the built-in rule', async (t) => {
    if (!need(t, skipContainers)) return;
    container = RuncContainer.start();
    copyFileSync(exerciseStatic, join(container.upperDir, 'exercise'));
    const r = container.exec(['/exercise', 'blind', '/tmp', '1']);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule('io_uring used in a container', (f) => f['container.id'] === container!.shortId, { timeoutMs: 15_000 });
    assert.equal(a.output_fields['proc.name'], 'exercise');
    assert.equal(a.output_fields['evt.type'], 'io_uring_setup');
  });
});
