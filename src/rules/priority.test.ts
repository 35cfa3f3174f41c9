import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPriority, parsePriority, Priority, PRIORITY_NAMES } from './priority.js';

test('priority names are case-insensitive; info is an alias of Informational', () => {
  assert.equal(parsePriority('Emergency'), Priority.EMERGENCY);
  assert.equal(parsePriority('WARNING'), Priority.WARNING);
  assert.equal(parsePriority('notice'), Priority.NOTICE);
  assert.equal(parsePriority('INFO'), Priority.INFORMATIONAL);
  assert.equal(parsePriority('informational'), Priority.INFORMATIONAL);
  assert.equal(parsePriority('DeBuG'), Priority.DEBUG);
  for (const bad of ['', 'warn', 'err', 'critical ', 'fatal']) assert.equal(parsePriority(bad), undefined, bad);
});

test('numeric order: lower is more severe', () => {
  PRIORITY_NAMES.forEach((name, i) => assert.equal(parsePriority(name), i));
  assert.ok(Priority.CRITICAL < Priority.WARNING);
});

test('formatting uses long names; short form only shortens Informational', () => {
  assert.equal(formatPriority(Priority.INFORMATIONAL), 'Informational');
  assert.equal(formatPriority(Priority.INFORMATIONAL, true), 'Info');
  assert.equal(formatPriority(Priority.ERROR, true), 'Error');
});
