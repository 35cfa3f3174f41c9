import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostNames, parseHostsFile } from './host-names.js';

test('/etc/hosts lines: addresses per name, comments and blank lines skipped, names case-folded', () => {
  const h = parseHostsFile('# comment\n127.0.0.1 localhost\n\n198.51.100.9  Api.Saker.test  api # alias\n::1 localhost ip6-localhost\n');
  assert.deepEqual(h.get('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(h.get('api.saker.test'), ['198.51.100.9']);
  assert.deepEqual(h.get('api'), ['198.51.100.9']);
  assert.equal(h.get('comment'), undefined);
});

test('names resolve from the hosts file; stopping cancels the DNS queries under way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-hosts-'));
  const names = new HostNames();
  try {
    writeFileSync(join(dir, 'hosts'), '198.51.100.9 api.saker.test\n');
    names.watch('api.saker.test');
    // DNS goes to a loopback port where nothing answers: only the hosts file can resolve.
    names.start({ hostsFile: join(dir, 'hosts'), servers: ['127.0.0.1:9'] });
    assert.equal(names.nameOf('198.51.100.9'), 'api.saker.test');
    names.watch('later.saker.test');
    const t0 = Date.now();
    names.stop();
    // Nothing keeps the event loop: a pending query would hold this test until it times out.
    await new Promise((r) => setImmediate(r));
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(names.nameOf('198.51.100.9'), 'api.saker.test', 'what was resolved stays known');
  } finally {
    names.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two instances watch and resolve their own names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-hosts-'));
  const a = new HostNames();
  const b = new HostNames();
  try {
    writeFileSync(join(dir, 'hosts'), '198.51.100.9 a.saker.test\n198.51.100.10 b.saker.test\n');
    a.watch('a.saker.test');
    b.watch('b.saker.test');
    a.start({ hostsFile: join(dir, 'hosts'), servers: ['127.0.0.1:9'] });
    assert.equal(a.nameOf('198.51.100.9'), 'a.saker.test');
    assert.equal(a.nameOf('198.51.100.10'), undefined, 'a did not watch b.saker.test');
    assert.equal(b.nameOf('198.51.100.10'), undefined, 'b resolves nothing until started');
    assert.deepEqual([...b.watched], ['b.saker.test']);
  } finally {
    a.stop();
    b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
