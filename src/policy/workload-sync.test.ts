// The workloads the sensor gets: a selected container's mount namespace, never the host's.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TracingPolicy } from './types.js';
import { WorkloadSync } from './workload-sync.js';
import type { WorkloadView } from './workloads.js';

const policy = { kind: 'TracingPolicy', metadata: { name: 'p' }, spec: { containerSelector: { matchLabels: { repo: 'saker.test/a' } } } } as unknown as TracingPolicy;
const container: WorkloadView = { name: 'c', imageRepository: 'saker.test/a', labels: {}, podName: '', podNamespace: '' };

test('a container process still in the host\'s mount namespace (runc exec\'s init) does not send the host\'s; the next one in the container\'s does', async () => {
  const root = mkdtempSync(join(tmpdir(), 'saker-wsync-'));
  try {
    const proc = (pid: number, ns: number) => {
      mkdirSync(join(root, String(pid), 'ns'), { recursive: true });
      symlinkSync(`mnt:[${ns}]`, join(root, String(pid), 'ns', 'mnt'));
    };
    proc(1, 4026531841);
    proc(10, 4026531841);
    const sent: Array<readonly [number, number]> = [];
    const sync = new WorkloadSync({ thread: (tid) => (tid === 10 || tid === 11 ? { containerId: 'abc' } : { containerId: '' }), container: () => container },
      { workloads: (_clear, add) => { sent.push(...add); return Promise.resolve(); } }, root);
    await sync.reset([{ slot: 3, policy }], []);
    await sync.observe(10);
    assert.deepEqual(sent, [], 'the host\'s mount namespace is never a container\'s');
    proc(11, 4026532500);
    await sync.observe(11);
    assert.deepEqual(sent, [[3, 4026532500]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
