import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode } from './encode.js';
import { EventView } from './event-view.js';

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

test('int and uint read 1/2/4/8-byte parameters as Buffer does, at the edges of each width', () => {
  // A hand-built record: header, four u16 lengths, then a 1-, 2-, 4- and 8-byte parameter.
  const widths = [1, 2, 4, 8];
  const patterns = [0x00, 0x7f, 0x80, 0xff, 0x01, 0xfe];
  for (const fill of patterns) {
    const body = Buffer.alloc(15, fill);
    body[body.length - 1] = fill ^ 0x80; // top byte of the 8-byte value differs: exercises sign
    const hdr = Buffer.alloc(26 + 8);
    hdr.writeUInt32LE(hdr.length + body.length, 16);
    hdr.writeUInt16LE(eventCode('close'), 20);
    hdr.writeUInt32LE(4, 22);
    widths.forEach((w, i) => hdr.writeUInt16LE(w, 26 + 2 * i));
    const rec = Buffer.concat([hdr, body]);
    const v = new EventView().reset(rec, 0, 1);
    let o = 34;
    assert.equal(v.int(0), rec.readInt8(o));
    assert.equal(v.uint(0), rec.readUInt8(o));
    o += 1;
    assert.equal(v.int(1), rec.readInt16LE(o));
    assert.equal(v.uint(1), rec.readUInt16LE(o));
    o += 2;
    assert.equal(v.int(2), rec.readInt32LE(o));
    assert.equal(v.uint(2), rec.readUInt32LE(o));
    o += 4;
    assert.equal(v.int(3), Number(rec.readBigInt64LE(o)));
    assert.equal(v.uint(3), Number(rec.readBigUInt64LE(o)));
    assert.equal(v.int(4), 0, 'a parameter past nparams reads as 0');
    assert.equal(v.uint(4), 0);
  }
});

test('str decodes UTF-8 (invalid bytes as U+FFFD) and drops one NUL terminator', () => {
  const type = eventCode('openat');
  const name = '/tmp/é€😀 dir/x';
  const v = new EventView().reset(encodeEvent({ ts: 1n, tid: 1, type, params: [3, -100, name, 1, 0, 1, 2] }), 0, 1);
  assert.equal(v.str(2), name);
  const raw = Buffer.from([0x2f, 0x61, 0xff, 0x62, 0]);
  const w = new EventView().reset(encodeEvent({ ts: 1n, tid: 1, type, params: [3, -100, raw, 1, 0, 1, 2] }), 0, 1);
  assert.equal(w.str(2), raw.toString('utf8', 0, 4));
  assert.equal(w.str(2), '/a\ufffdb');
});

test('8-byte int and uint give exact values around the 32-bit edges, through reset() and load()', () => {
  const values = [0n, 5n, -1n, -100n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 31n), -(2n ** 31n) - 1n, 2n ** 40n + 7n, -(2n ** 40n)];
  for (const x of values) {
    const hdr = Buffer.alloc(26 + 4);
    const body = Buffer.alloc(12);
    body.writeBigInt64LE(x, 0);
    body.writeUInt32LE(Number(BigInt.asUintN(32, x)), 8);
    hdr.writeUInt32LE(hdr.length + body.length, 16);
    hdr.writeUInt16LE(eventCode('close'), 20);
    hdr.writeUInt32LE(2, 22);
    hdr.writeUInt16LE(8, 26);
    hdr.writeUInt16LE(4, 28);
    const rec = Buffer.concat([hdr, body]);
    const views = [new EventView().reset(rec, 0, 1), new EventView()];
    assert.equal(views[1]!.load(rec, 0, 1, 0, rec.length), undefined);
    for (const v of views) {
      for (let k = 0; k < 2; k++) { // the first read may compute the offsets, the second not
        assert.equal(v.int(0), Number(x), `int of ${x}`);
        assert.equal(v.uint(0), Number(BigInt.asUintN(64, x)), `uint of ${x}`);
        assert.equal(v.uint(1), Number(BigInt.asUintN(32, x)), `4-byte uint of ${x}`);
        assert.equal(v.int(1), Number(BigInt.asIntN(32, x)), `4-byte int of ${x}`);
      }
    }
  }
});
