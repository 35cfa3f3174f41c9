import { test } from 'node:test';
import assert from 'node:assert/strict';
import { infoFromCri, infoFromCriSandbox, type CriContainerStatus, type CriSandboxStatus } from './cri.js';

const ID = 'a'.repeat(64);
const SANDBOX = 'b'.repeat(64);
const DIGEST = `sha256:${'e'.repeat(64)}`;

function status(over: Partial<CriContainerStatus> = {}): CriContainerStatus {
  return {
    id: ID, metadata: { name: 'nginx' }, image: { image: 'registry.local:5000/web:1.25' }, image_ref: `registry.local:5000/web@${DIGEST}`,
    created_at: '1', labels: { 'io.kubernetes.sandbox.id': SANDBOX, 'io.kubernetes.container.name': 'nginx' }, annotations: {},
    mounts: [{ container_path: '/data', host_path: '/srv', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }], ...over,
  };
}
const sandbox: CriSandboxStatus = {
  id: SANDBOX, metadata: { name: 'web-7d4b9c8f6d-x2x7q', uid: 'uid-1', namespace: 'shop' }, network: { ip: '10.88.0.7' },
  linux: { namespaces: { options: { network: 'POD', pid: 'NODE', ipc: 'POD' } } },
  labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' }, annotations: {},
};

test('CRI: container status plus its pod sandbox', () => {
  const info = infoFromCri(status(), { info: JSON.stringify({ runtimeSpec: { linux: {} }, config: { linux: { security_context: { privileged: true } }, image: { image: `sha256:${'c'.repeat(64)}` } } }) },
    sandbox, { info: JSON.stringify({ cniResult: { Interfaces: { eth0: { IPConfigs: [{ IP: '10.88.0.7' }] }, lo: {} } } }) }, 'containerd', 100);
  assert.equal(info.name, 'nginx');
  assert.equal(info.type, 'containerd');
  assert.equal(info.imageRepository, 'registry.local:5000/web');
  assert.equal(info.imageTag, '1.25');
  assert.equal(info.imageDigest, DIGEST);
  assert.equal(info.imageId, 'c'.repeat(64));
  assert.equal(info.privileged, true);
  assert.equal(info.podName, 'web-7d4b9c8f6d-x2x7q');
  assert.equal(info.podNamespace, 'shop');
  assert.equal(info.podUid, 'uid-1');
  assert.equal(info.podSandboxId, SANDBOX);
  assert.deepEqual(info.podLabels, { app: 'web', 'pod-template-hash': '7d4b9c8f6d' }, "the sandbox's labels");
  assert.equal(info.labels?.['io.kubernetes.pod.name'], 'web-7d4b9c8f6d-x2x7q');
  assert.equal(info.ip, '10.88.0.7');
  assert.deepEqual(JSON.parse(info.cniJson!), { eth0: { IPConfigs: [{ IP: '10.88.0.7' }] } }, 'lo left out');
  assert.deepEqual([info.hostPid, info.hostNetwork, info.hostIpc], [true, false, false]);
  assert.deepEqual(info.mounts, [{ source: '/srv', dest: '/data', mode: '', rdwr: false, propagation: 'rslave' }]);
});

test('CRI: an image given by id is named by the annotations; no sandbox leaves the pod fields from labels', () => {
  const info = infoFromCri(status({ image: { image: `sha256:${'c'.repeat(64)}` }, image_ref: `sha256:${'c'.repeat(64)}`, labels: { 'io.kubernetes.pod.name': 'p' } }),
    { info: JSON.stringify({ runtimeSpec: { annotations: { 'io.kubernetes.cri.image-name': 'busybox:1.36' } } }) }, undefined, {}, 'cri', 100);
  assert.equal(info.image, 'busybox:1.36');
  assert.equal(info.imageRepository, 'busybox');
  assert.equal(info.imageTag, '1.36');
  assert.equal(info.imageDigest, `sha256:${'c'.repeat(64)}`);
  assert.equal(info.podName, 'p');
  assert.equal(info.privileged, false);
  assert.equal(info.cniJson, '');
});

test('CRI: a pod sandbox (its pause process) is described from PodSandboxStatus, its labels the pod\'s', () => {
  const info = infoFromCriSandbox(sandbox, {
    info: JSON.stringify({ image: 'registry.k8s.io/pause:3.9', config: { linux: { security_context: { privileged: false } } }, cniResult: { Interfaces: { eth0: {} } } }),
  }, 'containerd', 100);
  assert.equal(info.fullId, SANDBOX);
  assert.equal(info.name, 'web-7d4b9c8f6d-x2x7q');
  assert.equal(info.imageRepository, 'registry.k8s.io/pause');
  assert.equal(info.imageTag, '3.9');
  assert.equal(info.podSandboxId, SANDBOX, 'its own sandbox');
  assert.deepEqual(info.podLabels, { app: 'web', 'pod-template-hash': '7d4b9c8f6d' });
  assert.equal(info.labels?.app, 'web');
  assert.equal(info.labels?.['io.kubernetes.pod.namespace'], 'shop');
  assert.equal(info.ip, '10.88.0.7');
  assert.equal(info.cniJson, '{"eth0":{}}');
  assert.deepEqual([info.hostPid, info.hostNetwork, info.hostIpc], [true, false, false]);
  assert.equal(info.privileged, false);
  // Without verbose info the image stays what the bundle said: not overwritten with ''.
  assert.equal('image' in infoFromCriSandbox(sandbox, {}, 'containerd', 100), false);
});
