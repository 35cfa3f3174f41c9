import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runcStateLookup } from './runc.js';

const ID = '3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e';

test("runc's state file leads to the bundle's spec; ids that are no runc id are not looked up", () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-runc-state-'));
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(join(dir, 'root', ID), { recursive: true });
    mkdirSync(bundle);
    writeFileSync(join(dir, 'root', ID, 'state.json'), JSON.stringify({ id: ID, config: { labels: [`bundle=${bundle}`] } }));
    // Privileged as containerd's WithPrivileged makes it: no masked or read-only paths; no pid namespace: the host's.
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({
      process: { user: { uid: 0 } }, linux: { namespaces: [{ type: 'mount' }, { type: 'network' }] }, mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
      annotations: { 'org.opencontainers.image.ref.name': 'registry.local:5000/app:1.0' },
    }));
    const quick = runcStateLookup([join(dir, 'missing'), join(dir, 'root')]);
    const info = quick({ id: ID.slice(0, 12), fullId: ID, type: 'runc' })!;
    assert.equal(info.type, 'runc');
    assert.equal(info.name, ID.slice(0, 12));
    assert.equal(info.privileged, true);
    assert.equal(info.imageRepository, 'registry.local:5000/app');
    assert.equal(info.imageTag, '1.0');
    assert.equal(info.hostPid, true);
    assert.equal(info.hostNetwork, false);
    assert.equal(info.hostIpc, true);
    assert.deepEqual(info.mounts?.map((m) => m.dest), ['/proc']);
    assert.equal(quick({ id: 'other', fullId: 'other', type: 'runc' }), undefined, 'no state file');
    assert.equal(quick({ id: '..', fullId: '..', type: 'runc' }), undefined, 'not a runc id');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
