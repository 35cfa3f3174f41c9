import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../condition-compiler.js';
import { parseCondition } from '../condition-parser.js';
import { contextFor, testState, thread } from '../test-support.js';

test('an fd.sip.name comparison asks for its names on first use, not when compiled', () => {
  const f = compileFilter(parseCondition('evt.type = connect and fd.sip.name in (first-use.saker.test, other.saker.test)'));
  const state = testState(thread({ tid: 7, comm: 'curl' }));
  const watchedHostNames = () => state.hostNames.watched;
  assert.equal(watchedHostNames().has('first-use.saker.test'), false, 'compiling resolves nothing');
  assert.equal(f(contextFor(state, 'close', 7, [0, 3])), false);
  assert.equal(watchedHostNames().has('first-use.saker.test'), false, 'an event stopped before the comparison resolves nothing');
  assert.equal(f(contextFor(state, 'connect', 7, [0, null, 3, null])), false);
  assert.ok(watchedHostNames().has('first-use.saker.test') && watchedHostNames().has('other.saker.test'));
});
