import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBuffer } from './line-buffer.js';

test('numbers come out as String() writes them, text as UTF-8', () => {
  const w = new LineBuffer(4);
  const nums = [0, 7, 9, 10, 99, 100, 123456, 1330313, 2 ** 31, 4294967295];
  for (const n of nums) {
    w.uint32(n);
    w.byte(32);
  }
  w.text('plain /etc/passwd ');
  w.text('héllo → 🙂 ');
  w.text('');
  w.byte(10);
  const expected = `${nums.map(String).join(' ')} plain /etc/passwd héllo → 🙂 \n`;
  assert.equal(w.take().toString('utf8'), expected, 'grown from 4 bytes without losing any');
  assert.equal(w.pos, 0);
});

test('a mark drops what was written after it; take hands over a buffer that is not reused', () => {
  const w = new LineBuffer(16);
  w.text('kept\n');
  const mark = w.pos;
  w.text('dropped');
  w.pos = mark;
  const first = w.take();
  w.text('next\n');
  const second = w.take();
  assert.equal(first.toString(), 'kept\n');
  assert.equal(second.toString(), 'next\n');
});
