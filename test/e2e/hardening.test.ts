// Attacks on the agent itself, tried against the real `saker run`: paths crafted to dodge fd.name
// rules must still name the file (the alert has the right fd.name, evt.type and proc.name), and
// files a container controls (a FIFO or a link to /dev/zero as its /etc/passwd and /etc/group)
// must not freeze or exhaust the agent (it keeps alerting afterwards); a fork storm past the
// thread table's bound is counted, not grown into.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, sleep, type Alert } from './helpers/agent.js';
import { agentMissing, agentReady, containersMissing, repoRoot } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { python3, runCommand, scratchDir } from './helpers/triggers.js';
import { freePort, metricsText, metricValue, until } from './helpers/web.js';

const skipAgent = agentMissing();
const skipContainers = skipAgent ?? containersMissing();

let agent: Agent | undefined;
let plain: RuncContainer | undefined;

function need(t: TestContext, reason: string | undefined): boolean {
  return agentReady(t, reason, agent);
}

const SENSITIVE = 'Read of sensitive file';

/**
 * The sensitive-file alert of the process whose argument is `arg`, checked field by field. `procs`:
 * the names it may have (busybox's shell runs its last command as /proc/self/exe, named "exe").
 */
async function shadowAlertOf(arg: string, procs: string[], containerId?: string): Promise<Alert> {
  const a = await agent!.waitForRule(SENSITIVE, (f) => String(f['proc.cmdline']).endsWith(` ${arg}`), { timeoutMs: 15_000 });
  const f = a.output_fields;
  assert.equal(f['fd.name'], '/etc/shadow', `fd.name of ${arg.slice(0, 60)}…`);
  assert.ok(procs.includes(String(f['proc.name'])), `proc.name ${f['proc.name']}`);
  assert.match(String(f['evt.type']), /^open(at|at2)?$/);
  if (containerId !== undefined) assert.equal(f['container.id'], containerId);
  return a;
}

describe('hardening against the watched workload, live', { concurrency: false }, () => {
  before(async () => {
    if (skipAgent !== undefined) return;
    // the path race below raises one alert per open, up to ~12k in a burst: more than stdout's
    // default queue (10,000) holds while the test reads them (CI once counted 10,001 of 11,816)
    agent = await Agent.start({ options: ['rule_matching=all', 'stdout_output.queue.capacity=100000'] });
    if (skipContainers === undefined) plain = RuncContainer.start();
  });

  after(() => {
    agent?.kill();
    plain?.destroy();
  });

  test('paths padded with slashes or ./, over 1024 bytes, name the file they open', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    const slashes = '/'.repeat(2000) + 'etc/shadow';
    const dots = '/etc/' + './'.repeat(1500) + 'shadow';
    const climb = '/tmp/' + 'x/../'.repeat(300) + '../etc/shadow';
    c.run(['/bin/mkdir', '-p', '/tmp/x']);
    for (const p of [slashes, dots, climb]) {
      assert.ok(Buffer.byteLength(p) > 1024);
      c.run(['/bin/cat', p]);
    }
    await shadowAlertOf(slashes, ['cat'], c.shortId);
    await shadowAlertOf(dots, ['cat'], c.shortId);
    await shadowAlertOf(climb, ['cat'], c.shortId);
  });

  test('opens through /proc/self/fd/N and /proc/self/root name the file the link points at', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    // fd 3 of the shell, a directory fd on /etc, is inherited by cat.
    c.run(['/bin/sh', '-c', 'exec 3</etc; cat /proc/self/fd/3/shadow >/dev/null']);
    c.run(['/bin/cat', '/proc/self/root/etc/shadow']);
    await shadowAlertOf('/proc/self/fd/3/shadow', ['cat', 'exe'], c.shortId);
    await shadowAlertOf('/proc/self/root/etc/shadow', ['cat'], c.shortId);
  });

  test('a dirfd-relative openat names the file against the dirfd', async (t) => {
    if (!need(t, skipAgent)) return;
    const py = python3();
    if (py === undefined) return t.skip('needs python3 for an openat with a directory fd');
    const script = "import os\nd = os.open('/etc', os.O_RDONLY | os.O_DIRECTORY)\nos.close(os.open('shadow', os.O_RDONLY, dir_fd=d))\n";
    const r = runCommand(py, ['-c', script]);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule(SENSITIVE, (f) => f['proc.pid'] === r.pid, { timeoutMs: 15_000 });
    assert.equal(a.output_fields['fd.name'], '/etc/shadow');
    assert.equal(a.output_fields['evt.type'], 'openat');
    assert.match(String(a.output_fields['proc.name']), /^python3/);
  });

  test('a symlink to a sensitive file is seen when made; opening it names the link as libsinsp does', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    c.run(['/bin/ln', '-sf', '/etc/shadow', '/tmp/innocent']);
    c.run(['/bin/cat', '/tmp/innocent']);
    const made = await agent!.waitForRule('Create symlink over sensitive files', (f) => f['container.id'] === c.shortId, { timeoutMs: 15_000 });
    assert.equal(made.output_fields['proc.name'], 'ln');
    assert.match(String(made.output_fields['evt.type']), /^symlink(at)?$/);
    assert.match(made.output, /target=\/etc\/shadow link=\/tmp\/innocent/);
    // libsinsp names the fd after the path opened (the link), which the creation alert covers.
    await sleep(500);
    const opened = agent!.matching((a) => a.rule === SENSITIVE && a.output_fields['proc.cmdline'] === 'cat /tmp/innocent');
    assert.deepEqual(opened.map((a) => a.output), [], 'the open through the link names the link');
  });

  test('an open whose path another thread changes after the kernel read it is named after the file opened', async (t) => {
    if (!need(t, skipAgent)) return;
    // The path flips between /etc/shadow and a name that does not exist: every open that
    // succeeds opened /etc/shadow, whatever the memory says when the sensor reads it.
    const { dir, cleanup } = scratchDir('path-race');
    t.after(cleanup);
    const racer = join(dir, 'path-race');
    execFileSync('gcc', ['-O2', '-pthread', '-o', racer, join(repoRoot, 'test/e2e/helpers/path-race.c')]);
    const opened = Number(execFileSync(racer, ['20000'], { encoding: 'utf8', timeout: 60_000 }));
    assert.ok(opened > 0, 'some opens opened /etc/shadow');
    const seen = () => agent!.matching((a) => a.rule === SENSITIVE && a.output_fields['proc.name'] === 'path-race' && a.output_fields['fd.name'] === '/etc/shadow').length;
    await until(async () => seen(), (n) => n >= opened, `an alert for each of the ${opened} opens of /etc/shadow`, 30_000).catch(() => {});
    assert.equal(seen(), opened, 'one alert, naming /etc/shadow, per open that opened it');
  });

  test('a container whose /etc/passwd is a FIFO and /etc/group a link to /dev/zero does not freeze the agent', async (t) => {
    if (!need(t, skipContainers)) return;
    // The init runs as a uid the container's files do not name, so the agent looks it up in them
    // again (at most every 5 s) on its processes' execs.
    const c = RuncContainer.start({ user: { uid: 4242, gid: 4242 }, args: ['/bin/sh', '-c', 'while true; do /bin/sleep 0.2; done'] });
    try {
      const etc = join(c.upperDir, 'etc');
      mkdirSync(etc, { recursive: true });
      rmSync(join(etc, 'passwd'), { force: true });
      rmSync(join(etc, 'group'), { force: true });
      execFileSync('mkfifo', [join(etc, 'passwd')]);
      symlinkSync('/dev/zero', join(etc, 'group'));
      // Past the re-read interval: the agent has gone back to those files by now.
      await sleep(7000);
      const r = runCommand('cat', ['/etc/shadow']);
      const a = await agent!.waitForRule(SENSITIVE, (f) => f['proc.pid'] === r.pid, { timeoutMs: 15_000 });
      assert.equal(a.output_fields['fd.name'], '/etc/shadow');
      assert.equal(a.output_fields['proc.name'], 'cat');
    } finally {
      c.destroy();
    }
  });

  test('the agent stops cleanly after all of it', async (t) => {
    if (!need(t, skipAgent)) return;
    await agent!.stop();
    agent = undefined;
  });
});


test('an open whose path another thread changes after the kernel read it is named after the file opened by prefix, glob and directory rules too', async (t) => {
  if (skipAgent !== undefined) return t.skip(skipAgent);
  // Only rules without an exact name, so the inode watch of exactly named files has nothing to
  // watch: the name comes from the path the kernel opened (opened-paths.ts) or from nowhere.
  const { dir, cleanup } = scratchDir('path-race-prefix');
  t.after(cleanup);
  const rules = join(dir, 'rules.yaml');
  const rule = (name: string, check: string) => [
    `- rule: ${name}`, '  desc: an open of /etc/shadow, matched without its exact name',
    `  condition: evt.type in (open, openat, openat2) and evt.rawres >= 0 and proc.name = path-race and ${check}`,
    '  output: shadow by path check (fd.name=%fd.name)', '  priority: WARNING', ''].join('\n');
  writeFileSync(rules, [rule('Shadow by prefix', 'fd.name startswith /etc/shadow'),
    rule('Shadow by directory and glob', "fd.directory = /etc and fd.filename glob 'shad*w'")].join('\n'));
  const port = await freePort();
  // Two alerts per open, some 15,000 in a few seconds: a queue that holds them all.
  const watch = await Agent.start({ rules: [rules], options: ['rule_matching=all', 'stdout_output.queue.capacity=100000', 'syslog_output.enabled=false',
    `webserver.listen_port=${port}`, 'metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'] });
  t.after(() => watch.kill());
  const { opened, rounds, corrected } = await racePaths(dir, port);
  const seen = (r: string) => watch.matching((a) => a.rule === r && a.output_fields['fd.name'] === '/etc/shadow').length;
  await until(async () => Math.min(seen('Shadow by prefix'), seen('Shadow by directory and glob')), (n) => n >= opened,
    `an alert of each rule for each of the ${opened} opens of /etc/shadow`, 30_000).catch(() => {});
  assert.equal(seen('Shadow by prefix'), opened, 'fd.name startswith: one alert per open that opened /etc/shadow');
  assert.equal(seen('Shadow by directory and glob'), opened, 'fd.directory and a glob: one alert per open');
  assert.equal(watch.alerts.length, 2 * opened, 'no alert names anything else');
  // The race was won: some of those opens' path text named /etc/shadoq by the time it was read.
  const n = await corrected();
  assert.ok(n > 0, `opens named after the kernel's path: ${n} (in ${rounds} rounds)`);
  t.diagnostic(`${opened} opens of /etc/shadow in ${rounds} rounds, ${n} of them named after the kernel's path`);
  await watch.stop();
});

test('a fork storm past the thread table bound (falco_libs.thread_table_size): the bound holds, what it turned away is counted, detection goes on', async (t) => {
  if (skipAgent !== undefined) return t.skip(skipAgent);
  const port = await freePort();
  const bound = 400;
  const storm = await Agent.start({ options: [`falco_libs.thread_table_size=${bound}`, `webserver.listen_port=${port}`, 'metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'] });
  t.after(() => storm.kill());
  // 600 processes alive at once, beside what the machine already runs.
  const sh = execFileSync('sh', ['-c', 'for i in $(seq 600); do sleep 4 & done; echo started'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(sh, /started/);
  const text = await until(() => metricsText(port),
    (m) => metricValue(m, 'saker_state_table_dropped_total{table="threads"}') > 0, 'threads turned away, counted');
  assert.ok(metricValue(text, 'saker_state_table_entries{table="threads"}') <= bound, 'the table stays within its bound');
  assert.equal(metricValue(text, 'saker_state_table_capacity{table="threads"}'), bound);
  const r = runCommand('cat', ['/etc/shadow']);
  await storm.waitForRule(SENSITIVE, (f) => f['proc.pid'] === r.pid, { timeoutMs: 15_000 });
  await storm.stop();
});

test('a container /etc/passwd past the users bound is cut and one past the size cap refused, both counted; users within the bound are named, detection goes on', async (t) => {
  if (skipContainers !== undefined) return t.skip(skipContainers);
  const port = await freePort();
  const watch = await Agent.start({ options: [`webserver.listen_port=${port}`, 'metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'] });
  t.after(() => watch.kill());
  // Each container's init runs as uid 100 and reads its own /etc/shadow (made readable) once a
  // second, so the agent needs the container's users for every alert's user.name.
  const loop = ['/bin/sh', '-c', 'while true; do /bin/cat /etc/shadow >/dev/null; /bin/sleep 1; done'];
  // Under the 1 MiB file cap, 70,000 users: past the 65,536 kept per container. uid 100 is among
  // the first, so it stays named.
  const lines = ['lowuser:x:100:100:::'];
  for (let uid = 1000; lines.length < 70_000; uid++) lines.push(`a:x:${uid}:0:::`);
  const crowdedPasswd = `${lines.join('\n')}\n`;
  assert.ok(Buffer.byteLength(crowdedPasswd) < 1 << 20, 'under the size cap');
  // Past the cap: the file is refused whole (user.name stays unknown), never read into memory.
  const hugePasswd = `lowuser:x:100:100:::\n${'#'.repeat(80)}\n`.repeat(30_000);
  // In place before the containers start: the agent's first read of them finds these.
  const files = (passwd: string) => ({ '/etc/passwd': { content: passwd }, '/etc/shadow': { content: 'root:*:19000:0:99999:7:::\n', mode: 0o644 } });
  const crowded = RuncContainer.start({ user: { uid: 100, gid: 100 }, args: loop, files: files(crowdedPasswd) });
  const huge = RuncContainer.start({ user: { uid: 100, gid: 100 }, args: loop, files: files(hugePasswd) });
  t.after(() => { crowded.destroy(); huge.destroy(); });
  const text = await until(() => metricsText(port),
    (m) => metricValue(m, 'saker_state_table_dropped_total{table="users"}') > 0 && metricValue(m, 'saker_state_table_dropped_total{table="user_files"}') > 0,
    'users past the bound and the file past the cap, counted', 30_000);
  assert.ok(metricValue(text, 'saker_state_table_dropped_total{table="users"}') >= 70_000 - 65_536, 'every user past the bound counted');
  const named = await watch.waitForRule(SENSITIVE, (f) => f['container.id'] === crowded.shortId && f['user.name'] === 'lowuser', { timeoutMs: 20_000 });
  assert.equal(named.output_fields['fd.name'], '/etc/shadow');
  const unnamed = await watch.waitForRule(SENSITIVE, (f) => f['container.id'] === huge.shortId, { timeoutMs: 20_000 });
  assert.notEqual(unnamed.output_fields['user.name'], 'lowuser', 'nothing read from a file past the cap');
  const r = runCommand('cat', ['/etc/shadow']);
  await watch.waitForRule(SENSITIVE, (f) => f['proc.pid'] === r.pid, { timeoutMs: 15_000 });
  await watch.stop();
});

test('with the open prefilter on, an open whose path another thread changes after the kernel read it is still sent and named after the file opened', async (t) => {
  if (skipAgent !== undefined) return t.skip(skipAgent);
  // One prefix rule: the rewritten text (/etc/shadoq) satisfies none of the prefilter's terms, so
  // a prefilter deciding on the text alone would keep the open of /etc/shadow in the kernel. It
  // drops an open only when the text is the opened file's path (prefilter.bpf.h pf_text_is_file).
  const { dir, cleanup } = scratchDir('path-race-prefilter');
  t.after(cleanup);
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, ['- rule: Shadow by prefix', '  desc: an open of /etc/shadow, matched without its exact name',
    '  condition: evt.type in (open, openat, openat2) and evt.rawres >= 0 and proc.name = path-race and fd.name startswith /etc/shadow',
    '  output: shadow by prefix (fd.name=%fd.name)', '  priority: WARNING', ''].join('\n'));
  const port = await freePort();
  const watch = await Agent.start({ rules: [rules], options: ['prefilter.enabled=true', 'stdout_output.queue.capacity=100000', 'syslog_output.enabled=false',
    `webserver.listen_port=${port}`, 'metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true'] });
  t.after(() => watch.kill());
  assert.match(watch.stderr, /prefilter: opens no rule can care about stay in the kernel/, 'the prefilter is on with this rule');
  const { opened, rounds, corrected } = await racePaths(dir, port);
  const seen = () => watch.matching((a) => a.rule === 'Shadow by prefix' && a.output_fields['fd.name'] === '/etc/shadow').length;
  await until(async () => seen(), (n) => n >= opened, `an alert for each of the ${opened} opens of /etc/shadow`, 30_000).catch(() => {});
  assert.equal(seen(), opened, 'one alert per open that opened /etc/shadow, the raced ones too');
  const n = await corrected();
  assert.ok(n > 0, `opens named after the kernel's path: ${n} (in ${rounds} rounds)`);
  t.diagnostic(`${opened} opens of /etc/shadow in ${rounds} rounds, ${n} of them raced and sent, named after the kernel's path`);
  await watch.stop();
});

/** Runs test/e2e/helpers/path-race.c (built in `dir`) against the agent serving metrics on `port`:
 *  the race is won only while both its threads run at once (two CPUs free), so rounds until the
 *  agent has named an open after the kernel's path (or five rounds). The opens of /etc/shadow. */
async function racePaths(dir: string, port: number): Promise<{ opened: number; rounds: number; corrected: () => Promise<number> }> {
  const racer = join(dir, 'path-race');
  execFileSync('gcc', ['-O2', '-pthread', '-o', racer, join(repoRoot, 'test/e2e/helpers/path-race.c')]);
  const corrected = async () => metricValue(await metricsText(port), 'saker_state_open_names_corrected_total');
  let opened = 0;
  let rounds = 0;
  do {
    opened += Number(execFileSync(racer, ['20000'], { encoding: 'utf8', timeout: 60_000 }));
    rounds++;
    await sleep(2000);
  } while (rounds < 5 && (await corrected()) === 0);
  assert.ok(opened > 0, 'some opens opened /etc/shadow');
  return { opened, rounds, corrected };
}
