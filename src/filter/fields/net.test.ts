import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameOfAddress, parseHostsFile, startNameResolution, stopNameResolution, watchedHostNames, watchHostName } from './net.js';
import { compileFilter } from '../condition-compiler.js';
import { parseCondition } from '../condition-parser.js';
import { contextFor, testState, thread } from '../test-support.js';

test('/etc/hosts lines: addresses per name, comments and blank lines skipped, names case-folded', () => {
  const h = parseHostsFile('# comment\n127.0.0.1 localhost\n\n198.51.100.9  Api.Saker.test  api # alias\n::1 localhost ip6-localhost\n');
  assert.deepEqual(h.get('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(h.get('api.saker.test'), ['198.51.100.9']);
  assert.deepEqual(h.get('api'), ['198.51.100.9']);
  assert.equal(h.get('comment'), undefined);
});

test('names resolve from the hosts file; stopping cancels the DNS queries under way', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-hosts-'));
  try {
    writeFileSync(join(dir, 'hosts'), '198.51.100.9 api.saker.test\n');
    watchHostName('api.saker.test');
    // DNS goes to a loopback port where nothing answers: only the hosts file can resolve.
    startNameResolution({ hostsFile: join(dir, 'hosts'), servers: ['127.0.0.1:9'] });
    assert.equal(nameOfAddress('198.51.100.9'), 'api.saker.test');
    watchHostName('later.saker.test');
    const t0 = Date.now();
    stopNameResolution();
    // Nothing keeps the event loop: a pending query would hold this test until it times out.
    await new Promise((r) => setImmediate(r));
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(nameOfAddress('198.51.100.9'), 'api.saker.test', 'what was resolved stays known');
  } finally {
    stopNameResolution();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an fd.sip.name comparison asks for its names on first use, not when compiled', () => {
  const f = compileFilter(parseCondition('evt.type = connect and fd.sip.name in (first-use.saker.test, other.saker.test)'));
  assert.equal(watchedHostNames().has('first-use.saker.test'), false, 'compiling resolves nothing');
  const state = testState(thread({ tid: 7, comm: 'curl' }));
  assert.equal(f(contextFor(state, 'close', 7, [0, 3])), false);
  assert.equal(watchedHostNames().has('first-use.saker.test'), false, 'an event stopped before the comparison resolves nothing');
  assert.equal(f(contextFor(state, 'connect', 7, [0, null, 3, null])), false);
  assert.ok(watchedHostNames().has('first-use.saker.test') && watchedHostNames().has('other.saker.test'));
});
