// The seed detections of Saker's built-in rules, end to end: the real `saker run` (one agent for
// the whole file), real runc containers, a network namespace test host. Each test does what the
// rule is about and checks the alert's fields against /proc or against what the test did.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, type Alert } from './helpers/agent.js';
import { agentMissing, agentReady, containersMissing, firstMissing, netnsMissing, which } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { METADATA_ADDRESS, TestHost } from './helpers/netns.js';
import { assertAlertMatchesProc } from './helpers/proc.js';
import { PY_PTRACE_ATTACH, pyMemfdExec, python3, runCommand, scratchDir } from './helpers/triggers.js';

const skipAgent = agentMissing();
const skipContainers = skipAgent ?? containersMissing();
const skipNet = firstMissing(() => skipContainers, netnsMissing);

let agent: Agent | undefined;
/** Plain container: runc's default spec (3 capabilities), plus CAP_NET_RAW as Docker gives. */
let plain: RuncContainer | undefined;
/** Privileged container joined to the test host's network namespace. */
let priv: RuncContainer | undefined;
let testHost: TestHost | undefined;
let scratch: { dir: string; cleanup: () => void } | undefined;

/**
 * Waits until the agent describes `c` (runc metadata is fetched in the background): starts
 * shells in it until a "Shell spawned in a container" alert carries its name.
 */
async function containerKnown(c: RuncContainer): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const r = c.exec(['/bin/sh', '-c', 'true']);
    assert.equal(r.status, 0, r.stderr);
    try {
      await agent!.waitForRule('Shell spawned in a container', (f) => f['container.id'] === c.shortId && f['container.name'] !== null, { timeoutMs: 500 });
      return;
    } catch {
      // not described yet
    }
  }
  assert.fail(`the agent never named container ${c.shortId}`);
}

function fields(a: Alert): Alert['output_fields'] {
  return a.output_fields;
}

/** Skips the test (and says why) unless the agent runs and `reason` (what else it needs) is undefined. */
function need(t: TestContext, reason: string | undefined): boolean {
  return agentReady(t, skipAgent ?? reason, agent);
}

describe('built-in rules, live', { concurrency: false }, () => {
  before(async () => {
    if (skipAgent !== undefined) return;
    scratch = scratchDir('seed');
    agent = await Agent.start({ options: ['rule_matching=all'] });
    if (skipContainers === undefined) {
      plain = RuncContainer.start({ addCaps: ['CAP_NET_RAW'] });
      if (skipNet === undefined) {
        testHost = await TestHost.start();
        priv = RuncContainer.start({ privileged: true, netns: testHost.name });
      }
      await containerKnown(plain);
      if (priv) await containerKnown(priv);
    }
  });

  after(() => {
    agent?.kill();
    plain?.destroy();
    priv?.destroy();
    testHost?.close();
    scratch?.cleanup();
  });

  test('Shell spawned in a container: the shell, its runc parent and the container', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    const child = c.spawn(['/bin/sh', '-c', 'echo $$; sleep 30; true']);
    try {
      const vpid = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim()))));
      const a = await agent!.waitForRule('Shell spawned in a container', (f) => f['container.id'] === c.shortId && f['proc.vpid'] === vpid);
      const f = fields(a);
      assert.equal(a.priority, 'Warning');
      assert.equal(f['proc.name'], 'sh');
      assert.equal(f['proc.cmdline'], 'sh -c echo $$; sleep 30; true');
      assert.equal(f['proc.exepath'], '/bin/busybox', 'the link /bin/sh resolved, as the container sees it');
      assert.equal(f['proc.pname'], 'runc');
      assert.equal(f['proc.ppid'], child.pid, 'the parent is the `runc exec` the test started');
      assert.equal(f['user.name'], 'root');
      assert.equal(f['container.name'], c.shortId, 'a plain runc container is named by its short id');
      assert.equal(f['container.privileged'], false);
      assertAlertMatchesProc(a, f['proc.pid'] as number, c.id);
      assert.match(a.output, new RegExp(`container=${c.shortId} shell=sh parent=runc`));
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('Read of sensitive file: cat /etc/shadow on the host', async (t) => {
    if (!need(t, undefined)) return;
    const r = runCommand('cat', ['/etc/shadow']);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === r.pid);
    const f = fields(a);
    assert.equal(f['fd.name'], '/etc/shadow');
    assert.equal(f['proc.name'], 'cat');
    assert.equal(f['proc.cmdline'], 'cat /etc/shadow');
    assert.equal(f['proc.exepath'], realpathSync(which('cat')!));
    assert.equal(f['proc.ppid'], process.pid, 'started by this test process');
    assert.equal(f['proc.pname'], readFileSync('/proc/self/comm', 'utf8').trimEnd());
    assert.equal(f['user.name'], 'root');
    assert.equal(f['user.uid'], 0);
    assert.equal(f['container.id'], 'host');
    assert.equal(f['container.name'], 'host');
    assert.ok(['open', 'openat', 'openat2'].includes(f['evt.type'] as string), String(f['evt.type']));
    assert.deepEqual(a.tags, ['T1003', 'credentials', 'filesystem', 'mitre_credential_access']);
  });

  test('Read of sensitive file: /etc/shadow in a container, held open and checked against /proc', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    // The shell opens the file on fd 3 and stays alive, so /proc can vouch for the alert.
    const child = c.spawn(['/bin/sh', '-c', 'exec 3</etc/shadow; echo $$; sleep 30; true']);
    try {
      const vpid = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim()))));
      const a = await agent!.waitForRule('Read of sensitive file', (f) => f['container.id'] === c.shortId && f['proc.vpid'] === vpid);
      const f = fields(a);
      const pid = f['proc.pid'] as number;
      assertAlertMatchesProc(a, pid, c.id);
      assert.equal(f['fd.name'], '/etc/shadow', 'the path inside the container');
      assert.equal(readlinkSync(`/proc/${pid}/fd/3`), '/etc/shadow');
      assert.equal(f['container.name'], c.shortId);
      assert.equal(f['user.name'], 'root', "from the container's /etc/passwd");
    } finally {
      child.kill('SIGKILL');
    }
    // And the usual way: cat, run straight by runc exec.
    c.run(['cat', '/etc/shadow']);
    const a = await agent!.waitForRule('Read of sensitive file', (f) => f['container.id'] === c.shortId && f['proc.name'] === 'cat');
    assert.equal(fields(a)['proc.cmdline'], 'cat /etc/shadow');
    assert.equal(fields(a)['proc.exepath'], '/bin/busybox');
    assert.equal(fields(a)['proc.pname'], 'runc');
  });

  test('Unexpected outbound connection: from the host to the netns test host', async (t) => {
    if (!need(t, skipNet)) return;
    const h = testHost!;
    const r = runCommand('busybox', ['nc', '-w', '3', h.address, String(h.port)], { input: '' });
    assert.match(r.stdout, /saker-e2e/, `the test host answered: ${r.stderr}`);
    const a = await agent!.waitForRule('Unexpected outbound connection', (f) => f['proc.pid'] === r.pid);
    const f = fields(a);
    assert.equal(f['fd.sip'], h.address);
    assert.equal(f['fd.sport'], h.port);
    assert.equal(f['fd.l4proto'], 'tcp');
    assert.match(String(f['fd.name']), new RegExp(`^${h.hostAddress.replace(/\./g, '\\.')}:\\d+->${h.address.replace(/\./g, '\\.')}:${h.port}$`));
    assert.equal(f['evt.type'], 'connect');
    assert.equal(f['proc.name'], 'busybox');
    assert.equal(f['proc.cmdline'], `busybox nc -w 3 ${h.address} ${h.port}`);
    assert.equal(f['proc.ppid'], process.pid);
    assert.equal(f['container.id'], 'host');
  });

  test('Unexpected outbound connection: from a container joined to the test host namespace', async (t) => {
    if (!need(t, skipNet)) return;
    const h = testHost!;
    const c = priv!;
    const out = c.run(['nc', '-w', '3', h.address, String(h.port)], { input: '' });
    assert.match(out, /saker-e2e/);
    const a = await agent!.waitForRule('Unexpected outbound connection', (f) => f['container.id'] === c.shortId && f['proc.name'] === 'nc');
    const f = fields(a);
    assert.equal(f['fd.sip'], h.address);
    assert.equal(f['fd.sport'], h.port);
    assert.equal(f['proc.cmdline'], `nc -w 3 ${h.address} ${h.port}`);
    assert.equal(f['proc.pname'], 'runc');
    assert.equal(f['container.name'], c.shortId);
    assert.equal(f['container.privileged'], true);
  });

  test('Contact cloud metadata service from a container: 169.254.169.254 inside our namespace', async (t) => {
    if (!need(t, skipNet)) return;
    const c = priv!;
    const out = c.run(['wget', '-q', '-O', '-', `http://${METADATA_ADDRESS}/latest/meta-data/`]);
    assert.match(out, /saker-e2e/, 'the namespace answered as the metadata service');
    const a = await agent!.waitForRule('Contact cloud metadata service from a container', (f) => f['container.id'] === c.shortId);
    assert.equal(fields(a)['fd.sip'], METADATA_ADDRESS);
    assert.equal(fields(a)['fd.sport'], 80);
    assert.equal(fields(a)['proc.name'], 'wget');
    // 169.254.0.0/16 is an allowed network for the generic rule: no "Unexpected outbound connection".
    assert.equal(agent!.matching((x) => x.rule === 'Unexpected outbound connection' && x.output_fields['fd.sip'] === METADATA_ADDRESS).length, 0);
  });

  test('Namespace change in a container: unshare -n in a privileged container, unshare -U in a plain one', async (t) => {
    if (!need(t, skipNet)) return;
    priv!.run(['unshare', '-n', 'true']);
    const a = await agent!.waitForRule('Namespace change in a container', (f) => f['container.id'] === priv!.shortId && f['proc.name'] === 'unshare');
    const f = fields(a);
    assert.equal(f['evt.type'], 'unshare');
    assert.equal(f['proc.cmdline'], 'unshare -n true');
    assert.match(String(f['evt.args']), /CLONE_NEWNET/);
    assert.equal(f['container.name'], priv!.shortId);
    // Without CAP_SYS_ADMIN, only a user namespace can be made (and is the usual first step).
    plain!.run(['unshare', '-U', 'true']);
    const b = await agent!.waitForRule('Namespace change in a container', (x) => x['container.id'] === plain!.shortId && x['proc.name'] === 'unshare');
    assert.match(String(fields(b)['evt.args']), /CLONE_NEWUSER/);
    // The runtime's own namespace set-up when a container starts is not an alert.
    assert.equal(agent!.matching((x) => x.rule === 'Namespace change in a container' && String(x.output_fields['proc.name']).startsWith('runc:')).length, 0);
  });

  test('Crypto miner launched and Stratum protocol: a program named xmrig with a pool URL', async (t) => {
    if (!need(t, undefined)) return;
    const miner = join(scratch!.dir, 'xmrig');
    copyFileSync(realpathSync(which('true')!), miner);
    const pool = 'stratum+tcp://198.51.100.7:3333';
    const r = runCommand(miner, ['-o', pool, '-u', '4Awallet', '--donate-level', '1']);
    assert.equal(r.status, 0);
    const launched = await agent!.waitForRule('Crypto miner launched', (f) => f['proc.pid'] === r.pid);
    assert.equal(launched.priority, 'Critical');
    assert.equal(fields(launched)['proc.name'], 'xmrig');
    assert.equal(fields(launched)['proc.exepath'], miner);
    assert.equal(fields(launched)['proc.cmdline'], `xmrig -o ${pool} -u 4Awallet --donate-level 1`);
    assert.equal(fields(launched)['proc.ppid'], process.pid);
    const stratum = await agent!.waitForRule('Crypto miner using the Stratum protocol', (f) => f['proc.pid'] === r.pid);
    assert.equal(fields(stratum)['evt.type'], 'execve');
  });

  test('Write below etc', async (t) => {
    if (!need(t, undefined)) return;
    const file = `/etc/saker-e2e-${randomBytes(4).toString('hex')}`;
    try {
      const r = runCommand('touch', [file]);
      assert.equal(r.status, 0, r.stderr);
      const a = await agent!.waitForRule('Write below etc', (f) => f['proc.pid'] === r.pid);
      assert.equal(fields(a)['fd.name'], file);
      assert.equal(fields(a)['proc.name'], 'touch');
      assert.equal(fields(a)['proc.cmdline'], `touch ${file}`);
    } finally {
      rmSync(file, { force: true });
    }
  });

  test('Ptrace attached to a process: PTRACE_ATTACH from python3', async (t) => {
    const py = python3();
    if (!need(t, py === undefined ? 'needs python3 for ptrace through ctypes' : undefined)) return;
    const r = runCommand(py!, ['-c', PY_PTRACE_ATTACH]);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule('Ptrace attached to a process', (f) => f['proc.pid'] === r.pid);
    assert.match(String(fields(a)['evt.arg.request']), /PTRACE_ATTACH/);
    // evt.arg.* shows a pid resolved to its process name, as libsinsp does.
    assert.equal(fields(a)['evt.arg.pid'], 'sleep', 'the target is the sleep the script started');
    assert.match(String(fields(a)['proc.name']), /^python3/);
  });

  test('Fileless execution via memfd: python3 fexecve of a memfd copy of true', async (t) => {
    const py = python3();
    if (!need(t, py === undefined ? 'needs python3 for memfd_create' : undefined)) return;
    const r = runCommand(py!, ['-c', pyMemfdExec(realpathSync(which('true')!))]);
    assert.equal(r.status, 0, r.stderr);
    const a = await agent!.waitForRule('Fileless execution via memfd', (f) => f['proc.pid'] === r.pid);
    assert.match(String(fields(a)['proc.exepath']), /^memfd:saker-e2e/);
    assert.equal(fields(a)['proc.cmdline'], `${fields(a)['proc.name']}`, 'argv is the single saker-e2e-memfd, shown after the comm');
    assert.equal(fields(a)['proc.ppid'], process.pid);
  });

  test('Execution from /dev/shm', async (t) => {
    if (!need(t, undefined)) return;
    const prog = `/dev/shm/saker-e2e-${randomBytes(4).toString('hex')}`;
    try {
      copyFileSync(realpathSync(which('true')!), prog);
      const r = runCommand(prog, ['--payload']);
      const a = await agent!.waitForRule('Execution from /dev/shm', (f) => f['proc.pid'] === r.pid);
      assert.equal(fields(a)['proc.exepath'], prog);
      // The comm is the file name cut to 15 characters, as the kernel keeps it.
      assert.equal(fields(a)['proc.cmdline'], `${prog.slice('/dev/shm/'.length, '/dev/shm/'.length + 15)} --payload`);
    } finally {
      rmSync(prog, { force: true });
    }
  });

  test('Package manager and network tool in a container: dpkg and nc from busybox', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    c.exec(['dpkg', '-l']); // exits non-zero without a dpkg database: the exec is what counts
    const a = await agent!.waitForRule('Package manager in a container', (f) => f['container.id'] === c.shortId);
    assert.equal(fields(a)['proc.name'], 'dpkg');
    assert.equal(fields(a)['proc.cmdline'], 'dpkg -l');
    c.exec(['nc', '-w', '1', '127.0.0.1', '9'], { input: '' }); // the container's own loopback
    const b = await agent!.waitForRule('Network tool in a container', (f) => f['container.id'] === c.shortId);
    assert.equal(fields(b)['proc.name'], 'nc');
    assert.equal(fields(b)['container.name'], c.shortId);
  });

  test('Packet socket created in a container: arping', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    c.exec(['arping', '-c', '1', '-w', '1', '127.0.0.1']); // fails after socket(): lo is not ARPable
    const a = await agent!.waitForRule('Packet socket created in a container', (f) => f['container.id'] === c.shortId);
    assert.equal(fields(a)['proc.name'], 'arping');
    assert.equal(fields(a)['evt.type'], 'socket');
  });

  test('Drop and execute new binary in a container: a copy written into the overlay upper layer', async (t) => {
    if (!need(t, skipContainers)) return;
    const c = plain!;
    c.copyIn('/bin/busybox', '/tmp/dropped');
    c.exec(['/tmp/dropped', 'true']);
    const a = await agent!.waitForRule('Drop and execute new binary in a container', (f) => f['container.id'] === c.shortId);
    assert.equal(fields(a)['proc.exepath'], '/tmp/dropped');
    assert.equal(fields(a)['proc.cmdline'], 'dropped true');
    // A binary of the image (the lower layer) is not an alert.
    assert.equal(agent!.matching((x) => x.rule === 'Drop and execute new binary in a container' && x.output_fields['proc.exepath'] === '/bin/busybox').length, 0);
  });

  test('More file rules on the host: symlink, setuid bit, shell history, files below /dev, cron, shred, key search', async (t) => {
    if (!need(t, undefined)) return;
    const d = scratch!.dir;
    const devFile = `/dev/saker-e2e-${randomBytes(4).toString('hex')}`;
    try {
      const cases: Array<[string, () => number, (f: Alert['output_fields']) => void]> = [
        ['Create symlink over sensitive files', () => runCommand('ln', ['-s', '/etc/shadow', join(d, 'shadow-link')]).pid,
          (f) => assert.equal(f['evt.arg.target'], '/etc/shadow')],
        ['Set setuid or setgid bit', () => {
          writeFileSync(join(d, 'suid'), '');
          return runCommand('chmod', ['u+s', join(d, 'suid')]).pid;
        }, (f) => assert.match(String(f['evt.args']), /S_ISUID/)],
        ['Delete or rename shell history', () => {
          writeFileSync(join(d, '.bash_history'), 'ls\n');
          return runCommand('rm', [join(d, '.bash_history')]).pid;
        }, (f) => assert.match(String(f['evt.args']), /\.bash_history/)],
        ['Create files below dev', () => runCommand('touch', [devFile]).pid, (f) => assert.equal(f['fd.name'], devFile)],
        ['Schedule cron job', () => {
          symlinkSync('/bin/busybox', join(d, 'crontab'));
          return runCommand(join(d, 'crontab'), ['-c', d, '-e'], { env: { ...process.env, EDITOR: 'true', VISUAL: 'true' } }).pid;
        }, (f) => assert.equal(f['proc.name'], 'crontab')],
        ['Remove bulk data from disk', () => {
          writeFileSync(join(d, 'data'), 'secret');
          return runCommand('shred', ['-u', join(d, 'data')]).pid;
        }, (f) => assert.equal(f['proc.name'], 'shred')],
        ['Search for private keys or passwords', () => runCommand('find', [d, '-name', 'id_rsa']).pid,
          (f) => assert.equal(f['proc.cmdline'], `find ${d} -name id_rsa`)],
      ];
      for (const [rule, act, check] of cases) {
        const pid = act();
        const a = await agent!.waitForRule(rule, (f) => f['proc.pid'] === pid);
        check(fields(a));
        assert.equal(fields(a)['proc.ppid'], process.pid, rule);
      }
    } finally {
      rmSync(devFile, { force: true });
    }
  });

  test('the agent stops on SIGTERM with exit status 0', async (t) => {
    if (!need(t, undefined)) return;
    const stderr = await agent!.stop();
    assert.match(stderr, /saker: stopped: \d+ events, \d+ alerts/);
    agent = undefined;
  });
});
