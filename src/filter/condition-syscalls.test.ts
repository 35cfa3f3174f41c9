import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from './condition-parser.js';
import { genericSyscallsOf } from './condition-syscalls.js';

test('syscalls without an event are collected from evt.type checks', () => {
  const expr = parseCondition('(evt.type in (fsopen, open_tree, openat) or evt.type = move_mount) and not evt.type = kill and proc.name = x');
  assert.deepEqual([...genericSyscallsOf(expr)].sort(), ['fsopen', 'move_mount', 'open_tree']);
  assert.deepEqual([...genericSyscallsOf(parseCondition('evt.type = openat and fd.name = fsopen'))], []);
  assert.deepEqual([...genericSyscallsOf(parseCondition('syscall.type = close_range or evt.type = nosuch'))], []);
});
