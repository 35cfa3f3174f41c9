import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerRegistry, HOST_CONTAINER, matchCgroupPath, matchCgroups } from './containers.js';
import { infoFromCtr, infoFromOciSpec, parseImageRef, runcStateFileLookup } from './container-metadata.js';
import { Thread } from './threads.js';

const ID = '3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e';
const ID2 = 'b4c2c1f2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0';
const POD = 'pod4f2e8d7c-1b2a-4c3d-9e8f-7a6b5c4d3e2f';

// [cgroup path, expected id ('' = host), type, full id]
const layouts: Array<[string, string, string?, string?]> = [
  // docker, cgroupfs and systemd drivers
  [`/docker/${ID}`, ID.slice(0, 12), 'docker', ID],
  [`/system.slice/docker-${ID}.scope`, ID.slice(0, 12), 'docker', ID],
  // CRI on cgroupfs (any runtime), containerd and cri-o with systemd
  [`/kubepods/besteffort/${POD}/${ID}`, ID.slice(0, 12), 'cri', ID],
  [`/kubepods/burstable/${POD}/${ID2}`, ID2.slice(0, 12), 'cri', ID2],
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${POD.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`, ID.slice(0, 12), 'containerd', ID],
  [`/system.slice/containerd.service/kubepods-besteffort-${POD.replace(/-/g, '_')}.slice:cri-containerd:${ID}`, ID.slice(0, 12), 'containerd', ID],
  [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/crio-${ID}.scope`, ID.slice(0, 12), 'cri-o', ID],
  [`/kubepods/besteffort/${POD}/crio-${ID}`, ID.slice(0, 12), 'cri-o', ID],
  // podman
  [`/machine.slice/libpod-${ID}.scope`, ID.slice(0, 12), 'podman', ID],
  [`/machine.slice/libpod-${ID}.scope/container`, ID.slice(0, 12), 'podman', ID],
  [`/libpod_parent/libpod-${ID}`, ID.slice(0, 12), 'podman', ID],
  // a plain runc container whose cgroup leaf is its 64-hex id
  [`/${ID}`, ID.slice(0, 12), 'docker', ID],
  // containerd without CRI: /<namespace>/<id>, when containerd knows the task
  ['/default/web1', 'web1', 'containerd', 'web1'],
  ['/k8s.io/abcdef0123456789', 'abcdef012345', 'containerd', 'abcdef0123456789'],
  // hosts
  ['/', ''],
  ['', ''],
  ['/user.slice/user-1000.slice/session-3.scope', ''],
  ['/system.slice/sshd.service', ''],
  ['/init.scope', ''],
  // This machine's own processes: not a container, although it looks like /<namespace>/<id>.
  ['/process_api/be7a25fe7d38fdfc861f152bd0038b48', ''],
  // 64 characters that are not hex are no container id.
  [`/docker/${'z'.repeat(64)}`, ''],
  // Too long an id.
  [`/docker/${ID}0`, ''],
];

const knownTasks = new Set(['default/web1', 'k8s.io/abcdef0123456789']);
const opts = { isContainerdTask: (ns: string, id: string) => knownTasks.has(`${ns}/${id}`) };

test('container ids from every cgroup layout', () => {
  for (const [path, id, type, fullId] of layouts) {
    const m = matchCgroupPath(path, opts);
    if (id === '') {
      assert.equal(m, undefined, `${path} is the host`);
      continue;
    }
    assert.ok(m, `${path} is a container`);
    assert.equal(m.id, id, path);
    assert.equal(m.type, type, path);
    assert.equal(m.fullId, fullId, path);
  }
});

test('the containerd layout is checked against containerd state on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-containerd-'));
  try {
    mkdirSync(join(dir, 'io.containerd.runtime.v2.task', 'default', 'redis'), { recursive: true });
    assert.equal(matchCgroupPath('/default/redis', { containerdState: dir })?.id, 'redis');
    assert.equal(matchCgroupPath('/default/redis', { containerdState: dir })?.namespace, 'default');
    assert.equal(matchCgroupPath('/default/other', { containerdState: dir }), undefined);
    assert.equal(matchCgroupPath('/process_api/be7a25fe7d38fdfc861f152bd0038b48', { containerdState: dir }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a thread takes the first matching cgroup entry; this process is on the host', () => {
  const cgroups = ['cpu=/', `memory=/docker/${ID}`, `pids=/docker/${ID2}`];
  assert.equal(matchCgroups(cgroups)?.id, ID.slice(0, 12));
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter((l) => l.length > 0)
    .map((l) => `${l.split(':')[1]}=${l.split(':').slice(2).join(':')}`);
  assert.equal(matchCgroups(own), undefined, `this process (${own.join(' ')}) must be on the host`);
});

test('the registry sets container ids on threads and fills metadata in the background', async () => {
  const asked: string[] = [];
  const reg = new ContainerRegistry({
    lookup: async (m) => {
      asked.push(m.fullId);
      return m.fullId === ID ? { name: 'web', image: 'nginx:1.25', imageRepository: 'nginx', imageTag: '1.25', privileged: false } : undefined;
    },
    attempts: 2,
    retryMs: 10,
  });
  const t = new Thread(10);
  t.cgroups = ['cpu=/', `memory=/docker/${ID}`];
  t.pidnsInitStartTs = 123n;
  reg.resolve(t);
  assert.equal(t.containerId, ID.slice(0, 12));
  const early = reg.get(t.containerId)!;
  assert.equal(early.name, '', 'metadata arrives later');
  const other = new Thread(11);
  other.cgroups = [`cpu=/docker/${ID2}`];
  reg.resolve(other);
  await reg.idle();
  assert.equal(reg.get(t.containerId)?.name, 'web');
  assert.equal(reg.get(t.containerId)?.imageRepository, 'nginx');
  assert.equal(reg.get(t.containerId)?.startTs, 123n);
  assert.equal(reg.get(other.containerId)?.name, '', 'unknown to the runtime');
  assert.deepEqual(asked.filter((x) => x === ID2).length, 2, 'retried once');
  const host = new Thread(12);
  host.cgroups = ['cpu=/', 'memory=/user.slice'];
  reg.resolve(host);
  assert.equal(host.containerId, '');
  assert.equal(reg.get(''), HOST_CONTAINER);
  assert.equal(reg.get('')?.id, 'host');
  reg.close();
});

test('metadata lookups retry soon, then back off, until the runtime knows the container', async () => {
  const asked: number[] = [];
  const reg = new ContainerRegistry({
    // Like `runc state` while runc is still creating the container: unknown twice, then known.
    lookup: async () => (asked.push(performance.now()) > 2 ? { name: 'late' } : undefined),
    attempts: 5,
    retryMs: 20,
  });
  const t = new Thread(10);
  t.cgroups = [`memory=/docker/${ID}`];
  reg.resolve(t);
  await reg.idle();
  assert.equal(reg.get(t.containerId)?.name, 'late');
  assert.equal(asked.length, 3, 'no lookup once found');
  const gaps = [asked[1]! - asked[0]!, asked[2]! - asked[1]!];
  assert.ok(gaps[0]! >= 19 && gaps[1]! >= 39, `retry delays double: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
  reg.close();
});

test('a quick lookup describes a container on the event path as soon as the runtime wrote its state', () => {
  let calls = 0;
  const reg = new ContainerRegistry({
    // runc's state file appears between the runtime's set-up and the entrypoint's exec.
    quickLookup: () => (++calls >= 3 ? { name: 'quick', privileged: true } : undefined),
    quickTries: 4,
  });
  const seen = (tid: number) => {
    const t = new Thread(tid);
    t.cgroups = [`memory=/docker/${ID}`];
    reg.resolve(t);
    return reg.get(t.containerId)!;
  };
  assert.equal(seen(1).name, '', 'not written yet');
  assert.equal(seen(2).name, '');
  const entry = seen(3);
  assert.equal(entry.name, 'quick', 'described at this very event, no waiting');
  assert.equal(entry.privileged, true);
  seen(4);
  assert.equal(calls, 3, 'no more lookups once described');
  // A container no quick lookup knows is tried a bounded number of times.
  const other = new ContainerRegistry({ quickLookup: () => (calls++, undefined), quickTries: 4 });
  for (let tid = 10; tid < 20; tid++) {
    const t = new Thread(tid);
    t.cgroups = [`memory=/docker/${ID2}`];
    other.resolve(t);
  }
  assert.equal(calls, 3 + 4);
  reg.close();
  other.close();
});

test("runc's state file leads to the bundle's spec; ids that are no runc id are not looked up", () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-runc-state-'));
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(join(dir, 'root', ID), { recursive: true });
    mkdirSync(bundle);
    writeFileSync(join(dir, 'root', ID, 'state.json'), JSON.stringify({ id: ID, config: { labels: [`bundle=${bundle}`] } }));
    // Privileged as containerd's WithPrivileged makes it: no masked or read-only paths.
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({
      process: { user: { uid: 0 } }, linux: {}, mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
      annotations: { 'org.opencontainers.image.ref.name': 'registry.local/app:1.0' },
    }));
    const quick = runcStateFileLookup([join(dir, 'missing'), join(dir, 'root')]);
    const info = quick({ id: ID.slice(0, 12), fullId: ID, type: 'docker' })!;
    assert.equal(info.type, 'runc');
    assert.equal(info.name, ID.slice(0, 12));
    assert.equal(info.privileged, true);
    assert.equal(info.imageRepository, 'registry.local/app');
    assert.deepEqual(info.mounts?.map((m) => m.dest), ['/proc']);
    assert.equal(quick({ id: 'other', fullId: 'other', type: 'docker' }), undefined, 'no state file');
    assert.equal(quick({ id: '..', fullId: '..', type: 'containerd' }), undefined, 'not a runc id');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metadata from an OCI spec and from ctr output', () => {
  assert.deepEqual(parseImageRef('registry.local:5000/team/app:2.1@sha256:abc'), { repository: 'registry.local:5000/team/app', tag: '2.1', digest: 'sha256:abc' });
  assert.deepEqual(parseImageRef('registry.local:5000/team/app'), { repository: 'registry.local:5000/team/app', tag: '', digest: '' });
  assert.deepEqual(parseImageRef('busybox:latest'), { repository: 'busybox', tag: 'latest', digest: '' });

  const confined = infoFromOciSpec({
    process: { apparmorProfile: '' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid'] }, { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] }],
    linux: { maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'], rootfsPropagation: 'rprivate' },
  });
  assert.equal(confined.privileged, false);
  assert.deepEqual(confined.mounts?.[1], { source: 'sysfs', dest: '/sys', mode: '', rdwr: false, propagation: 'rprivate' });
  const privileged = infoFromOciSpec({
    process: {},
    mounts: [{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'rw'] }, { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] }],
    linux: {},
  });
  assert.equal(privileged.privileged, true);
  assert.equal(privileged.mounts?.[1]?.mode, '755');

  const info = infoFromCtr({
    ID,
    Image: 'docker.io/library/nginx:1.25',
    Labels: { 'io.kubernetes.pod.name': 'web-7d4', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.container.name': 'nginx', 'io.cri-containerd.kind': 'container' },
    Spec: { process: {}, linux: { maskedPaths: ['/proc/kcore'] } },
  }, { id: ID.slice(0, 12), fullId: ID, type: 'cri' });
  assert.equal(info.podName, 'web-7d4');
  assert.equal(info.podNamespace, 'shop');
  assert.equal(info.podUid, 'uid-1');
  assert.equal(info.name, 'nginx');
  assert.equal(info.imageRepository, 'docker.io/library/nginx');
  assert.equal(info.imageTag, '1.25');
  assert.equal(info.privileged, false);
  assert.equal(info.type, 'cri');
});
