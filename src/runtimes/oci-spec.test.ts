import { test } from 'node:test';
import assert from 'node:assert/strict';
import { infoFromOciSpec } from './oci-spec.js';
import { infoFromContainerd } from './containerd.js';

test('mounts, privilege and host namespaces from an OCI spec', () => {
  const confined = infoFromOciSpec({
    process: { apparmorProfile: '' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid'] }, { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] }],
    linux: { maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'], rootfsPropagation: 'rprivate', namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }] },
  });
  assert.equal(confined.privileged, false);
  assert.deepEqual(confined.mounts?.[1], { source: 'sysfs', dest: '/sys', mode: '', rdwr: false, propagation: 'rprivate' });
  assert.deepEqual([confined.hostPid, confined.hostNetwork, confined.hostIpc], [false, false, false]);
  const privileged = infoFromOciSpec({
    process: {},
    mounts: [{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'rw'] }, { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/var/run/netns/x' }] },
  });
  assert.equal(privileged.privileged, true);
  assert.equal(privileged.mounts?.[1]?.mode, '755');
  assert.deepEqual([privileged.hostPid, privileged.hostNetwork, privileged.hostIpc], [false, false, true], 'a joined namespace is not the host\'s');
});

test('a containerd container record: image, CRI labels and the JSON spec', () => {
  const id = 'f'.repeat(64);
  const spec = Buffer.from(JSON.stringify({ process: {}, linux: { maskedPaths: ['/proc/kcore'], namespaces: [{ type: 'pid' }] } }));
  const info = infoFromContainerd({
    id, image: 'docker.io/library/nginx:1.25',
    labels: { 'io.kubernetes.pod.name': 'web-7d4', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'uid-1', 'io.kubernetes.container.name': 'nginx', 'io.cri-containerd.kind': 'container', big: 'x'.repeat(200) },
    spec: { type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Spec', value: spec },
  }, 'k8s.io', 100);
  assert.equal(info.podName, 'web-7d4');
  assert.equal(info.podNamespace, 'shop');
  assert.equal(info.podUid, 'uid-1');
  assert.equal(info.name, 'nginx');
  assert.equal(info.imageRepository, 'docker.io/library/nginx');
  assert.equal(info.imageTag, '1.25');
  assert.equal(info.privileged, false);
  assert.equal(info.type, 'containerd');
  assert.equal(info.hostNetwork, true);
  assert.equal(info.labels?.big, undefined, 'labels longer than label_max_len are left out');
  const bad = infoFromContainerd({ id: 'web1', image: '', labels: {}, spec: { type_url: 'x', value: Buffer.from('not json') } }, 'default', 100);
  assert.equal(bad.name, 'web1');
  assert.equal(bad.privileged, false);
});
