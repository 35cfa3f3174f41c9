import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptureOrder } from './capture-order.js';

const MS = 1_000_000;

function order() {
  const out: string[] = [];
  const q = new CaptureOrder<string>((s) => out.push(s), { skewNs: MS, quietMs: 30, maxWaitMs: 150, max: 3 });
  return { q, out };
}

test('a hit waits until an event of its own thread at or after its time', () => {
  const { q, out } = order();
  q.hold('a', 7, 100 * MS);
  q.passed(7, 99 * MS); // before the hit: its exec may still be coming
  q.passed(8, 100.5 * MS); // another thread within the skew
  assert.deepEqual(out, []);
  q.passed(7, 100 * MS);
  assert.deepEqual(out, ['a']);
  assert.equal(q.size, 0);
});

test('an event of any thread later than the hit by more than the skew releases it', () => {
  const { q, out } = order();
  q.hold('a', 7, 100 * MS);
  q.hold('b', 9, 105 * MS);
  q.passed(8, 101 * MS);
  assert.deepEqual(out, ['a']);
  q.passed(8, 105.5 * MS);
  assert.deepEqual(out, ['a']);
  q.passed(8, 106 * MS);
  assert.deepEqual(out, ['a', 'b']);
});

test('hits are released in their order of arrival', () => {
  const { q, out } = order();
  q.hold('late', 7, 200 * MS);
  q.hold('early', 8, 100 * MS);
  q.hold('mid', 7, 150 * MS);
  q.passed(7, 300 * MS);
  assert.deepEqual(out, ['late', 'early', 'mid']);
});

test('past the bound the oldest hit is released, none is lost', () => {
  const { q, out } = order();
  for (const s of ['a', 'b', 'c', 'd']) q.hold(s, 1, 100 * MS);
  assert.deepEqual(out, ['a']);
  q.flush();
  assert.deepEqual(out, ['a', 'b', 'c', 'd']);
});

// The timers are Node's mock timers: the test holds under any load.
test('a quiet capture stream releases the hits held through a whole quiet spell', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { q, out } = order();
  q.hold('a', 7, 100 * MS);
  t.mock.timers.tick(10);
  assert.deepEqual(out, []);
  t.mock.timers.tick(20); // the first look: quiet since 'a' came
  assert.deepEqual(out, ['a']);
  q.hold('b', 7, 100 * MS);
  t.mock.timers.tick(10);
  q.passed(8, 50 * MS); // an event: the stream is not quiet
  t.mock.timers.tick(20);
  assert.deepEqual(out, ['a']);
  t.mock.timers.tick(30);
  assert.deepEqual(out, ['a', 'b']);
});

test('a stream read behind (events, none past the hit) holds a hit until the longest wait', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const { q, out } = order();
  q.hold('a', 7, 100 * MS);
  for (let ms = 0; ms < 140; ms += 5) {
    q.passed(8, 10 * MS);
    t.mock.timers.tick(5);
  }
  assert.deepEqual(out, [], 'held while events keep coming');
  q.passed(8, 10 * MS);
  t.mock.timers.tick(30);
  assert.deepEqual(out, ['a'], 'released at the longest wait');
});
