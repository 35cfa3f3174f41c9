import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventView } from '../events/index.js';
import { containerAddedEvent, containerInfoFromJson, containerJson } from './container-metadata.js';
import { ContainerRegistry, newContainerInfo } from './containers.js';
import { State } from './state.js';
import type { ContainerInfo } from './types.js';

const ID = '3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e';

const docker: ContainerInfo = {
  ...newContainerInfo({ id: ID.slice(0, 12), fullId: ID, type: 'docker' }),
  name: 'web', image: 'nginx:1.25', imageRepository: 'nginx', imageTag: '1.25', imageDigest: 'sha256:abc', privileged: true,
  mounts: [{ source: '/proc', dest: '/host/proc', mode: 'ro', rdwr: false, propagation: 'rprivate' }],
  labels: { 'io.kubernetes.pod.name': 'web-0', 'io.kubernetes.pod.namespace': 'prod' }, podName: 'web-0', podNamespace: 'prod',
  imageId: 'f00d', ip: '10.0.0.7', hostNetwork: true, podSandboxId: 'b'.repeat(64), podLabels: { app: 'web' }, healthcheck: 'curl -f http://localhost',
};

test("a container's JSON is the container plugin's layout: numeric type, sorted keys, plugin defaults", () => {
  const j = JSON.parse(containerJson(docker)) as { container: Record<string, unknown> };
  const c = j.container;
  assert.equal(c.type, 0, 'docker is CT_DOCKER');
  assert.deepEqual(Object.keys(c), [...Object.keys(c)].sort());
  assert.equal(c.id, ID.slice(0, 12));
  assert.equal(c.full_id, ID);
  assert.equal(c.imagerepo, 'nginx');
  assert.deepEqual(c.Mounts, [{ Destination: '/host/proc', Mode: 'ro', Propagation: 'rprivate', RW: false, Source: '/proc' }]);
  assert.deepEqual(c.Healthcheck, { args: ['-f', 'http://localhost'], exe: 'curl' });
  assert.equal(c.size, -1);
  assert.equal(c.runtime, undefined, 'a type the plugin knows needs no runtime key');
});

test('what Saker writes it reads back unchanged (host namespaces it did not know read as false, as the plugin reads them)', () => {
  const back = containerInfoFromJson(containerJson(docker));
  assert.deepEqual(back, { ...docker, hostPid: false, hostIpc: false });
});

test("a runc container: CT_UNKNOWN for the plugin, its runtime kept in Saker's own key; privileged unknown stays unknown", () => {
  const runc = { ...newContainerInfo({ id: 'abc', fullId: 'abc', type: 'runc' }), name: 'abc' };
  const c = (JSON.parse(containerJson(runc)) as { container: Record<string, unknown> }).container;
  assert.equal(c.type, 0xffff);
  assert.equal(c.runtime, 'runc');
  assert.equal('privileged' in c, false);
  const back = containerInfoFromJson(containerJson(runc))!;
  assert.equal(back.type, 'runc');
  assert.equal(back.privileged, undefined);
});

test("the async event: PPME_ASYNCEVENT_E, plugin id 0, named 'container', the JSON NUL-terminated; a replayed state takes it", () => {
  const rec = containerAddedEvent(docker, 0xffffffffffffffffn, 1);
  const v = new EventView().reset(rec, 0, 1);
  assert.equal(v.info.name, 'asyncevent');
  assert.equal(v.uint(0), 0);
  assert.equal(v.str(1), 'container');
  assert.equal(v.bytes(2).at(-1), 0);
  const state = new State({ hostUsers: false });
  state.process(v);
  assert.equal(state.containers.get(docker.id)?.name, 'web');
  assert.equal(state.containers.isDescribed(docker.id), true);
});

test('the registry says when a container is described (put, and a quick lookup on the event path)', () => {
  const seen: string[] = [];
  const reg = new ContainerRegistry({ onDescribed: (i) => seen.push(`${i.id}:${i.name}`), isRuncContainer: () => true, quickLookup: () => ({ name: 'quick' }) });
  reg.put(docker);
  const t = { cgroups: ['memory=/runc-box'], containerId: '', pidnsInitStartTs: 0n } as unknown as Parameters<ContainerRegistry['resolve']>[0];
  reg.resolve(t);
  assert.deepEqual(seen, [`${docker.id}:web`, 'runc-box:quick']);
});
