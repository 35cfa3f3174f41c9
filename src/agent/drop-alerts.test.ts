import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../metrics/index.js';
import type { Alert } from '../outputs/index.js';
import { DROP_RULE, DropMonitor, dropSettings, TokenBucket } from './drop-alerts.js';

function counters() {
  const c = { evts: 0, drops: 0, open: 0, execve: 0 };
  const m = new Metrics();
  m.counter({ name: 'falcosecurity_scap_n_evts_total', help: 'x', read: () => c.evts });
  m.counter({ name: 'falcosecurity_scap_n_drops_total', help: 'x', read: () => c.drops });
  m.counter<'drop' | 'dir'>({ name: 'falcosecurity_scap_n_drops_buffer_total', help: 'x', labelNames: ['drop', 'dir'], read: () => [{ labels: { drop: 'open', dir: 'exit' }, value: c.open }, { labels: { drop: 'execve', dir: 'exit' }, value: c.execve }] });
  return { c, m };
}

test('drops over the threshold raise "Falco internal: syscall event drop" with the n_* fields, within the token bucket', async () => {
  const { c, m } = counters();
  let now = 0;
  const alerts: Alert[] = [];
  const logs: string[] = [];
  const exits: string[] = [];
  const mon = new DropMonitor(dropSettings({ syscall_event_drops: { actions: ['log', 'alert', 'exit'], rate: 1, max_burst: 1 } }), {
    metrics: m, hostname: () => 'node-1', log: (l) => logs.push(l), raise: (a) => alerts.push(a), exit: (r) => exits.push(r), now: () => now,
  });
  await mon.check(); // the first reading is the baseline
  c.evts = 1000; c.drops = 50; c.open = 40; c.execve = 10; // 5 %: under the 10 % threshold
  now = 1000;
  assert.equal(await mon.check(), undefined);
  c.evts = 2000; c.drops = 350; c.open = 300; c.execve = 60; // 300 of 1000
  now = 2000;
  const a = await mon.check();
  assert.ok(a);
  assert.equal(a.rule, DROP_RULE);
  assert.equal(a.source, 'internal');
  assert.equal(a.priorityName, 'Debug');
  assert.equal(a.message, 'Falco internal: syscall event drop. 300 system calls dropped in last second.');
  assert.equal(a.outputFields.n_evts, '1000');
  assert.equal(a.outputFields.n_drops, '300');
  assert.equal(a.outputFields.n_drops_buffer_open_exit, '260');
  assert.equal(a.outputFields.n_drops_buffer_execve_exit, '50');
  assert.equal(a.outputFields.n_drops_buffer_total, '310');
  assert.match(a.output, /: Debug Falco internal: syscall event drop\. 300 system calls dropped in last second\.$/);
  assert.deepEqual(logs, [a.message]);
  assert.equal(exits.length, 1);
  c.evts = 3000; c.drops = 700; // the bucket is empty half a second later
  now = 2500;
  assert.equal(await mon.check(), undefined);
  assert.equal(mon.detected, 2);
  assert.equal(mon.acted, 1);
});

test('settings: Falco defaults and errors naming the key', () => {
  assert.deepEqual(dropSettings({}), { threshold: 0.1, actions: ['log', 'alert'], rate: 0.03333, maxBurst: 1, simulateDrops: false });
  assert.throws(() => dropSettings({ syscall_event_drops: { actions: ['shout'] } }), /syscall_event_drops\.actions/);
  assert.throws(() => dropSettings({ syscall_event_drops: { threshold: 2 } }), /syscall_event_drops\.threshold/);
  const b = new TokenBucket(0.5, 2, 0);
  assert.deepEqual([b.claim(0), b.claim(0), b.claim(0), b.claim(2000)], [true, true, false, true]);
});
