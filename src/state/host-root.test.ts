import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPaths } from './host-root.js';

test('HOST_ROOT prefixes /proc, /etc and the runtime sockets', () => {
  assert.deepEqual(hostPaths({ HOST_ROOT: '/host/' }), {
    hostRoot: '/host', procRoot: '/host/proc', etcRoot: '/host', containerdSocket: '/host/run/containerd/containerd.sock',
    containerdState: '/host/run/containerd', runcRoots: ['/host/run/runc'],
  });
  assert.equal(hostPaths({}).procRoot, '/proc');
  assert.equal(hostPaths({}).etcRoot, '/');
});
