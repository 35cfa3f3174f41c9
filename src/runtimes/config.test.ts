import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimesConfig, RuntimesConfigError } from './config.js';
import { applyOverride } from '../config/index.js';

test('defaults: the container plugin sockets, every engine on', () => {
  const c = runtimesConfig({}, {});
  assert.deepEqual(c.engines.docker, { enabled: true, sockets: ['/var/run/docker.sock'] });
  assert.ok(c.engines.podman.sockets.includes('/run/podman/podman.sock'));
  assert.deepEqual(c.engines.cri.sockets, ['/run/containerd/containerd.sock', '/run/crio/crio.sock', '/run/k3s/containerd/containerd.sock', '/run/host-containerd/containerd.sock']);
  assert.ok(c.engines.containerd.sockets.includes('/run/host-containerd/containerd.sock'));
  assert.equal(c.engineTimeoutMs, 10_000);
  assert.equal(c.labelMaxLen, 100);
  assert.deepEqual(c.hooks, ['create']);
});

test('HOST_ROOT prefixes every socket', () => {
  const c = runtimesConfig({}, { HOST_ROOT: '/host/' });
  assert.deepEqual(c.engines.docker.sockets, ['/host/var/run/docker.sock']);
  assert.ok(c.engines.cri.sockets.every((s) => s.startsWith('/host/run/')));
  assert.deepEqual(c.runcRoots, ['/host/run/runc']);
});

test("the plugin's init_config in falco.yaml and Saker's container key, set with -o", () => {
  const falco = { plugins: [{ name: 'json' }, { name: 'container', init_config: { engines: { docker: { enabled: false }, cri: { sockets: ['/run/x.sock'] } }, engine_timeout: 2 } }] };
  const c = runtimesConfig(falco, {});
  assert.equal(c.engines.docker.enabled, false);
  assert.deepEqual(c.engines.cri.sockets, ['/run/x.sock']);
  assert.equal(c.engineTimeoutMs, 2000);
  const raw: Record<string, unknown> = {};
  applyOverride(raw, 'container.engines.podman.sockets[]=/tmp/p.sock');
  applyOverride(raw, 'container.engines.containerd.enabled=false');
  const o = runtimesConfig(raw, {});
  assert.deepEqual(o.engines.podman.sockets, ['/tmp/p.sock']);
  assert.equal(o.engines.containerd.enabled, false);
});

test('bad values name the key', () => {
  assert.throws(() => runtimesConfig({ container: { engines: { docker: { sockets: 'x' } } } }, {}), (e: Error) =>
    e instanceof RuntimesConfigError && /container\.engines\.docker\.sockets/.test(e.message));
  assert.throws(() => runtimesConfig({ plugins: [{ name: 'container', init_config: { engine_timeout: 'soon' } }] }, {}), /plugins\[0\]\.init_config\.engine_timeout/);
  assert.throws(() => runtimesConfig({ container: { hooks: ['exit'] } }, {}), /hooks/);
});
