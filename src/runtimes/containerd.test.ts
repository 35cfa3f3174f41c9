import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { State } from '../state/index.js';
import { runtimesConfig } from './config.js';
import { ContainerdClient } from './containerd.js';
import { ContainerRuntimes } from './runtimes.js';

function have(cmd: string, arg = '--version'): boolean {
  return spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
}

/** Writes an OCI image archive whose single layer is a busybox-static root filesystem. */
function buildImage(dir: string, ref: string): string {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  const img = join(dir, 'img');
  mkdirSync(join(img, 'blobs/sha256'), { recursive: true });
  const blob = (name: string): { digest: string; size: number } => {
    const data = readFileSync(join(dir, name));
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(img, 'blobs/sha256', hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'layer.tar'), '.']);
  const layer = blob('layer.tar');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    architecture: 'amd64', os: 'linux',
    config: { Entrypoint: ['/bin/busybox'], Cmd: ['sleep', '60'] },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  }));
  const config = blob('config.json');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  }));
  const manifest = blob('manifest.json');
  writeFileSync(join(img, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(img, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref } }],
  }));
  const archive = join(dir, 'image.tar');
  execFileSync('tar', ['-C', img, '-cf', archive, '.']);
  return archive;
}

test('a containerd container (ctr, no CRI) is found by its /<namespace>/<id> cgroup, described by containerd\'s API', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run containerd');
  if (!have('containerd') || !have('ctr') || !have('runc') || !existsSync('/usr/bin/containerd-shim-runc-v2')) {
    return t.skip('needs containerd, ctr and runc (apt-get install containerd runc)');
  }
  if (!existsSync('/bin/busybox')) return t.skip('needs busybox-static (apt-get install busybox-static)');
  const dir = mkdtempSync(join(tmpdir(), 'saker-containerd-'));
  const sock = join(dir, 'containerd.sock');
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'config.toml'), [
    'version = 2', `root = "${join(dir, 'root')}"`, `state = "${stateDir}"`,
    '[grpc]', `  address = "${sock}"`,
    '[plugins."io.containerd.grpc.v1.cri"]', '  disable_tcp_service = true', '',
  ].join('\n'));
  const daemon = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
  const ctr = (...args: string[]): string => execFileSync('ctr', ['--address', sock, '--namespace', 'sakertest', ...args], { encoding: 'utf8', timeout: 30000 });
  let state: State | undefined;
  let runtimes: ContainerRuntimes | undefined;
  try {
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(statSync(sock).isSocket(), 'containerd is up');
    ctr('images', 'import', '--base-name', 'saker.test/busybox', buildImage(dir, 'saker.test/busybox:1.0'));
    ctr('run', '-d', '--label', 'io.kubernetes.pod.name=web-1', '--label', 'io.kubernetes.pod.namespace=shop', 'saker.test/busybox:1.0', 'web1');
    const pid = Number(/web1\s+(\d+)/.exec(ctr('tasks', 'ls'))![1]);
    assert.ok(readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes('/sakertest/web1'));

    state = new State({ live: true, containerdState: stateDir, runcRoots: [] });
    runtimes = await ContainerRuntimes.start(runtimesConfig({ container: {
      runc_roots: [], engines: { containerd: { sockets: [sock] }, cri: { enabled: false }, docker: { enabled: false }, podman: { enabled: false } },
    } }, {}));
    assert.deepEqual(runtimes.found.map((f) => f.engine), ['containerd']);
    assert.match(runtimes.summary(), /containerd \(containerd 1\.\d+/);
    runtimes.attach(state.containers);
    state.bootstrapFromProc();
    const th = state.thread(pid)!;
    assert.equal(th.containerId, 'web1');
    assert.equal(state.thread(process.pid)!.containerId, '', 'the host stays the host');
    await state.containers.idle();
    const info = state.container('web1')!;
    assert.equal(info.fullId, 'web1');
    assert.equal(info.type, 'containerd');
    assert.equal(info.source, 'containerd/sakertest');
    assert.equal(info.image, 'saker.test/busybox:1.0');
    assert.equal(info.imageRepository, 'saker.test/busybox');
    assert.equal(info.imageTag, '1.0');
    assert.equal(info.podName, 'web-1');
    assert.equal(info.podNamespace, 'shop');
    assert.equal(info.privileged, false);
    assert.ok(info.mounts.some((m) => m.dest === '/proc'));
    // The container's root user was needed at bootstrap, which read the container's passwd (off
    // the event loop).
    await state.usersRead();
    assert.equal(state.user(0, 'web1')?.shell, '/bin/sh');
    assert.equal(state.user(65534, 'web1')?.name, 'nobody');
    assert.equal(state.user(65534, 'web1')?.home, '/', "the container's entry, not the host's");
    assert.match(runtimes.countsText(), /containerd found=1/, 'one lookup for the container');

    // The event service: a container's create, its task's create (CRI answers about a container
    // only from then on) and its start all reach the runtime set.
    const seen: string[] = [];
    const events = new ContainerdClient(sock);
    const stop = events.watch((e) => seen.push(`${e.kind} ${e.id}`), () => undefined);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the subscription is in place
      ctr('run', '-d', 'saker.test/busybox:1.0', 'web2');
      for (let i = 0; i < 100 && !seen.includes('start web2'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen.filter((s) => s.endsWith(' web2')), ['create web2', 'create web2', 'start web2'], '/containers/create, /tasks/create, /tasks/start');
    } finally {
      stop();
      events.close();
    }
  } finally {
    for (const id of ['web2']) {
      spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'tasks', 'kill', '-s', 'SIGKILL', id], { stdio: 'ignore' });
      for (let i = 0; i < 20; i++) {
        if (spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'tasks', 'delete', id], { stdio: 'ignore' }).status === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'containers', 'delete', id], { stdio: 'ignore' });
    }
    runtimes?.close();
    state?.close();
    spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'tasks', 'kill', '-s', 'SIGKILL', 'web1'], { stdio: 'ignore' });
    for (let i = 0; i < 20; i++) {
      if (spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'tasks', 'delete', 'web1'], { stdio: 'ignore' }).status === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    spawnSync('ctr', ['--address', sock, '--namespace', 'sakertest', 'containers', 'delete', 'web1'], { stdio: 'ignore' });
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
