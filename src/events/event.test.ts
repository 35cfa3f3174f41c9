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
