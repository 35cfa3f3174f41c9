import { test } from 'node:test';
import assert from 'node:assert/strict';
import { infoFromDockerInspect } from './docker.js';

const ID = '3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e';
const IMG = `sha256:${'c'.repeat(64)}`;
const DIGEST = `sha256:${'d'.repeat(64)}`;

test('docker inspect: name, image parts with a registry port, privilege, mounts, ip, host namespaces, healthcheck', () => {
  const info = infoFromDockerInspect({
    Id: ID, Name: '/web', Image: IMG,
    Config: { Image: 'registry.local:5000/team/web:2.1', Labels: { app: 'web' }, Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/'] } },
    HostConfig: { Privileged: true, PidMode: 'host', NetworkMode: 'bridge', IpcMode: 'private' },
    NetworkSettings: { IPAddress: '', Networks: { bridge: { IPAddress: '172.17.0.2' } } },
    Mounts: [{ Source: '/srv', Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' }],
  }, 'docker', 100, `registry.local:5000/team/web@${DIGEST}`);
  assert.equal(info.fullId, ID);
  assert.equal(info.name, 'web');
  assert.equal(info.image, 'registry.local:5000/team/web:2.1');
  assert.equal(info.imageRepository, 'registry.local:5000/team/web');
  assert.equal(info.imageTag, '2.1');
  assert.equal(info.imageDigest, DIGEST);
  assert.equal(info.imageId, 'c'.repeat(64));
  assert.equal(info.privileged, true);
  assert.deepEqual(info.mounts, [{ source: '/srv', dest: '/data', mode: 'ro', rdwr: false, propagation: 'rprivate' }]);
  assert.equal(info.ip, '172.17.0.2');
  assert.deepEqual([info.hostPid, info.hostNetwork, info.hostIpc], [true, false, false]);
  assert.equal(info.healthcheck, 'curl -f http://localhost/');
  assert.deepEqual(info.labels, { app: 'web' });
  const plain = infoFromDockerInspect({ Id: ID, Name: '/p', Config: { Image: 'busybox', Labels: null, Healthcheck: { Test: ['NONE'] } } }, 'podman', 100);
  assert.equal(plain.type, 'podman');
  assert.equal(plain.privileged, false);
  assert.equal(plain.imageTag, '');
  assert.equal(plain.healthcheck, undefined);
});
