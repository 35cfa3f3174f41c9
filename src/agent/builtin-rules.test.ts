// Saker's built-in rules (rules/saker_rules.yaml) on events run through the real state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventCode } from '../events/encode.js';
import { loadRulesFiles } from '../rules/index.js';
import { contextFor, testState, thread } from '../filter/test-support.js';
import type { EventContext } from '../state/types.js';
import { DEFAULT_RULES_FILE } from './rules-files.js';

const CONTAINER = 'c0ffee00'.repeat(8);
const inContainer = { cgroups: [`cpu=/${CONTAINER}`, `memory=/${CONTAINER}`] };
const CLONE_NEWNET = 1 << 4;
const CLONE_NEWUSER = 1 << 20;

async function builtin() {
  const loaded = await loadRulesFiles<EventContext>([DEFAULT_RULES_FILE], { ruleMatching: 'all' });
  assert.ok(loaded.successful);
  return loaded.ruleset;
}

function matches(ruleset: Awaited<ReturnType<typeof builtin>>, name: string, ctx: EventContext): string[] {
  const hits: string[] = [];
  ruleset.evaluate(eventCode(name), ctx, (r) => hits.push(r.name));
  return hits;
}

test("a container runtime's own set-up (runc init stages) is not a namespace change or mount alert", async () => {
  const ruleset = await builtin();
  const state = testState(
    thread({ tid: 10, comm: 'runc:[0:PARENT]', exe: '/proc/self/exe', ...inContainer }),
    thread({ tid: 11, comm: 'runc:[1:CHILD]', exe: '/proc/self/exe', ...inContainer }),
    thread({ tid: 12, comm: 'unshare', exe: '/bin/unshare', ...inContainer }),
    thread({ tid: 13, comm: 'mount', exe: '/bin/mount', ...inContainer }),
  );
  assert.deepEqual(matches(ruleset, 'unshare', contextFor(state, 'unshare', 10, [0, CLONE_NEWNET])), []);
  assert.deepEqual(matches(ruleset, 'setns', contextFor(state, 'setns', 10, [0, -1, CLONE_NEWNET])), []);
  assert.deepEqual(matches(ruleset, 'mount', contextFor(state, 'mount', 11, [0, 'proc', '/proc', 'proc', 0])), []);
  assert.deepEqual(matches(ruleset, 'unshare', contextFor(state, 'unshare', 12, [0, CLONE_NEWUSER])), ['Namespace change in a container']);
  assert.deepEqual(matches(ruleset, 'mount', contextFor(state, 'mount', 13, [0, 'tmpfs', '/mnt', 'tmpfs', 0])), ['Mount in a container']);
});
