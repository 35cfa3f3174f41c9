import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countCodes, eventCodesOf, eventNamesOf } from './condition-codes.js';
import { parseCondition } from './condition-parser.js';

const names = (cond: string): string[] => eventNamesOf(eventCodesOf(parseCondition(cond)));
const count = (cond: string): number => countCodes(eventCodesOf(parseCondition(cond)));
const TOO_MANY = 100;

test('evt.type equality and in() select exactly those names', () => {
  assert.deepEqual(names('evt.type = openat and proc.name = cat'), ['openat']);
  assert.deepEqual(names('evt.type in (open, openat, openat2) and fd.name = x'), ['open', 'openat', 'openat2']);
  assert.deepEqual(names('(evt.type = execve or evt.type = execveat) and proc.name = sh'), ['execve', 'execveat']);
  assert.deepEqual(names('evt.type = open and evt.type = close'), []);
});

test('every version of an event counts (execve has 16 codes, open 2)', () => {
  assert.equal(count('evt.type = execve'), 16);
  assert.equal(count('evt.type = open'), 2);
});

test("negations are pushed to the leaves; checks on other fields are neutral", () => {
  assert.deepEqual(names('evt.type = execve and not proc.name = foo'), ['execve']);
  assert.deepEqual(names('not (not evt.type = execve or proc.name = x)'), ['execve']);
  assert.deepEqual(names('not evt.type != execve'), ['execve']);
  assert.ok(count('not evt.type = execve') > TOO_MANY);
  assert.ok(count('proc.name = foo') > TOO_MANY);
});

test("Falco's TestWarnings: exactly the broad conditions exceed 100 codes", () => {
  const broad = [
    'proc.name=foo',
    'evt.type!=execve',
    'not evt.type=execve',
    'evt.type=execve and proc.name=foo or evt.type!=execve',
    'evt.type=execve or not evt.type=open',
    'evt.type!=execve and not evt.type=open',
    'evt.type in (execve, open) or evt.type!=connect',
    'not evt.type in (execve, open)',
    'not evt.type in (execve, open) and proc.name=foo',
  ];
  const narrow = [
    'evt.type=execve and not proc.name=foo',
    'proc.name!=foo and evt.type=execve',
    'evt.type in (open, open)',
    'evt.type=execve and proc.name=foo',
  ];
  for (const c of broad) assert.ok(count(c) > TOO_MANY, c);
  for (const c of narrow) assert.ok(count(c) <= TOO_MANY, c);
});

test('the evt.num >= 1 invariant: never_true is empty, its negation everything', () => {
  assert.equal(count('evt.num = 0'), 0);
  assert.equal(count('evt.num < 1'), 0);
  assert.equal(count('evt.num in (0)'), 0);
  assert.ok(count('not evt.num = 0') > TOO_MANY);
  assert.deepEqual(names('evt.type = open and not evt.num = 0'), ['open']);
  assert.deepEqual(names('evt.type = open and evt.num >= 0'), ['open']);
});

test('transformers on evt.type are refused', () => {
  assert.throws(() => eventCodesOf(parseCondition('toupper(evt.type) = OPEN')), /does not support `evt.type` checks with transformers/);
});
