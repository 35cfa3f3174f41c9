import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFor, testState, thread } from '../filter/test-support.js';
import { LineBuffer } from './line-buffer.js';
import { LinePrinter } from './line-printer.js';

const state = testState(thread({ tid: 20, ptid: 1, comm: 'cat', exe: 'cat' }));

test("a -p line prints evt.rawarg in its parameter's print format, in both the byte and the string paths", () => {
  // brk's res is PT_UINT64 PF_HEX: libs prints 55DB0DE73000, not the number's digits.
  const brk = contextFor(state, 'brk', 20, [0x55db0de73000n, 1, 2, 3]);
  const p = new LinePrinter('%evt.rawarg.res %evt.rawarg.vm_size');
  const out = new LineBuffer();
  assert.ok(p.write(brk, out));
  assert.equal(out.take().toString(), '55DB0DE73000 1\n');
  assert.equal(p.line(brk), '55DB0DE73000 1');
});
