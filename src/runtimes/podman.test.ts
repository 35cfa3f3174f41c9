import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podmanDiskLookup } from './podman.js';

const ID = 'b5ae92be675dfec18160e7ab5a3e0e4286798052e67fe99fa203eb9183aebc43';
const IMAGE_ID = 'fba46763d117a03d9e4a85fd8b44b55b21e50cfc8a3c5f061f40ba56184dcbb3';

/** runc's state and podman's storage laid out as podman 4 with runc writes them. */
function layout(dir: string, privileged: string, withStorage = true): void {
  const bundle = join(dir, 'graph', 'overlay-containers', ID, 'userdata');
  mkdirSync(join(dir, 'runc', ID), { recursive: true });
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(dir, 'runc', ID, 'state.json'), JSON.stringify({ id: ID, config: { labels: ['io.container.manager=libpod', `bundle=${bundle}`] } }));
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({
    process: {}, linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] }, annotations: { 'io.podman.annotations.privileged': privileged },
  }));
  if (withStorage) {
    writeFileSync(join(dir, 'graph', 'overlay-containers', 'containers.json'), JSON.stringify([
      { id: 'other', names: ['x'], metadata: '{}' },
      { id: ID, names: ['plain1'], metadata: JSON.stringify({ 'image-name': 'saker.test:5000/e2e/busybox:1.0', 'image-id': IMAGE_ID, name: 'plain1' }) },
    ]));
  }
}

test("podman's container is described from runc's state, its bundle and containers/storage's record, provisionally", () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-podman-disk-'));
  try {
    layout(dir, 'TRUE');
    const quick = podmanDiskLookup([join(dir, 'missing'), join(dir, 'runc')]);
    const info = quick({ id: ID.slice(0, 12), fullId: ID, type: 'podman' })!;
    assert.equal(info.provisional, true, "podman's API still completes it (labels, digest, ip)");
    assert.equal(info.name, 'plain1');
    assert.equal(info.type, 'podman');
    assert.equal(info.imageRepository, 'saker.test:5000/e2e/busybox');
    assert.equal(info.imageTag, '1.0');
    assert.equal(info.imageId, IMAGE_ID);
    assert.equal(info.privileged, true, "podman's annotation");
    assert.equal(info.hostPid, false);
    assert.equal(info.hostNetwork, true);
    assert.equal(info.labels, undefined, 'labels are not on disk: left for the API');
    layout(dir, 'FALSE');
    assert.equal(quick({ id: ID.slice(0, 12), fullId: ID, type: 'podman' })!.privileged, false);
    assert.equal(quick({ id: 'other', fullId: 'f'.repeat(64), type: 'podman' }), undefined, 'no runc state yet');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bundle outside podman storage (no containers.json record) is not described', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-podman-disk-'));
  try {
    layout(dir, 'FALSE', false);
    assert.equal(podmanDiskLookup([join(dir, 'runc')])({ id: ID.slice(0, 12), fullId: ID, type: 'podman' }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
