import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerRegistry, HOST_CONTAINER, matchCgroupPath, matchCgroups } from './containers.js';
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
  // a plain runc container: its id as the leaf, and runc's state for it
  [`/process_api/abc/${ID2}`, ID2.slice(0, 12), 'runc', ID2],
  ['/mycontainer', 'mycontainer', 'runc', 'mycontainer'],
  // a hand-made cgroup named like a container id: no layout, no runtime state, the host
  [`/${ID}`, ''],
  [`/process_api/abc/${ID}`, ''],
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
const runcIds = new Set([ID2, 'mycontainer']);
const opts = { isContainerdTask: (ns: string, id: string) => knownTasks.has(`${ns}/${id}`), isRuncContainer: (id: string) => runcIds.has(id) };

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

test("a provisional quick description names the container at once and the runtime's lookup still completes it", async () => {
  let quickCalls = 0;
  let asked = 0;
  const reg = new ContainerRegistry({
    quickLookup: () => (quickCalls++, { provisional: true, name: 'from-disk', privileged: true }),
    lookup: async () => (asked++, { name: 'from-api', labels: { tier: 'front' } }),
  });
  const t = new Thread(1);
  t.cgroups = [`memory=/libpod-${ID}`];
  reg.resolve(t);
  assert.equal(reg.get(t.containerId)!.name, 'from-disk', 'described at this very event');
  assert.equal(reg.isDescribed(t.containerId), false, 'not yet whole');
  const t2 = new Thread(2);
  t2.cgroups = t.cgroups;
  reg.resolve(t2);
  assert.equal(quickCalls, 1, 'no second quick lookup once described provisionally');
  await reg.idle();
  assert.equal(asked, 1, "the runtime's lookup ran");
  const info = reg.get(t.containerId)!;
  assert.equal(info.name, 'from-api');
  assert.deepEqual(info.labels, { tier: 'front' });
  assert.equal(info.privileged, true, 'what the API did not say stays');
  assert.equal(reg.isDescribed(t.containerId), true);
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

test('a cgroup only named like a container id is the host, counted and asked once; a runtime vouching for it makes it a container', async () => {
  const asked: string[] = [];
  let known = false;
  const reg = new ContainerRegistry({
    lookup: async (m) => {
      asked.push(`${m.type}:${m.fullId}`);
      return known ? { name: 'vouched', type: 'docker', fullId: m.fullId } : undefined;
    },
    runcRoots: [],
    retryMs: 5,
  });
  const inCgroup = (tid: number, path: string): Thread => {
    const t = new Thread(tid);
    t.cgroups = ['cpu=/', `memory=${path}`];
    reg.resolve(t);
    return t;
  };
  for (let tid = 1; tid <= 5; tid++) assert.equal(inCgroup(tid, `/handmade/${ID}`).containerId, '', 'the host');
  await reg.idle();
  assert.deepEqual(asked, [`unknown:${ID}`], 'asked once, not retried');
  assert.equal(reg.stats.unknownIds, 1);
  assert.equal(reg.get(ID.slice(0, 12)), undefined, 'no container made up');
  // Another id that a runtime does know (e.g. docker with a custom cgroup parent).
  known = true;
  assert.equal(inCgroup(10, `/custom-parent/${ID2}`).containerId, '', 'not trusted before the answer');
  await reg.idle();
  assert.equal(reg.stats.unknownIds, 2);
  const t = inCgroup(11, `/custom-parent/${ID2}`);
  assert.equal(t.containerId, ID2.slice(0, 12), 'a container once the runtime described it');
  assert.equal(reg.get(t.containerId)?.name, 'vouched');
  assert.equal(reg.get(t.containerId)?.type, 'docker');
  reg.close();
});

test('the lookup queue is bounded: what does not fit is dropped and counted', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const reg = new ContainerRegistry({ lookup: async () => (await gate, undefined), concurrency: 1, maxQueue: 2, attempts: 1 });
  for (let i = 0; i < 6; i++) {
    const t = new Thread(100 + i);
    t.cgroups = [`memory=/docker/${i.toString(16).repeat(64)}`];
    reg.resolve(t);
  }
  assert.equal(reg.stats.lookups, 1, 'one running');
  assert.equal(reg.stats.dropped, 3, 'two queued, three dropped');
  release();
  await reg.idle();
  assert.equal(reg.stats.lookups, 3);
  reg.close();
});

test('a path that matches nothing is checked again for a while, however many threads are seen there, then is the host for good', () => {
  let now = 1_000;
  const written = new Set<string>();
  let checks = 0;
  const reg = new ContainerRegistry({
    isRuncContainer: (id) => { checks++; return written.has(id); },
    recheckMs: 10_000,
    now: () => now,
  });
  const inCgroup = (tid: number, path: string): Thread => {
    const t = new Thread(tid);
    t.cgroups = [`memory=${path}`];
    reg.resolve(t);
    return t;
  };
  // runc init's threads land in the cgroup before runc writes its state: far more than a few tries.
  for (let tid = 1; tid <= 40; tid++) assert.equal(inCgroup(tid, '/ctr1').containerId, '', 'not yet known');
  written.add('ctr1');
  now += 500;
  assert.equal(inCgroup(41, '/ctr1').containerId, 'ctr1', 'the first exec after runc wrote its state');
  // A host path stops being checked once the window has passed.
  for (let tid = 50; tid < 55; tid++) inCgroup(tid, '/late');
  now += 10_001;
  const before = checks;
  written.add('late');
  assert.equal(inCgroup(60, '/late').containerId, '', 'the host for good after the window');
  assert.equal(checks, before, 'not checked again');
  reg.close();
});
