// The deployment files: `kubectl kustomize` renders the DaemonSet base and the enforcement
// variant, every rendered object validates against the Kubernetes OpenAPI schemas shipped by the
// kubernetes-models package (generated from Kubernetes' own OpenAPI spec), and the DaemonSet is
// what the design asks (least privileges, HOST_ROOT mounts, probes, downward API); the config and
// local rules in the ConfigMaps load in Saker; the systemd unit passes systemd-analyze.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadLayeredConfig } from '../../src/config/index.js';
import { webserverSettings } from '../../src/server/index.js';
import { repoRoot, which } from './helpers/env.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
  data?: Record<string, string>;
}

function render(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', join(repoRoot, 'deploy', 'kubernetes', dir)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `kubectl kustomize ${dir}: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
}

/** Validates with the model class of the object's group, version and kind; throws on a violation. */
async function validate(o: K8sObject): Promise<void> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod = (await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`)) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = mod[o.kind];
  assert.ok(Model, `kubernetes-models knows ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

interface Container {
  name: string;
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  securityContext: { privileged: boolean; capabilities: { add: string[]; drop: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  livenessProbe: { httpGet: { path: string } };
  readinessProbe: { httpGet: { path: string } };
  startupProbe: { httpGet: { path: string } };
}
interface PodSpec {
  hostPID?: boolean;
  hostNetwork?: boolean;
  tolerations: Array<{ key?: string; effect?: string }>;
  containers: Container[];
  volumes: Array<{ name: string; hostPath?: { path: string }; configMap?: { name: string } }>;
}

function daemonSet(objs: K8sObject[]): { pod: PodSpec; c: Container } {
  const ds = objs.find((o) => o.kind === 'DaemonSet');
  assert.ok(ds, 'a DaemonSet is rendered');
  const pod = (ds.spec as { template: { spec: PodSpec } }).template.spec;
  return { pod, c: pod.containers[0]! };
}

const kubectlMissing = () => (which('kubectl') ? undefined : "needs kubectl (Debian's kubernetes-client; scripts/setup.sh installs it)");

test('kubectl kustomize renders the base; every object validates against the Kubernetes OpenAPI schemas', async (t) => {
  const missing = kubectlMissing();
  if (missing) return t.skip(missing);
  const objs = render('base');
  assert.deepEqual(objs.map((o) => o.kind).sort(), ['ConfigMap', 'ConfigMap', 'DaemonSet', 'Namespace', 'Service', 'ServiceAccount']);
  for (const o of objs) await validate(o);
  assert.ok(objs.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'saker'));
});

test('the validation bites: a DaemonSet whose container has no name, or a port that is not a number, is refused', async (t) => {
  const missing = kubectlMissing();
  if (missing) return t.skip(missing);
  const objs = render('base');
  const ds = structuredClone(objs.find((o) => o.kind === 'DaemonSet')!);
  const c = (ds.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!;
  delete c.name;
  await assert.rejects(validate(ds), /required property name/);
  const ds2 = structuredClone(objs.find((o) => o.kind === 'DaemonSet')!);
  const c2 = (ds2.spec as { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } }).template.spec.containers[0]!;
  c2.ports[0]!.containerPort = 'eighty';
  await assert.rejects(validate(ds2), /containerPort/);
});

test('the DaemonSet runs the agent with least privileges and the host under /host, as the design asks', (t) => {
  const missing = kubectlMissing();
  if (missing) return t.skip(missing);
  const { pod, c } = daemonSet(render('base'));
  assert.equal(pod.hostPID ?? false, false, 'no hostPID: the host is read through /host/proc');
  assert.equal(pod.hostNetwork ?? false, false);
  assert.equal(c.securityContext.privileged, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual([...c.securityContext.capabilities.add].sort(), ['BPF', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE']);
  const env = new Map(c.env.map((e) => [e.name, e]));
  assert.equal(env.get('HOST_ROOT')?.value, '/host');
  assert.equal(env.get('FALCO_HOSTNAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
  const mounts = new Map(c.volumeMounts.map((m) => [m.mountPath, m]));
  const hostPath = (mountPath: string) => pod.volumes.find((v) => v.name === mounts.get(mountPath)?.name)?.hostPath?.path;
  for (const [inPod, onHost] of [['/host/proc', '/proc'], ['/host/etc', '/etc'], ['/sys/kernel', '/sys/kernel'], ['/host/run/containerd', '/run/containerd']]) {
    assert.equal(hostPath(inPod!), onHost, `${onHost} mounted at ${inPod}`);
    assert.equal(mounts.get(inPod!)?.readOnly, true, `${inPod} read-only`);
  }
  assert.equal(hostPath('/var/lib/saker'), '/var/lib/saker', 'the state directory (disk spools) on the node, surviving a pod restart');
  assert.notEqual(mounts.get('/var/lib/saker')?.readOnly, true, 'the state directory is writable');
  for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.equal(p.httpGet.path, '/healthz');
  assert.ok(pod.tolerations.some((x) => x.key === 'node-role.kubernetes.io/control-plane'));
  assert.deepEqual(c.args, ['run', '-c', '/etc/saker/saker.yaml']);
  const cms = pod.volumes.filter((v) => v.configMap).map((v) => v.configMap!.name);
  assert.equal(cms.length, 2, 'configuration and local rules as ConfigMaps');
});

test('the enforcement variant adds KILL and NET_ADMIN, and only it', async (t) => {
  const missing = kubectlMissing();
  if (missing) return t.skip(missing);
  const objs = render('enforcement');
  for (const o of objs) await validate(o);
  const { c } = daemonSet(objs);
  assert.deepEqual([...c.securityContext.capabilities.add].sort(), ['BPF', 'KILL', 'NET_ADMIN', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE']);
  assert.equal(c.securityContext.privileged, false);
});

test("the ConfigMaps' configuration and local rules load in Saker", (t) => {
  const base = join(repoRoot, 'deploy', 'kubernetes', 'base');
  const l = loadLayeredConfig({ file: join(base, 'saker.yaml') });
  const ws = webserverSettings(l.config.raw, {});
  assert.deepEqual([ws.enabled, ws.listenAddress, ws.listenPort, ws.healthzEndpoint, ws.prometheusMetrics], [true, '0.0.0.0', 8765, '/healthz', true]);
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'saker.js'), 'validate', '-r', join(repoRoot, 'rules', 'saker_rules.yaml'), '-r', join(base, 'local_rules.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  if (!which('systemd-analyze')) return t.skip('systemd-analyze is not installed: the unit file is not checked');
  const v = spawnSync('systemd-analyze', ['verify', join(repoRoot, 'deploy', 'systemd', 'saker.service')], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr.trim(), '', 'systemd-analyze has no complaint');
});
