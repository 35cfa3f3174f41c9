import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, EventView, type ParamValue } from '../events/index.js';
import { loadRulesFiles } from '../rules/index.js';
import { testState, thread } from '../filter/test-support.js';
import type { EventContext } from '../state/index.js';
import { Engine } from './engine.js';
import { warmEventPath } from './event-path-warm-up.js';
import { DEFAULT_RULES_FILE } from './rules-files.js';

const O_RDONLY = 1;
const O_WRONLY_CREAT = 2 | 4; // PPM_O_WRONLY | PPM_O_CREAT

async function builtIn() {
  const loaded = await loadRulesFiles<EventContext>([DEFAULT_RULES_FILE]);
  assert.ok(loaded.successful);
  return loaded.ruleset;
}

/** The alerts (rule and output) `ruleset` raises on a stream of opens, in order. */
function alertsOf(ruleset: Awaited<ReturnType<typeof builtIn>>): string[] {
  const state = testState(
    thread({ tid: 1, ptid: 0, comm: 'systemd' }),
    thread({ tid: 300, ptid: 1, comm: 'cat', exe: 'cat', exepath: '/usr/bin/cat', args: ['/etc/shadow'] }),
    thread({ tid: 400, ptid: 1, comm: 'sshd', exe: 'sshd', exepath: '/usr/sbin/sshd' }),
    thread({ tid: 500, ptid: 1, comm: 'vi', exe: 'vi', exepath: '/usr/bin/vi', args: ['/etc/motd'] }),
  );
  const alerts: string[] = [];
  const engine = new Engine(ruleset, state, (a) => alerts.push(`${a.rule}: ${a.output.replace(/^[\d:.]+: \w+ /, '').replace(/ cmdline=.*/, '')}`), { isoTime: false, hostname: 'test' });
  const view = new EventView();
  // a trusted program first: the warm-up's (bash) answers to the trust lists are the others'
  const opens: Array<[number, string, number]> = [
    [400, '/etc/shadow', O_RDONLY], [300, '/etc/shadow', O_RDONLY], [400, '/root/.ssh/id_rsa', O_RDONLY], [300, '/root/.ssh/id_rsa', O_RDONLY],
    [500, '/etc/motd', O_WRONLY_CREAT], [300, '/etc/hosts', O_RDONLY], [500, '/tmp/x', O_WRONLY_CREAT],
  ];
  let n = 0;
  for (let round = 0; round < 2; round++) {
    for (const [tid, path, flags] of opens) {
      const params: ParamValue[] = [3, -100, path, flags, 0o644, 0xfd01, 1000 + n];
      engine.process(view.reset(encodeEvent({ ts: BigInt(++n), tid, type: eventCode('openat'), params }), 0, n));
      engine.process(view.reset(encodeEvent({ ts: BigInt(++n), tid, type: eventCode('close'), params: [0, 3] }), 0, n));
    }
  }
  return alerts;
}

test('the warm-up runs every syscall it names through the state and the rules, and the rules it ran raise what fresh ones raise', async () => {
  const warmed = await builtIn();
  const done = warmEventPath(warmed);
  assert.ok(done.events >= 80, `${done.events} events`);
  assert.equal(done.refused, 0);
  const expected = [
    'Read of sensitive file: Sensitive file opened for reading (file=/etc/shadow user=root process=cat',
    'Read of SSH private key: SSH private key read (file=/root/.ssh/id_rsa user=root process=cat',
    'Write below etc: File below /etc opened for writing (file=/etc/motd process=vi',
  ];
  assert.deepEqual(alertsOf(await builtIn()), [...expected, ...expected]);
  assert.deepEqual(alertsOf(warmed), [...expected, ...expected]);
});
