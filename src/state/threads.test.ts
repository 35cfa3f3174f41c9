import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PPM_CL } from './ppm.js';
import { ProcessState, Thread, ThreadTable, cmdline } from './threads.js';

function proc(table: ThreadTable, tid: number, ptid: number, more: Partial<Thread> = {}): Thread {
  const t = new Thread(tid, new ProcessState(tid));
  t.pid = tid;
  t.ptid = ptid;
  t.vtid = tid;
  t.vpid = tid;
  t.sid = tid;
  Object.assign(t, more);
  assert.ok(table.add(t));
  return t;
}

function thread(table: ThreadTable, tid: number, main: Thread): Thread {
  const t = new Thread(tid, main.shared);
  t.pid = main.pid;
  t.ptid = main.ptid;
  t.vtid = tid;
  t.vpid = main.vpid;
  t.flags |= PPM_CL.CLONE_THREAD;
  assert.ok(table.add(t));
  return t;
}

test('the table is bounded and refuses new threads when full, except our own', () => {
  const table = new ThreadTable({ maxThreads: 3, selfPid: 99 });
  proc(table, 1, 0);
  proc(table, 2, 1);
  proc(table, 3, 1);
  const extra = new Thread(4, new ProcessState(4));
  extra.pid = 4;
  extra.ptid = 1;
  assert.equal(table.add(extra), false);
  assert.equal(table.droppedFull, 1);
  assert.equal(table.get(4), undefined);
  const self = new Thread(99, new ProcessState(99));
  self.pid = 99;
  self.ptid = 1;
  assert.equal(table.add(self), true, 'our own process always fits');
});

test('threads join their process group; children are tracked by ptid', () => {
  const table = new ThreadTable();
  const init = proc(table, 1, 0);
  const sh = proc(table, 10, 1);
  const t2 = thread(table, 11, sh);
  assert.equal(t2.shared, sh.shared);
  assert.equal(sh.shared.aliveCount, 2);
  assert.ok(init.children.has(sh));
  assert.ok(init.children.has(t2), "a thread's parent is its process's parent");
  assert.equal(table.mainThread(t2), sh);
  // A parent missing from the table makes ptid 0 (libsinsp create_thread_dependencies).
  const orphan = proc(table, 20, 12345);
  assert.equal(orphan.ptid, 0);
  assert.equal(init.shared.reaper, true, 'pid 1 reaps');
});

test('remove re-parents children and keeps a dead main thread while its threads live', () => {
  const table = new ThreadTable();
  proc(table, 1, 0);
  const a = proc(table, 10, 1);
  const b = proc(table, 20, 10);
  const c = proc(table, 30, 20);
  const bt = thread(table, 21, b);
  table.markDead(b);
  table.remove(20);
  assert.ok(table.get(20), 'main thread kept: thread 21 is alive');
  assert.equal(c.ptid, 21, 'children go to a live thread of the same process first');
  table.markDead(bt);
  table.remove(21);
  assert.equal(table.get(20), undefined);
  assert.equal(table.get(21), undefined);
  assert.equal(table.groups.has(20), false);
  assert.equal(c.ptid, 1, 'then to the nearest reaper');
  assert.ok(table.get(1)!.children.has(c));
  assert.equal(a.children.has(b), false);
});

test('purge drops placeholders and idle threads that are gone, and nothing else', () => {
  const table = new ThreadTable();
  proc(table, 1, 0, { lastAccessTs: 0 });
  proc(table, 10, 1, { lastAccessTs: 100 });
  proc(table, 11, 1, { lastAccessTs: 100 });
  proc(table, 12, 1, { lastAccessTs: 900 });
  const ghost = new Thread(50);
  table.add(ghost);
  assert.equal(ghost.invalid, true);
  const gone = new Set([10, 12]);
  const n = table.purge(1000, 500, (t) => !gone.has(t.tid));
  assert.equal(n, 2, 'the placeholder and idle, exited 10');
  assert.equal(table.get(50), undefined);
  assert.equal(table.get(10), undefined);
  assert.ok(table.get(11), 'idle but alive');
  assert.ok(table.get(12), 'exited but recently active');
});

test('session and group leaders: the oldest ancestor sharing the id', () => {
  const table = new ThreadTable();
  proc(table, 1, 0);
  const sshd = proc(table, 100, 1, { sid: 100, comm: 'sshd' });
  const bash = proc(table, 200, 100, { sid: 200, comm: 'bash' });
  const vim = proc(table, 300, 200, { sid: 200, comm: 'vim' });
  assert.equal(table.oldestMatchingAncestor(vim, (t) => t.sid, true), bash);
  assert.equal(table.oldestMatchingAncestor(sshd, (t) => t.sid, true), sshd);
  // Inside a pid namespace the virtual id cannot be looked up directly: walk the parents.
  const ns1 = proc(table, 400, 300, { sid: 1, vtid: 1, vpid: 1, comm: 'init' });
  const ns2 = proc(table, 401, 400, { sid: 1, vtid: 7, vpid: 7, comm: 'sh' });
  assert.equal(table.oldestMatchingAncestor(ns2, (t) => t.sid, true), ns1);
  assert.equal(cmdline(vim), 'vim');
  vim.args = ['-R', 'f'];
  assert.equal(cmdline(vim), 'vim -R f');
});
