// The agent run the way deploy/kubernetes/base runs it, in a real runc container: its own pid,
// mount, network, ipc and uts namespaces (no hostPID, no hostNetwork), only the capabilities
// BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE, not privileged, HOST_ROOT=/host with the host's
// /proc and /etc mounted read-only below it and /sys/kernel read-only, FALCO_HOSTNAME set, the
// configuration file as the ConfigMap has it. The image is stood in for by read-only binds of
// the host's /usr (Node, libbpf) and of this repository at /app, with an /etc of its own. It
// must raise the seed detections for a process on the host and for one in another container.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { SCHED_BATCH, threadScheds } from '../../src/testing/thread-sched.js';
import { agentMissing, containersMissing, repoRoot } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { runCommand } from './helpers/triggers.js';

interface JsonAlert {
  rule: string;
  hostname: string;
  output_fields: Record<string, unknown>;
}

const CAP_BITS: Record<string, number> = { CAP_SYS_PTRACE: 19, CAP_SYS_RESOURCE: 24, CAP_PERFMON: 38, CAP_BPF: 39 };

/** The DaemonSet's capabilities this process can hand on (a sandbox's bounding set may lack one). */
function daemonSetCaps(): { caps: string[]; lacking: string[] } {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const mask = m ? BigInt(`0x${m[1]}`) : 0n;
  const names = Object.keys(CAP_BITS);
  const caps = names.filter((c) => (mask >> BigInt(CAP_BITS[c]!)) & 1n);
  return { caps, lacking: names.filter((c) => !caps.includes(c)) };
}

/** The DaemonSet's container, from the rendered-by-hand manifest values, as a runc bundle. */
function agentBundle(dir: string, caps: string[]): string {
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['usr', 'app', 'etc/saker', 'proc', 'sys', 'dev', 'tmp', 'host/proc', 'host/etc', 'host/run/runc', 'host/run/containerd']) mkdirSync(join(rootfs, d), { recursive: true });
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) if (existsSync(`/usr/${l}`)) symlinkSync(`usr/${l}`, join(rootfs, l));
  // The image's own /etc: not the host's, so host users must come from /host/etc.
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n');
  // The ConfigMap's configuration, with the port the test does not use and no syslog.
  const cfg = parseYaml(readFileSync(join(repoRoot, 'deploy/kubernetes/base/saker.yaml'), 'utf8')) as Record<string, unknown>;
  cfg.rules_files = ['/app/rules/saker_rules.yaml'];
  writeFileSync(join(dir, 'saker.yaml'), JSON.stringify(cfg));
  spawnSync('runc', ['spec'], { cwd: bundle });
  const specPath = join(bundle, 'config.json');
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/usr/bin/node', '/app/bin/saker.js', 'run', '-c', '/etc/saker/saker.yaml', '--duration', '240',
    '-o', 'append_output[].extra_output=proc.pid=%proc.pid container.id=%container.id user.name=%user.name fd.name=%fd.name'];
  spec.process.env = ['PATH=/usr/bin:/bin:/usr/sbin:/sbin', 'HOST_ROOT=/host', 'FALCO_HOSTNAME=e2e-node', 'HOME=/root'];
  spec.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
  spec.process.noNewPrivileges = true;
  spec.root = { path: 'rootfs', readonly: true };
  spec.hostname = 'saker-agent';
  const ro = (source: string, destination: string) => ({ destination, type: 'bind', source, options: ['rbind', 'ro'] });
  spec.mounts.push(
    ro('/usr', '/usr'), ro(repoRoot, '/app'), ro(join(dir, 'saker.yaml'), '/etc/saker/saker.yaml'),
    ro('/proc', '/host/proc'), ro('/etc', '/host/etc'), ro('/sys/kernel', '/sys/kernel'),
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=64m'] },
  );
  if (existsSync('/run/runc')) spec.mounts.push(ro('/run/runc', '/host/run/runc'));
  if (existsSync('/run/containerd')) spec.mounts.push(ro('/run/containerd', '/host/run/containerd'));
  const types = (spec.linux.namespaces as Array<{ type: string }>).map((n) => n.type);
  assert.ok(types.includes('pid') && types.includes('network'), 'own pid and network namespaces: no hostPID, no hostNetwork');
  writeFileSync(specPath, JSON.stringify(spec, null, 1));
  return bundle;
}

test('the agent in a runc container set up as the DaemonSet raises the seed detections for a host process and a process in another container', async (t) => {
  const missing = agentMissing() ?? containersMissing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'saker-e2e-ds-'));
  const id = `saker-agent-${randomBytes(6).toString('hex')}`;
  const alerts: JsonAlert[] = [];
  const stderr: string[] = [];
  // What the test started, for the cleanup whatever happens.
  const started: { agent?: ChildProcess; other?: RuncContainer } = {};
  t.after(() => {
    started.agent?.kill('SIGKILL');
    spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    started.other?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const { caps, lacking } = daemonSetCaps();
  if (lacking.length) t.diagnostic(`this machine's bounding set lacks ${lacking.join(', ')}: the agent runs without it`);
  const bundle = agentBundle(dir, caps);
  const agent = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.agent = agent;
  createInterface({ input: agent.stdout }).on('line', (l) => {
    try {
      alerts.push(JSON.parse(l) as JsonAlert);
    } catch {
      stderr.push(`(stdout) ${l}`);
    }
  });
  createInterface({ input: agent.stderr }).on('line', (l) => stderr.push(l));
  const waitFor = async (what: string, pred: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (agent.exitCode !== null) assert.fail(`the agent container exited (${agent.exitCode}) before ${what}:\n${stderr.join('\n')}`);
      if (Date.now() > deadline) assert.fail(`${what} not within ${ms} ms:\n${stderr.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor('ready', () => stderr.some((l) => l.startsWith('saker: ready')), 60_000);
  // with the DaemonSet's capabilities (no SYS_ADMIN) the agent still takes the sensor's maps
  // from its loader (pidfd_getfd) and reads the rings itself
  assert.ok(!stderr.some((l) => l.includes('its loader reads the rings')), stderr.join('\n'));

  // The agent sees itself as a low pid in its own namespace; the kernel and its alerts use host pids.
  const state = JSON.parse(spawnSync('runc', ['state', id], { encoding: 'utf8' }).stdout) as { pid: number };
  assert.ok(readFileSync(`/proc/${state.pid}/status`, 'utf8').match(/^NSpid:\s+\d+\s+1$/m), 'the agent is pid 1 of its own pid namespace');
  // V8's helper threads run as batch threads there too (the image's chrt; no capability needed)
  const batchThreads = (): number => [...threadScheds(state.pid).values()].filter((t) => t.policy === SCHED_BATCH).length;
  await waitFor('V8\'s helper threads as batch threads', () => batchThreads() >= 5, 5_000);
  assert.ok(!stderr.some((l) => l.includes('helper threads stay SCHED_OTHER')), stderr.join('\n'));

  const host = runCommand('cat', ['/etc/shadow']);
  await waitFor('the host alert', () => alerts.some((a) => a.rule === 'Read of sensitive file' && a.output_fields['proc.pid'] === host.pid), 10_000);
  const h = alerts.find((a) => a.rule === 'Read of sensitive file' && a.output_fields['proc.pid'] === host.pid)!;
  assert.equal(h.output_fields['container.id'], 'host');
  assert.equal(h.output_fields['user.name'], 'root', 'the host user, from /host/etc/passwd');
  assert.equal(h.hostname, 'e2e-node', 'FALCO_HOSTNAME names the node');

  const other = RuncContainer.start();
  started.other = other;
  other.exec(['cat', '/etc/shadow']);
  await waitFor('the container alert', () => alerts.some((a) => a.rule === 'Read of sensitive file' && a.output_fields['container.id'] === other.shortId), 15_000);
  other.exec(['sh', '-c', 'true']);
  await waitFor('a shell in the other container', () => alerts.some((a) => a.rule === 'Shell spawned in a container' && a.output_fields['container.id'] === other.shortId), 15_000);
  assert.ok(!alerts.some((a) => a.output_fields['container.id'] === id.slice(0, 12) && a.rule !== 'Read of sensitive file'), 'the agent does not report itself');
  spawnSync('runc', ['kill', id, 'TERM']);
  await waitFor('exit', () => agent.exitCode !== null, 10_000);
  assert.equal(agent.exitCode, 0, stderr.join('\n'));
});
