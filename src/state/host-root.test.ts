import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { hostPaths, hostPidOf } from './host-root.js';

test('HOST_ROOT prefixes /proc, /etc and the runtime sockets', () => {
  assert.deepEqual(hostPaths({ HOST_ROOT: '/host/' }), {
    hostRoot: '/host', procRoot: '/host/proc', etcRoot: '/host', containerdSocket: '/host/run/containerd/containerd.sock',
    containerdState: '/host/run/containerd', runcRoots: ['/host/run/runc'],
  });
  assert.equal(hostPaths({}).procRoot, '/proc');
  assert.equal(hostPaths({}).etcRoot, '/');
});

test('hostPidOf: in the host pid namespace a pid is its own host pid', () => {
  assert.equal(hostPidOf(process.pid, '/proc'), process.pid);
});

test('hostPidOf: a process in a new pid namespace is found by its namespace pid', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to make a pid namespace (unshare)');
    return;
  }
  // `unshare --pid --fork --mount-proc` runs sleep as pid 1 of a new pid namespace.
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sleep', '30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 300));
  const { execFileSync } = await import('node:child_process');
  const sleeper = Number(execFileSync('pgrep', ['-P', String(child.pid), 'sleep'], { encoding: 'utf8' }).trim());
  assert.ok(sleeper > 1);
  // As the sleeper would ask: its pid 1 in its namespace maps back to its host pid.
  assert.equal(hostPidOf(1, '/proc', `/proc/${sleeper}/ns/pid`), sleeper);
});
