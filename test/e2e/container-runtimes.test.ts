// Container metadata from the runtimes' own APIs, end to end: the real `saker run` with its
// runtime sockets pointed at runtimes this file starts (a Docker daemon, a podman API service,
// containerd driven through its CRI API with a pod sandbox and Debian's CNI plugins) and plain
// runc. For each, the seed detections fire for the container's very first process (its
// entrypoint, a shell that reads /etc/shadow) with container.id, name, image repository and tag,
// privileged (and for CRI the pod's name, namespace and a sandbox label) equal to what the runtime
// itself reports. container.privileged is checked both ways where the runtime can start a
// privileged container here (podman, containerd's CRI, runc); Docker asks runc for every
// capability and this machine's bounding set lacks CAP_SYS_RESOURCE, so its privileged case
// skips with Docker's own error. Then: a process in a hand-made cgroup named like a container id is the host,
// and a runtime socket that accepts and never answers costs a counted timeout, not detection.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type Alert } from './helpers/agent.js';
import { agentMissing, containersMissing, firstMissing } from './helpers/env.js';
import { RuncContainer } from './helpers/runc.js';
import { freePort, metricsText, metricValue, until } from './helpers/web.js';
import { ContainerdCri, criMissing, DockerDaemon, dockerMissing, PodmanService, podmanMissing, TEST_IMAGE } from './helpers/runtimes.js';

const skipAgent = agentMissing();
const skipDocker = firstMissing(() => skipAgent, dockerMissing);
const skipPodman = firstMissing(() => skipAgent, podmanMissing);
const skipCri = firstMissing(() => skipAgent, containersMissing, criMissing);
const skipRunc = firstMissing(() => skipAgent, containersMissing);

/** Fields every alert of this file carries, beyond the helper's CHECK_FIELDS. */
const META_FIELDS = ['container.image.repository', 'container.image.tag', 'container.type', 'k8s.pod.name', 'k8s.ns.name', 'k8s.pod.label[app]',
  'k8s.deployment.name', 'k8s.rs.name', 'k8s.pod.ip'];

/**
 * The entrypoint of every test container: a shell, the container's first process, that opens
 * /etc/shadow itself, then has cat read it.
 */
const ENTRYPOINT = ['/bin/sh', '-c', 'exec 3</etc/shadow; cat /etc/shadow; exec sleep 600'];

let agent: Agent | undefined;
let docker: DockerDaemon | undefined;
let podman: PodmanService | undefined;
let cri: ContainerdCri | undefined;
const failures: string[] = [];
let metricsPort = 0;

/** The agent's count of CRI lookups that found what they asked about. */
async function criFound(): Promise<number> {
  return metricValue(await metricsText(metricsPort), 'saker_container_lookups_total{runtime="cri",outcome="found"}') || 0;
}

function need(t: TestContext, reason: string | undefined, runtime: unknown): boolean {
  const why = reason ?? (agent === undefined ? 'the agent did not start (see the before hook)' : runtime === undefined ? 'the runtime did not start (see the before hook)' : undefined);
  if (why !== undefined) {
    t.skip(why);
    return false;
  }
  return true;
}

interface Expected {
  fullId: string;
  name: string;
  repository: string;
  tag: string;
  privileged: boolean;
}

/**
 * The seed detections of a container's start: its first process (vpid 1, the entrypoint shell)
 * opening /etc/shadow, the cat it runs, and (where the runtime's shim stays its parent, so the
 * rule's proc.pname is there) the shell itself, all with the container's metadata as the
 * runtime reports it.
 */
async function assertFirstProcessAlerts(e: Expected, shellRule = true): Promise<Alert['output_fields']> {
  const id = e.fullId.slice(0, 12);
  const wait = { timeoutMs: 20_000 };
  const first = await agent!.waitForRule('Read of sensitive file', (f) => f['container.id'] === id && f['proc.vpid'] === 1, wait);
  const cat = await agent!.waitForRule('Read of sensitive file', (f) => f['container.id'] === id && f['proc.vpid'] !== 1, wait);
  const checked: Array<[string, Alert]> = [['the entrypoint shell (first process)', first], ['its cat /etc/shadow', cat]];
  if (shellRule) checked.push(['the shell spawned', await agent!.waitForRule('Shell spawned in a container', (f) => f['container.id'] === id && f['proc.vpid'] === 1, wait)]);
  for (const [what, a] of checked) {
    const f = a.output_fields;
    assert.equal(f['container.name'], e.name, `${what}: container.name`);
    assert.equal(f['container.image.repository'], e.repository, `${what}: container.image.repository`);
    assert.equal(f['container.image.tag'], e.tag, `${what}: container.image.tag`);
    assert.equal(f['container.privileged'], e.privileged, `${what}: container.privileged`);
  }
  assert.equal(first.output_fields['fd.name'], '/etc/shadow');
  return first.output_fields;
}

/** What containerd's verbose ContainerStatus says of the container's privilege (its CRI config, as JSON). */
function criPrivileged(reported: { info?: Record<string, string> }): boolean {
  const info = JSON.parse(reported.info?.info ?? '{}') as { config?: { linux?: { security_context?: { privileged?: boolean } } } };
  return info.config?.linux?.security_context?.privileged ?? false;
}

/** A socket that accepts connections and never answers. */
function silentSocket(path: string): { server: Server; close: () => void } {
  const held = new Set<Socket>();
  const server = createServer((s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
  });
  server.listen(path);
  return { server, close: () => {
    for (const s of held) s.destroy();
    server.close();
  } };
}

/**
 * A Docker API that answers GET /version and /info (so the agent takes it at start) and then
 * never answers anything else: a daemon that hung after start-up.
 */
function hungDocker(path: string): { close: () => void } {
  const held = new Set<Socket>();
  const server = createServer((s) => {
    held.add(s);
    s.on('close', () => held.delete(s));
    s.on('data', (d) => {
      if (String(d).startsWith('GET /version ') || String(d).startsWith('GET /info ')) {
        const body = JSON.stringify({ Version: '99.0-hung' });
        s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
  });
  server.listen(path);
  return { close: () => {
    for (const s of held) s.destroy();
    server.close();
  } };
}

/** Runs `cat /etc/shadow` from a shell moved into a hand-made cgroup at `rel` (memory and pids controllers). */
function catInCgroup(rel: string): { pid: number; cleanup: () => void } {
  const dirs = ['memory', 'pids'].filter((c) => existsSync(join('/sys/fs/cgroup', c, 'cgroup.procs'))).map((c) => join('/sys/fs/cgroup', c, rel));
  assert.ok(dirs.length > 0, 'cgroup v1 memory or pids controller mounted');
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const procs = dirs.map((d) => join(d, 'cgroup.procs')).join(' ');
  const r = spawnSync('sh', ['-c', `for f in ${procs}; do echo $$ > $f; done; exec cat /etc/shadow`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { pid: r.pid, cleanup: () => {
    for (const d of dirs) {
      try {
        rmdirSync(d);
        rmdirSync(join(d, '..'));
      } catch {
        // a parent in use (docker's own) stays
      }
    }
  } };
}

describe('container runtimes, live', { concurrency: false }, () => {
  before(async () => {
    if (skipAgent !== undefined) return;
    const options = ['rule_matching=all', `append_output[].extra_output=${META_FIELDS.map((f) => `${f}=%${f}`).join(' ')}`,
      'container.engines.containerd.enabled=false'];
    // Each runtime is optional: one that cannot start here skips its own test, the others run.
    const tryStart = async <T>(what: string, skip: string | undefined, start: () => Promise<T>): Promise<T | undefined> => {
      if (skip !== undefined) return undefined;
      try {
        return await start();
      } catch (e) {
        failures.push(`${what}: ${(e as Error).message}`);
        return undefined;
      }
    };
    docker = await tryStart('docker', skipDocker, () => DockerDaemon.start());
    podman = await tryStart('podman', skipPodman, () => PodmanService.start());
    cri = await tryStart('containerd (CRI)', skipCri, () => ContainerdCri.start());
    options.push(`container.engines.docker.sockets[]=${docker?.socket ?? '/nonexistent/docker.sock'}`);
    options.push(`container.engines.podman.sockets[]=${podman?.socket ?? '/nonexistent/podman.sock'}`);
    // containerd's CRI plugin answers CRI on its socket, and its own API for its event service.
    options.push(`container.engines.cri.sockets[]=${cri?.socket ?? '/nonexistent/cri.sock'}`);
    if (cri) options.splice(options.indexOf('container.engines.containerd.enabled=false'), 1, `container.engines.containerd.sockets[]=${cri.socket}`);
    metricsPort = await freePort();
    options.push(`webserver.listen_port=${metricsPort}`, 'metrics.enabled=true', 'webserver.prometheus_metrics_enabled=true');
    agent = await Agent.start({ options });
  });

  after(async () => {
    const stderr = agent ? await agent.stop().catch((e: Error) => e.message) : '';
    if (process.env.SAKER_E2E_VERBOSE) console.log(stderr);
    await docker?.stop();
    await podman?.stop();
    await cri?.stop();
  });

  test('saker run says which runtimes answer', (t) => {
    if (!need(t, skipAgent, true)) return;
    assert.deepEqual(failures, [], 'every runtime this machine has started');
    const line = agent!.stderr.split('\n').find((l) => l.includes('container runtimes:'));
    assert.ok(line, agent!.stderr);
    if (docker) assert.match(line, new RegExp(`docker \\(docker [^)]+\\) at ${docker.socket}`));
    if (podman) assert.match(line, new RegExp(`podman \\(podman [^)]+\\) at ${podman.socket}`));
    if (cri) assert.match(line, new RegExp(`cri \\(containerd [^)]+ \\(CRI v1\\)\\) at ${cri.socket}`));
  });

  test('docker: the first process of a container is named as the Docker Engine API reports it', async (t) => {
    if (!need(t, skipDocker, docker)) return;
    const name = `saker-e2e-${randomBytes(3).toString('hex')}`;
    const id = docker!.docker('run', '-d', '--name', name, '--network', 'none', '--label', 'tier=front', TEST_IMAGE, ...ENTRYPOINT);
    const reported = JSON.parse(docker!.docker('inspect', id))[0] as { Id: string; Name: string; Config: { Image: string }; HostConfig: { Privileged: boolean } };
    const [repository, tag] = [reported.Config.Image.slice(0, reported.Config.Image.lastIndexOf(':')), reported.Config.Image.slice(reported.Config.Image.lastIndexOf(':') + 1)];
    assert.equal(repository, 'saker.test:5000/e2e/busybox', 'a registry with a port');
    assert.equal(reported.HostConfig.Privileged, false, 'docker reports it unprivileged');
    const f = await assertFirstProcessAlerts({ fullId: reported.Id, name: reported.Name.replace(/^\//, ''), repository, tag, privileged: false });
    assert.equal(f['container.type'], 'docker');
  });

  test('docker: a privileged container is privileged from its first process (where this machine lets docker start one)', async (t) => {
    if (!need(t, skipDocker, docker)) return;
    const name = `saker-e2e-${randomBytes(3).toString('hex')}`;
    let id: string;
    try {
      id = docker!.docker('run', '-d', '--privileged', '--name', name, '--network', 'none', TEST_IMAGE, ...ENTRYPOINT);
    } catch (e) {
      // docker.io 20.10 gives a privileged container every capability it knows; runc cannot
      // raise one outside the bounding set (this sandbox has no CAP_SYS_RESOURCE).
      const stderr = (e as { stderr?: string | Buffer }).stderr;
      const err = (stderr === undefined ? (e as Error).message : stderr.toString()).trim();
      assert.match(err, /operation not permitted/, `docker refused for another reason: ${err}`);
      t.skip(`docker cannot start a privileged container on this machine: ${err.split('\n')[0]}`);
      return;
    }
    const reported = JSON.parse(docker!.docker('inspect', id))[0] as { Id: string; Name: string; Config: { Image: string }; HostConfig: { Privileged: boolean } };
    assert.equal(reported.HostConfig.Privileged, true, 'docker reports it privileged');
    const image = reported.Config.Image;
    await assertFirstProcessAlerts({ fullId: reported.Id, name: name, repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1), privileged: true });
  });

  /**
   * A podman container from its first process on: podman's API answers only once the container
   * started, so the entrypoint is named from the files podman and runc wrote before it
   * (src/runtimes/podman.ts), checked here against podman inspect.
   */
  const podmanCase = async (privileged: boolean): Promise<void> => {
    const name = `saker-e2e-${randomBytes(3).toString('hex')}`;
    const id = podman!.podman('run', '-d', ...(privileged ? ['--privileged'] : []), '--name', name, '--network', 'none', TEST_IMAGE, ...ENTRYPOINT);
    const reported = JSON.parse(podman!.podman('inspect', id))[0] as { Id: string; Name: string; ImageName: string; HostConfig: { Privileged: boolean } };
    assert.equal(reported.HostConfig.Privileged, privileged, `podman reports it ${privileged ? '' : 'un'}privileged`);
    const image = reported.ImageName;
    const f = await assertFirstProcessAlerts({ fullId: reported.Id, name: reported.Name, repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1), privileged });
    assert.equal(f['container.type'], 'podman');
  };

  test('podman: the first process of a container is named as podman inspect reports it', async (t) => {
    if (!need(t, skipPodman, podman)) return;
    await podmanCase(false);
  });

  test('podman: a privileged container is privileged from its first process', async (t) => {
    if (!need(t, skipPodman, podman)) return;
    await podmanCase(true);
  });

  test('containerd through CRI: the pod sandbox names the pod, its labels and its deployment', async (t) => {
    if (!need(t, skipCri, cri)) return;
    const suffix = randomBytes(3).toString('hex');
    const pod = { name: `web-7d4b9c8f6d-${suffix.slice(0, 5)}`, namespace: 'shop', uid: `uid-${suffix}`, labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' } };
    const foundBefore = await criFound();
    const sandbox = await cri!.runPod(pod);
    // The pod's labels and IP are the sandbox's: the agent has them once CRI described the sandbox
    // (its pause process is looked up when it appears, PodSandboxStatus answers once it is ready).
    // kubelet starts a pod's containers after its own PodSandboxStatus and image checks; wait as
    // it would, for the agent's answer, or the first process races it (this failed ~1 in 7 CI runs).
    await until(criFound, (n) => n > foundBefore, 'the agent described the pod sandbox through CRI');
    const id = await cri!.runContainer(sandbox, pod, { name: 'nginx', command: ENTRYPOINT, labels: { tier: 'front' } });
    const reported = await cri!.status(id, true);
    assert.equal(criPrivileged(reported), false, 'containerd reports it unprivileged');
    const image = reported.status.image.image;
    const f = await assertFirstProcessAlerts({ fullId: id, name: reported.status.metadata.name, repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1), privileged: false });
    assert.equal(f['k8s.pod.name'], pod.name);
    assert.equal(f['k8s.ns.name'], pod.namespace);
    assert.equal(f['k8s.pod.label[app]'], 'web', "a label of the pod sandbox, not of the container");
    assert.equal(f['k8s.deployment.name'], 'web');
    assert.equal(f['k8s.rs.name'], 'web-7d4b9c8f6d');
    assert.match(String(f['k8s.pod.ip']), /^10\.233\.77\.\d+$/, 'the pod IP from the CNI bridge');
    assert.equal(f['container.type'], 'containerd');
  });

  test('containerd through CRI: a privileged container (in a privileged sandbox) is privileged from its first process', async (t) => {
    if (!need(t, skipCri, cri)) return;
    const suffix = randomBytes(3).toString('hex');
    const pod = { name: `priv-${suffix}`, namespace: 'ops', uid: `uid-${suffix}`, labels: { app: 'priv' }, privileged: true };
    const sandbox = await cri!.runPod(pod);
    const id = await cri!.runContainer(sandbox, pod, { name: 'tool', command: ENTRYPOINT, privileged: true });
    const reported = await cri!.status(id, true);
    assert.equal(criPrivileged(reported), true, 'containerd reports it privileged');
    const image = reported.status.image.image;
    await assertFirstProcessAlerts({ fullId: id, name: reported.status.metadata.name, repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1), privileged: true });
  });

  test('plain runc: named by its short id, image from its bundle, privileged from its spec', async (t) => {
    if (!need(t, skipRunc, true)) return;
    const c = RuncContainer.start({ privileged: true, args: ENTRYPOINT, annotations: { 'org.opencontainers.image.ref.name': 'registry.local:5000/team/app:2.1' } });
    try {
      // `runc run -d` exits once the container started: its first process has no parent left for
      // "Shell spawned in a container" (proc.pname exists), the reads still name the container.
      const f = await assertFirstProcessAlerts({ fullId: c.id, name: c.shortId, repository: 'registry.local:5000/team/app', tag: '2.1', privileged: true }, false);
      assert.equal(f['container.type'], 'runc');
    } finally {
      c.destroy();
    }
  });

  test('a process in a hand-made cgroup named like a container id is the host', async (t) => {
    if (!need(t, skipAgent, true)) return;
    const fake = randomBytes(32).toString('hex');
    const run = catInCgroup(`saker-e2e-${fake.slice(0, 6)}/${fake}`);
    try {
      const a = await agent!.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === run.pid);
      assert.equal(a.output_fields['container.id'], 'host');
      assert.equal(a.output_fields['container.name'], 'host');
    } finally {
      run.cleanup();
    }
  });
});

describe('a runtime socket that never answers', { concurrency: false }, () => {
  test('start-up skips it, a lookup times out and is counted, detection goes on', async (t) => {
    if (skipAgent !== undefined) return t.skip(skipAgent);
    const dir = mkdtempSync(join(tmpdir(), 'saker-e2e-hung-'));
    const silent = silentSocket(join(dir, 'silent.sock'));
    const hung = hungDocker(join(dir, 'hung.sock'));
    writeFileSync(join(dir, 'README'), 'sockets of a saker e2e test');
    let a: Agent | undefined;
    const fake = randomBytes(32).toString('hex');
    let run: { pid: number; cleanup: () => void } | undefined;
    try {
      const started = Date.now();
      a = await Agent.start({ options: [
        `container.engines.podman.sockets[]=${join(dir, 'silent.sock')}`, `container.engines.docker.sockets[]=${join(dir, 'hung.sock')}`,
        'container.engines.cri.enabled=false', 'container.engines.containerd.enabled=false', 'container.engine_timeout=1', 'container.lookup_timeout_ms=500',
      ] });
      assert.ok(Date.now() - started < 25_000, 'start-up waited at most engine_timeout for the silent socket');
      assert.match(a.stderr, new RegExp(`skipped .*podman at ${join(dir, 'silent.sock')}: no answer within 1000 ms`));
      assert.match(a.stderr, /docker \(docker 99\.0-hung\)/);
      // A docker-layout cgroup: the agent asks the (hung) docker about it.
      run = catInCgroup(`docker/${fake}`);
      const alert = await a.waitForRule('Read of sensitive file', (f) => f['proc.pid'] === run!.pid);
      assert.equal(alert.output_fields['container.id'], fake.slice(0, 12), 'detection went on, with the id from the cgroup');
      assert.equal(alert.output_fields['container.name'], null, 'no name: the runtime never answered');
      // Give the lookup its deadline, then stop: the exit line counts the timeout.
      await new Promise((r) => setTimeout(r, 1500));
      const stderr = await a.stop();
      assert.match(stderr, /container lookups: docker timeout=\d+/, stderr);
      assert.match(stderr, /podman timeout=1/, 'the start-up probe of the silent socket');
    } finally {
      a?.kill();
      run?.cleanup();
      silent.close();
      hung.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
