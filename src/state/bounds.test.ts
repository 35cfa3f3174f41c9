// Every table of the state is bounded, with a policy at the bound and a count of what it dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { EventView } from '../events/index.js';
import { ContainerRegistry } from './containers.js';
import { FdBudget } from './fd-budget.js';
import { NegativeCache } from './negative-cache.js';
import { PPM_O } from './ppm.js';
import { StateParser } from './state-parser.js';
import { ProcessState, Thread, ThreadTable } from './threads.js';
import { FdState } from './fds.js';

const view = new EventView();
function ev(tid: number, name: string, params: ParamValue[]): EventView {
  return view.reset(encodeEvent({ ts: 1_000n, tid, type: eventCode(name), params }), 0, 1);
}

test('fds over all processes are bounded, the drops counted, and room comes back after closes', () => {
  const threads = new ThreadTable();
  const p = new StateParser({ threads, maxFdsTotal: 5000 });
  // 4 processes, each opening 2000 fds: 8000 asked, 5000 (to within a recount) allowed.
  for (let pid = 100; pid < 104; pid++) {
    for (let fd = 3; fd < 2003; fd++) p.process(ev(pid, 'openat', [fd, -100, `/tmp/f${fd}`, PPM_O.RDONLY, 0, 0, 0]));
  }
  let held = 0;
  for (const t of threads.threads.values()) held += t.shared.fds.size;
  assert.ok(held <= 5000 + 4096, `${held} fds held`);
  assert.ok(p.fdBudget.dropped >= 8000 - 5000 - 4096, `${p.fdBudget.dropped} dropped`);
  assert.ok(p.fdBudget.dropped > 0);
});

test('FdBudget recounts rather than walking the tables on every add at the bound', () => {
  const threads = new Map<number, Thread>();
  const g = new ProcessState(1);
  threads.set(1, new Thread(1, g));
  threads.set(2, new Thread(2, g)); // a second thread of the same process: its table counted once
  for (let i = 0; i < 10; i++) g.fds.set(i, new FdState('file'));
  const b = new FdBudget(threads, 10, 100);
  b.recount();
  assert.equal(b.allowAdd(), false);
  g.fds.clear();
  for (let i = 0; i < 98; i++) b.allowAdd(); // 99 calls in all: no recount yet
  assert.equal(b.dropped, 99);
  assert.equal(b.allowAdd(), true, 'the 100th call recounts: the closes made room');
});

test('untracked threads are not looked up in /proc on each of their events', () => {
  let reads = 0;
  const threads = new ThreadTable({ maxThreads: 2 });
  const p = new StateParser({ threads, readThread: () => (reads++, undefined) });
  p.process(ev(1, 'close', [0, 5]));
  p.process(ev(2, 'close', [0, 5]));
  const before = reads;
  for (let i = 0; i < 1000; i++) p.process(ev(3, 'close', [0, 5])); // the table is full: 3 cannot be tracked
  assert.equal(reads - before, 1, 'one /proc read, then the negative cache');
  assert.ok(p.untracked.hits >= 999);
  assert.ok(threads.droppedFull >= 1);
});

test('NegativeCache expires and is bounded', () => {
  let now = 0;
  const c = new NegativeCache(3, 100, () => now);
  for (const t of [1, 2, 3, 4]) c.add(t);
  assert.equal(c.size, 3);
  assert.equal(c.evicted, 1);
  assert.equal(c.has(1), false);
  assert.equal(c.has(4), true);
  now = 100;
  assert.equal(c.has(4), false, 'expired');
});

test('containers: the table, the lookup queue and the users that go with an evicted container', async () => {
  const removed: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reg = new ContainerRegistry({
    maxContainers: 3, maxQueue: 2, concurrency: 1,
    lookup: async () => (await gate, undefined), attempts: 1,
    onRemove: (id) => removed.push(id),
  });
  for (let i = 0; i < 6; i++) {
    const t = new Thread(1000 + i);
    const id = (0xabc000000000 + i).toString(16);
    t.cgroups = [`cpu=/docker/${id}${'0'.repeat(52)}`];
    reg.resolve(t);
    assert.equal(t.containerId, id);
  }
  assert.equal(reg.sizes.containers, 3);
  assert.equal(reg.stats.evicted, 3);
  assert.deepEqual(removed.length, 3, 'onRemove for each evicted container (their users are dropped)');
  assert.ok(reg.sizes.queued <= 2);
  assert.ok(reg.stats.dropped >= 1);
  release();
  reg.close();
});
