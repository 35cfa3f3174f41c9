import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from '../filter/index.js';
import { alertJson, alertText, makeAlert } from './alert.js';
import { contextFor, testState, thread } from '../filter/test-support.js';

const state = testState(
  thread({ tid: 10, ptid: 1, comm: 'bash', exe: 'bash' }),
  thread({ tid: 20, ptid: 10, comm: 'cat', exe: 'cat', exepath: '/bin/cat', args: ['/dev/null'] }),
);
const TS = 1470327477881781397n;
const open = () => contextFor(state, 'openat', 20, [3, -100, '/dev/null', 1, 0, 0, 0], { ts: TS });

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
