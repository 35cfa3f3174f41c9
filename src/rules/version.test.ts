import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_VERSION, formatVersion, isCompatible, parseVersion } from './version.js';

test('versions parse like sscanf("%u.%u.%u")', () => {
  assert.deepEqual(parseVersion('0.57.0'), { major: 0, minor: 57, patch: 0 });
  assert.deepEqual(parseVersion(' 1. 2.3-rc1'), { major: 1, minor: 2, patch: 3 });
  assert.deepEqual(parseVersion('-1.0.0'), { major: 4294967295, minor: 0, patch: 0 });
  for (const bad of ['seven', '1.2', 'not-a-number', '1..2', 'v1.2.3']) assert.equal(parseVersion(bad), undefined, bad);
});

test('compatibility: same major, engine not older', () => {
  assert.equal(formatVersion(ENGINE_VERSION), '0.63.0');
  assert.ok(isCompatible(ENGINE_VERSION, parseVersion('0.57.0')!));
  assert.ok(isCompatible(ENGINE_VERSION, parseVersion('0.63.0')!));
  assert.ok(!isCompatible(ENGINE_VERSION, parseVersion('0.63.1')!));
  assert.ok(!isCompatible(ENGINE_VERSION, parseVersion('1.0.0')!));
  assert.ok(!isCompatible({ major: 1, minor: 0, patch: 0 }, parseVersion('0.1.0')!));
});
