// podSelector / containerSelector / namespaced policies: which containers they select, and what
// is refused at load with its position and field path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicies } from './compile.js';
import { OFF } from './kernel-layout.js';
import { loadPolicyText } from './load.js';
import { FAKE_ENV, THIS_KERNEL } from './test-support.js';
import type { TracingPolicy } from './types.js';
import { policySelects, selectsWorkloads, type WorkloadView } from './workloads.js';

const HOOK = '  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n';
const policy = (spec: string, kind = 'TracingPolicy', ns = '') =>
  `apiVersion: cilium.io/v1alpha1\nkind: ${kind}\nmetadata: {name: t${ns ? `, namespace: ${ns}` : ''}}\nspec:\n${spec}${HOOK}`;

function load(yaml: string) {
  return loadPolicyText('p.yaml', yaml, { features: THIS_KERNEL, env: FAKE_ENV });
}
function loaded(yaml: string): TracingPolicy {
  const r = load(yaml);
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
  return r.loaded[0]!.policy;
}

const web: WorkloadView = { name: 'nginx', imageRepository: 'docker.io/library/nginx', labels: { app: 'web', tier: 'front' }, podName: 'web-1', podNamespace: 'shop' };
const db: WorkloadView = { name: 'postgres', imageRepository: 'docker.io/library/postgres', labels: { app: 'db' }, podName: 'db-1', podNamespace: 'shop' };
const runc: WorkloadView = { name: 'a1b2c3d4e5f6', imageRepository: 'saker.test/workload-a', labels: {}, podName: '', podNamespace: '' };

test('podSelector: pod labels and the namespace label; containers outside pods never match', () => {
  const p = loaded(policy('  podSelector:\n    matchLabels: {app: web}\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(p, c)), [true, false, false]);
  const ns = loaded(policy('  podSelector:\n    matchExpressions: [{key: "k8s:io.kubernetes.pod.namespace", operator: In, values: [shop]}, {key: tier, operator: DoesNotExist}]\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(ns, c)), [false, true, false]);
  const any = loaded(policy('  podSelector: {}\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(any, c)), [true, true, false]);
});

test('containerSelector: name and repo, in pods and (outside Kubernetes) in any runtime the agent knows; both selectors AND', () => {
  const byRepo = loaded(policy('  containerSelector:\n    matchExpressions: [{key: repo, operator: In, values: [saker.test/workload-a, docker.io/library/nginx]}]\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(byRepo, c)), [true, false, true]);
  const both = loaded(policy('  podSelector:\n    matchLabels: {app: db}\n  containerSelector:\n    matchLabels: {name: nginx}\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(both, c)), [false, false, false]);
  const notIn = loaded(policy('  containerSelector:\n    matchExpressions: [{key: name, operator: NotIn, values: [nginx]}]\n'));
  assert.deepEqual([web, db, runc].map((c) => policySelects(notIn, c)), [false, true, true]);
});

test('a namespaced policy applies to its namespace\'s pods only; a policy without selectors is not filtered', () => {
  const p = loaded(policy('', 'TracingPolicyNamespaced', 'shop'));
  assert.equal(selectsWorkloads(p), true);
  assert.deepEqual([web, { ...db, podNamespace: 'other' }, runc].map((c) => policySelects(p, c)), [true, false, false]);
  assert.equal(selectsWorkloads(loaded(policy(''))), false);
});

test('refused at load: containerSelector keys other than name and repo, a hostSelector other than {}', () => {
  const errors = (yaml: string) => load(yaml).file.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  assert.deepEqual(errors(policy('  containerSelector:\n    matchLabels: {image: nginx}\n')),
    ['6:26 spec.containerSelector.matchLabels.image: containerSelector key "image": a container is matched on name and repo (Tetragon\'s container fields)']);
  assert.match(errors(policy('  containerSelector:\n    matchExpressions: [{key: tag, operator: Exists}]\n')).join('\n'), /spec\.containerSelector\.matchExpressions\[0\]\.key: containerSelector key "tag"/);
  assert.deepEqual(errors(policy('  hostSelector: {}\n')), []);
  assert.match(errors(policy('  hostSelector:\n    matchLabels: {a: b}\n')).join('\n'), /spec\.hostSelector: hostSelector can only be null or \{\}/);
});

test('hostSelector {}: the hooks carry the host flag and the kernel gets the host\'s pid namespace; with a podSelector, both', () => {
  const hookOf = (yaml: string) => {
    const c = compilePolicies(load(yaml).loaded, { bank: 0, hostNs: (i) => 4026531800 + i });
    const line = c.commands.find((x) => x.startsWith('hook '))!;
    const b = Buffer.from(line.split(' ')[2]!, 'hex');
    return { host: b.readUInt32LE(OFF.hook.host), workload: b.readUInt32LE(OFF.hook.workload), pidns: c.commands.find((x) => x.startsWith('hostpidns ')) };
  };
  assert.deepEqual(hookOf(policy('  hostSelector: {}\n')), { host: 1, workload: 0, pidns: 'hostpidns 4026531803' });
  assert.deepEqual(hookOf(policy('  hostSelector: {}\n  podSelector: {}\n')), { host: 1, workload: 1, pidns: 'hostpidns 4026531803' });
  assert.deepEqual(hookOf(policy('')), { host: 0, workload: 0, pidns: undefined });
});
