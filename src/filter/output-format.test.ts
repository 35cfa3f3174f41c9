import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, FormatError, type JsonValue } from './output-format.js';
import { compileFilter } from './condition-compiler.js';
import { parseCondition } from './condition-parser.js';
import { contextFor, testState, thread } from './test-support.js';

const state = testState(
  thread({ tid: 10, ptid: 1, comm: 'bash', exe: 'bash' }),
  thread({ tid: 20, ptid: 10, comm: 'cat', exe: 'cat', exepath: '/bin/cat', args: ['/dev/null'] }),
);
const TS = 1470327477881781397n;
const open = () => contextFor(state, 'openat', 20, [3, -100, '/dev/null', 1, 0, 0, 0], { ts: TS });

test('fields render, missing ones as <NA>, tokens end where the field ends', () => {
  const f = compileFormat('An open was seen (cport=%fd.cport command=%proc.cmdline)');
  assert.equal(f.render(open()), 'An open was seen (cport=<NA> command=cat /dev/null)');
  assert.equal(compileFormat('%proc.name.').render(open()), 'cat.');
  assert.equal(compileFormat('x=%proc.aname[1]/%evt.type').render(open()), 'x=bash/openat');
  assert.equal(compileFormat('%tolower(proc.name)!').render(open()), 'cat!');
  assert.equal(compileFormat('[%5proc.name][%2fd.name]').render(open()), '[cat  ][/d]');
});

test("unknown fields fail with the testing suite's message", () => {
  assert.throws(() => compileFormat('An open was seen %not_a_real_field'), (e: unknown) => e instanceof FormatError && e.message === 'invalid formatting token not_a_real_field');
  assert.throws(() => compileFormat('oops %'), /formatting cannot end with a %/);
  assert.throws(() => compileFormat('%fd.net'), /is filter only and cannot be used as a display field/);
});

test("evt.rawarg prints in its parameter's print format (PF_HEX: brk's res), filters still compare the number", () => {
  // libs' rawval_to_string with the event's own parameter info: brk and mmap res are PT_UINT64 PF_HEX.
  const brk = contextFor(state, 'brk', 20, [0x55db0de73000n, 1, 2, 3], { ts: TS });
  const f = compileFormat('%evt.rawarg.res %evt.arg.res');
  assert.equal(f.render(brk), '55DB0DE73000 55DB0DE73000');
  const json: Record<string, JsonValue> = {};
  f.jsonFields(brk, json);
  assert.equal(json['evt.rawarg.res'], '55DB0DE73000', 'a hex value is a string in JSON, as rawval_to_json gives it');
  assert.equal(compileFilter(parseCondition('evt.rawarg.res = 94399319453696'))(brk), true);
  // An ERRNO res (PF_DEC) stays a number in decimal.
  const close = contextFor(state, 'close', 20, [-9], { ts: TS });
  assert.equal(compileFormat('%evt.rawarg.res').render(close), '-9');
  const cj: Record<string, JsonValue> = {};
  compileFormat('%evt.rawarg.res').jsonFields(close, cj);
  assert.equal(cj['evt.rawarg.res'], -9);
});
