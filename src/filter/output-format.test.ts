import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, FormatError } from './output-format.js';
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
