import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode } from './encode.js';
import { EventView } from './event.js';

test('an encoded openat exit event reads back through the view', () => {
  const type = eventCode('openat');
  const rec = encodeEvent({ ts: 1700000000123456789n, tid: 4242, type, params: [3, -100, '/etc/shadow', 1, 0, 0x803, 1234] });
  const v = new EventView().reset(rec, 0, 1);
  assert.equal(v.info.name, 'openat');
  assert.equal(v.tid, 4242);
  assert.equal(v.ts, 1700000000123456789n);
  assert.equal(v.nparams, 7);
  assert.equal(v.int(0), 3);
  assert.equal(v.int(1), -100);
  assert.equal(v.str(2), '/etc/shadow');
  assert.equal(v.uint(6), 1234);
  assert.equal(v.len, rec.length);
});

test('seq tells every reset apart, across views and when evt.num repeats', () => {
  const rec = encodeEvent({ ts: 1n, tid: 1, type: eventCode('close'), params: [0, 3] });
  const a = new EventView();
  const b = new EventView();
  const seen = new Set<number>();
  for (let i = 0; i < 3; i++) {
    seen.add(a.reset(rec, 0, 1).seq); // same record, same evt.num: still a new event
    seen.add(b.reset(rec, 0, 1).seq);
  }
  assert.equal(seen.size, 6);
  assert.ok(!seen.has(0), '0 means "no event" to per-event caches');
});
