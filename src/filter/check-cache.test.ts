import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckCache } from './check-cache.js';
import { compileFilter } from './compiler.js';
import { parseCondition } from './parser.js';
import { contextFor, testState, thread } from './test-support.js';
import type { EventContext } from '../state/types.js';

const state = testState(
  thread({ tid: 1, ptid: 0, comm: 'systemd' }),
  thread({ tid: 300, ptid: 1, comm: 'cat', exe: 'cat', exepath: '/usr/bin/cat' }),
  thread({ tid: 400, ptid: 1, comm: 'vi', exe: 'vi', exepath: '/usr/bin/vi' }),
);
const open = (tid: number, path: string): EventContext => contextFor(state, 'openat', tid, [3, -100, path, 1, 0, 0, 42]);

test('a check shared by two filters runs once per event', () => {
  const cache = new CheckCache();
  let runs = 0;
  const check = (ctx: EventContext): boolean => {
    runs++;
    return ctx.thread?.comm === 'cat';
  };
  const a = cache.share('proc.name = cat', check);
  const b = cache.share('proc.name = cat', check);
  let ctx = open(300, '/etc/hosts');
  assert.equal(a(ctx), true);
  assert.equal(b(ctx), true);
  assert.equal(runs, 1);
  ctx = open(400, '/etc/hosts'); // the next event: evaluated again, not answered from the cache
  assert.equal(b(ctx), false);
  assert.equal(a(ctx), false);
  assert.equal(runs, 2);
  assert.deepEqual(cache.stats, { checks: 1, shared: 1 });
});

test('a check only one filter uses is not cached', () => {
  const cache = new CheckCache();
  let runs = 0;
  const only = cache.share('fd.num >= 0', () => (runs++, true));
  const ctx = open(300, '/etc/hosts');
  only(ctx);
  only(ctx);
  assert.equal(runs, 2);
  assert.deepEqual(cache.stats, { checks: 1, shared: 0 });
});

test('filters compiled with one cache agree with filters compiled without, event after event', () => {
  const conditions = [
    'evt.type = openat and fd.name startswith /etc/ and proc.name = cat',
    'evt.type = openat and fd.name startswith /etc/ and not proc.name = cat',
    'fd.name startswith /etc/ or fd.filename = x',
    'proc.name = cat and fd.filename = x',
  ];
  const cache = new CheckCache();
  const withCache = conditions.map((c) => compileFilter(parseCondition(c), { checks: cache }));
  const without = conditions.map((c) => compileFilter(parseCondition(c)));
  assert.ok(cache.stats.shared >= 2, 'fd.name startswith /etc/ and proc.name = cat are shared');
  const events: Array<[number, string]> = [[300, '/etc/hosts'], [400, '/etc/hosts'], [300, '/tmp/x'], [400, '/tmp/x'], [300, '/etc/shadow']];
  for (const [tid, path] of events) {
    const ctx = open(tid, path);
    const got = withCache.map((f) => f(ctx));
    assert.deepEqual(got, without.map((f) => f(ctx)), `${tid} ${path}`);
  }
  // and the expected truth values, so both cannot be wrong alike
  const ctx = open(300, '/tmp/x');
  assert.deepEqual(withCache.map((f) => f(ctx)), [false, false, true, true]);
});

test('inline: the slot and uncached check behind a shared check; the slot holds its last result', () => {
  const cache = new CheckCache();
  const inner = (ctx: EventContext): boolean => ctx.thread?.comm === 'cat';
  const a = cache.share('proc.name = cat', inner);
  cache.share('proc.name = cat', inner);
  assert.equal(cache.inline(() => true), undefined, 'not a shared check');
  const { slot, check } = cache.inline(a)!;
  assert.equal(check, inner);
  const ctx = open(300, '/etc/hosts');
  assert.notEqual(slot.seq, ctx.evt.seq);
  assert.equal(a(ctx), true);
  assert.equal(slot.seq, ctx.evt.seq);
  assert.equal(slot.result, true);
});

test('and/or chains reading cached results agree with uncached ones, with false and true results cached', () => {
  // Every check appears in several filters, so each is cached; the order differs so that some
  // filters find a check already answered (read from its slot) and others run it first.
  const conditions = [
    'proc.name = cat and fd.name startswith /etc/ and fd.filename = hosts',
    'fd.filename = hosts and proc.name = cat and fd.name startswith /etc/',
    'proc.name = cat or fd.name startswith /etc/ or fd.filename = hosts',
    'fd.filename = hosts or fd.name startswith /etc/ or proc.name = cat',
    'not proc.name = cat and (fd.filename = hosts or fd.name startswith /etc/)',
    'fd.name startswith /etc/ and not (proc.name = cat or fd.filename = hosts)',
  ];
  const cache = new CheckCache();
  const withCache = conditions.map((c) => compileFilter(parseCondition(c), { checks: cache }));
  const without = conditions.map((c) => compileFilter(parseCondition(c)));
  assert.equal(cache.stats.shared, 3);
  const events: Array<[number, string]> = [[300, '/etc/hosts'], [400, '/etc/hosts'], [300, '/tmp/hosts'], [400, '/tmp/x'], [300, '/etc/shadow'], [400, '/etc/shadow']];
  for (const [tid, path] of events) {
    const ctx = open(tid, path);
    for (const order of [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]]) {
      const c = open(tid, path); // a new event each pass: nothing cached yet
      assert.deepEqual(order.map((i) => withCache[i]!(c)), order.map((i) => without[i]!(ctx)), `${tid} ${path} ${order}`);
    }
  }
  const ctx = open(400, '/etc/shadow');
  assert.deepEqual(withCache.map((f) => f(ctx)), [false, false, true, true, true, true]);
});

test('evt.type checks inside and/or chains (looked up by the chain itself) give the right answers', () => {
  const close = (tid: number): EventContext => contextFor(state, 'close', tid, [0, 3]);
  const conditions = [
    'evt.type in (openat, close) and proc.name = cat',
    'evt.type = close or proc.name = cat',
    'proc.name = vi and evt.type = openat and fd.name startswith /etc/',
    'evt.type != openat and proc.name = cat',
    'not evt.type = openat or proc.name = vi',
    'proc.name = cat and (evt.type = close or fd.name startswith /etc/)',
  ];
  const cache = new CheckCache();
  const withCache = conditions.map((c) => compileFilter(parseCondition(c), { checks: cache }));
  const without = conditions.map((c) => compileFilter(parseCondition(c)));
  // Contexts are made one at a time: contextFor may reuse its view.
  const cases: Array<[() => EventContext, boolean[]]> = [
    [() => open(300, '/etc/hosts'), [true, true, false, false, false, true]],
    [() => open(400, '/etc/hosts'), [false, false, true, false, true, false]],
    [() => close(300), [true, true, false, true, true, true]],
    [() => close(400), [false, true, false, false, true, false]],
  ];
  for (const [make, expected] of cases) {
    const ctx = make();
    assert.deepEqual(withCache.map((f) => f(ctx)), expected, `${ctx.evt.info.name} ${ctx.thread?.comm}`);
    assert.deepEqual(without.map((f) => f(ctx)), expected, `${ctx.evt.info.name} ${ctx.thread?.comm} (no cache)`);
  }
});
