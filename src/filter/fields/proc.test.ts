import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from '../output-format.js';
import { contextFor, testState, thread } from '../test-support.js';

// `runc exec` is a Go program: the thread that forks `runc init` is rarely the main thread, and
// runc init's CLONE_PARENT clones hand that thread on as the parent of the container process.
const state = testState(
  thread({ tid: 100, pid: 100, ptid: 1, comm: 'runc', exe: 'runc', exepath: '/usr/sbin/runc' }),
  thread({ tid: 102, pid: 100, ptid: 1, comm: 'runc', exe: 'runc', exepath: '/usr/sbin/runc' }),
  thread({ tid: 200, pid: 200, ptid: 102, comm: 'sh', exe: '/bin/sh', exepath: '/bin/busybox' }),
  thread({ tid: 300, pid: 300, ptid: 999, comm: 'orphan', exe: 'orphan' }),
);
const close = (tid: number) => contextFor(state, 'close', tid, [0, 3]);

test("proc.ppid is the parent process's pid even when a non-main thread forked the child", () => {
  assert.equal(compileFormat('%proc.ppid %proc.pname %proc.apid[1] %proc.pid').render(close(200)), '100 runc 100 200');
});

test('proc.ppid is <NA> when the parent is not in the thread table, as in libsinsp', () => {
  assert.equal(compileFormat('%proc.ppid %proc.pname').render(close(300)), '<NA> <NA>');
});
