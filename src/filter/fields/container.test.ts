import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from '../output-format.js';
import { contextFor, testState, thread } from '../test-support.js';
import { newContainerInfo } from '../../state/index.js';

const ID = 'a'.repeat(64);
const SANDBOX = 'b'.repeat(64);

// A CRI container as src/runtimes describes it, and a host process.
const state = testState(
  thread({ tid: 100, comm: 'nginx', exe: 'nginx', cgroups: [`memory=/kubepods/besteffort/pod1/${ID}`] }),
  thread({ tid: 200, comm: 'bash', exe: 'bash', cgroups: ['memory=/user.slice'] }),
);
state.containers.put({
  ...newContainerInfo({ id: ID.slice(0, 12), fullId: ID, type: 'containerd' }),
  name: 'nginx', image: 'registry.local:5000/web:1.25', imageRepository: 'registry.local:5000/web', imageTag: '1.25', imageId: 'c'.repeat(64),
  privileged: false, labels: { 'io.kubernetes.pod.name': 'web-7d4b9c8f6d-x2x7q', tier: 'front' }, podName: 'web-7d4b9c8f6d-x2x7q', podNamespace: 'shop', podUid: 'uid-1',
  podSandboxId: SANDBOX, podLabels: { app: 'web', 'app.kubernetes.io/name': 'web' }, ip: '10.88.0.7', cniJson: '{"eth0":{}}',
  hostPid: false, hostNetwork: true, hostIpc: false, rsName: 'web-7d4b9c8f6d', deploymentName: 'web',
});
const ctx = (tid: number) => contextFor(state, 'close', tid, [0, 3]);
const render = (fmt: string, tid: number) => compileFormat(fmt).render(ctx(tid));

test('container fields as the container plugin defines them', () => {
  assert.equal(render('%container.id %container.name %container.image.repository %container.image.tag %container.image.id', 100),
    `${ID.slice(0, 12)} nginx registry.local:5000/web 1.25 ${'c'.repeat(64)}`);
  assert.equal(render('%container.type %container.privileged %container.ip %container.cni.json', 100), 'containerd false 10.88.0.7 {"eth0":{}}');
  assert.equal(render('%container.host_pid %container.host_network %container.host_ipc', 100), 'false true false');
});

test('k8s fields: the pod sandbox, its labels (either syntax), its owners', () => {
  assert.equal(render('%k8s.pod.name %k8s.ns.name %k8s.pod.uid %k8s.pod.ip', 100), 'web-7d4b9c8f6d-x2x7q shop uid-1 10.88.0.7');
  assert.equal(render('%k8s.pod.sandbox_id %k8s.pod.full_sandbox_id', 100), `${SANDBOX.slice(0, 12)} ${SANDBOX}`);
  assert.equal(render('%k8s.pod.label[app.kubernetes.io/name] %k8s.pod.label.app', 100), 'web web');
  assert.equal(render('%k8s.pod.labels', 100), 'app:web, app.kubernetes.io/name:web', "the sandbox's labels, not the container's");
  assert.equal(render('%k8s.rs.name %k8s.deployment.name', 100), 'web-7d4b9c8f6d web');
  assert.equal(render('%container.label.tier', 100), 'front');
});

test('host processes: container.id and name are "host", the image and address empty (the plugin\'s host entry), the rest absent', () => {
  assert.equal(render('%container.id %container.name', 200), 'host host');
  assert.equal(render('*[%container.image.repository] [%container.image.tag] [%container.ip]', 200), '[] [] []');
  assert.equal(render('*%k8s.pod.name %k8s.deployment.name %container.host_pid', 200), '<NA> <NA> <NA>');
});

test('a described container prints what its runtime said, empty values included; an undescribed one prints nothing', () => {
  const s = testState(
    thread({ tid: 300, comm: 'sh', exe: 'sh', cgroups: [`memory=/docker/${'d'.repeat(64)}`] }),
    thread({ tid: 400, comm: 'sh', exe: 'sh', cgroups: [`memory=/docker/${'e'.repeat(64)}`] }),
  );
  s.containers.put({ ...newContainerInfo({ id: 'd'.repeat(12), fullId: 'd'.repeat(64), type: 'docker' }), name: 'bare' });
  const r = (fmt: string, tid: number) => compileFormat(fmt).render(contextFor(s, 'close', tid, [0, 3]));
  assert.equal(r('*%container.name [%container.image.repository] [%container.image.tag]', 300), 'bare [] []');
  assert.equal(r('*%container.id %container.image.repository', 400), `${'e'.repeat(12)} <NA>`);
});

test("mount fields find a mount as the plugin does: the argument is a regular expression searched in the source (the destination for container.mount.source); no mount, no value", () => {
  const s = testState(thread({ tid: 300, comm: 'sh', exe: 'sh', cgroups: [`memory=/docker/${'d'.repeat(64)}`] }));
  s.containers.put({
    ...newContainerInfo({ id: 'd'.repeat(12), fullId: 'd'.repeat(64), type: 'docker' }), name: 'm',
    mounts: [{ source: 'proc', dest: '/proc', mode: '', rdwr: true, propagation: '' }, { source: '/etc', dest: '/host/etc', mode: 'ro', rdwr: false, propagation: 'rprivate' }],
  });
  const r = (fmt: string) => compileFormat(fmt).render(contextFor(s, 'close', 300, [0, 3]));
  assert.equal(r('*%container.mount.dest[/etc] %container.mount.dest[0] %container.mount.source[/host]'), '/host/etc /proc /etc');
  assert.equal(r('*%container.mount.dest[/proc*]'), '<NA>', "'proc' is no search hit for /proc* (no '/' in the source)");
});
