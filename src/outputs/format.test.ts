import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat, FormatError } from './format.js';
import { alertJson, alertText, makeAlert } from './alert.js';
import { contextFor, testState, thread } from '../filter/test-support.js';

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

test("Falco's SingleRuleWithCatWrite alert, text and JSON", () => {
  const rule = { name: 'open_from_cat', priority: 4, priorityName: 'Warning', source: 'syscall', tags: ['process', 'filesystem', 'testing'], format: compileFormat('An open was seen (command=%proc.cmdline)') };
  const a = makeAlert(rule, open(), { isoTime: true, hostname: 'test-falco-hostname' });
  assert.equal(alertText(a), '2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)');
  assert.equal(alertJson(a),
    '{"hostname":"test-falco-hostname","output":"2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)",' +
    '"output_fields":{"evt.time.iso8601":1470327477881781397,"proc.cmdline":"cat /dev/null"},"priority":"Warning","rule":"open_from_cat",' +
    '"source":"syscall","tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}');
  const noOut = alertJson(a, { includeOutput: false, includeOutputFields: true, includeTags: false, includeMessage: false });
  assert.ok(!noOut.includes('"output":') && !noOut.includes('"tags"'));
});

test('missing values are null in output_fields and numbers stay numbers', () => {
  const rule = { name: 'r', priority: 6, priorityName: 'Informational', source: 'syscall', tags: [], format: compileFormat('%fd.cport %proc.pid %evt.is_open_read') };
  const a = makeAlert(rule, open(), { isoTime: false, hostname: 'h' });
  assert.deepEqual(JSON.parse(alertJson(a)).output_fields, { 'evt.time': Number(TS), 'fd.cport': null, 'proc.pid': 20, 'evt.is_open_read': true });
  assert.ok(/^\d\d:\d\d:\d\d\.881781397: Informational <NA> 20 true$/.test(a.output), a.output);
});
