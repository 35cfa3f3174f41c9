import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newContainerInfo } from '../state/index.js';
import { containerdBundleLookup, containerdStateDirs } from './containerd-bundle.js';

const SANDBOX = 'a'.repeat(64);
const CTR = 'b'.repeat(64);

function task(state: string, ns: string, id: string, annotations: Record<string, string>, spec: object = {}): void {
  const dir = join(state, 'io.containerd.runtime.v2.task', ns, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ process: { args: ['sh'] }, linux: { namespaces: [{ type: 'pid' }, { type: 'network' }] }, annotations, ...spec }));
}

test('a CRI task bundle describes the container before the CRI API answers; the pod labels and IP come from its described sandbox', () => {
  const state = mkdtempSync(join(tmpdir(), 'saker-containerd-'));
  task(state, 'k8s.io', CTR, {
    'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'nginx',
    'io.kubernetes.cri.image-name': 'registry.local/web/nginx:1.27', 'io.kubernetes.cri.sandbox-id': SANDBOX,
    'io.kubernetes.cri.sandbox-name': 'web-7d4b9c8f6d-x2x9z', 'io.kubernetes.cri.sandbox-namespace': 'shop', 'io.kubernetes.cri.sandbox-uid': 'uid-1',
  });
  task(state, 'moby', 'c'.repeat(64), {}); // not CRI: containerd's API describes it
  const pod = { ...newContainerInfo({ id: SANDBOX.slice(0, 12), fullId: SANDBOX, type: 'containerd' }), podLabels: { app: 'web' }, ip: '10.233.77.9' };
  const lookup = containerdBundleLookup(containerdStateDirs([join(state, 'containerd.sock')]), (id) => (id === pod.id ? pod : undefined));
  const d = lookup({ id: CTR.slice(0, 12), fullId: CTR, type: 'containerd' });
  assert.ok(d);
  assert.equal(d.provisional, true, 'the CRI API still completes it');
  assert.deepEqual([d.name, d.imageRepository, d.imageTag, d.podName, d.podNamespace, d.podUid, d.podSandboxId], ['nginx', 'registry.local/web/nginx', '1.27', 'web-7d4b9c8f6d-x2x9z', 'shop', 'uid-1', SANDBOX]);
  assert.deepEqual(d.podLabels, { app: 'web' });
  assert.equal(d.ip, '10.233.77.9');
  assert.equal(d.hostNetwork, false);
  assert.equal(lookup({ id: 'c'.repeat(12), fullId: 'c'.repeat(64), type: 'containerd' }), undefined);
  assert.equal(lookup({ id: 'd'.repeat(12), fullId: 'd'.repeat(64), type: 'containerd' }), undefined, 'no bundle (yet)');
  assert.equal(lookup({ id: '..', fullId: '../../x', type: 'containerd' }), undefined, 'an id never walks out of the state directory');
});
