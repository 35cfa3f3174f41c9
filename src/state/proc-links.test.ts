import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { EventView } from '../events/index.js';
import { FdState } from './fds.js';
import { openName, openPath } from './open-names.js';
import { PathTexts } from './path-texts.js';
import { PPM_O } from './ppm.js';
import { neverProcLink, resolveProcLinks } from './proc-links.js';
import { Thread } from './threads.js';

function thread(): Thread {
  const t = new Thread(4242);
  t.pid = 4242;
  t.ptid = 1;
  t.shared.cwd = '/var/tmp/';
  const etc = new FdState('directory');
  etc.name = '/etc';
  t.shared.fds.set(3, etc);
  const file = new FdState('file');
  file.name = '/etc/shadow';
  t.shared.fds.set(5, file);
  const sock = new FdState('ipv4');
  sock.name = '127.0.0.1:1->127.0.0.1:2';
  t.shared.fds.set(6, sock);
  return t;
}

test('the thread\'s own procfs links resolve to what its state says they point at', () => {
  const t = thread();
  const cases: Array<[string, string]> = [
    ['/proc/self/fd/3/shadow', '/etc/shadow'],
    ['/proc/thread-self/fd/3/shadow', '/etc/shadow'],
    ['/proc/4242/fd/3/shadow', '/etc/shadow'],
    ['/proc/self/task/4243/fd/3/./shadow', '/etc/shadow'],
    ['/proc/self/fd/5', '/etc/shadow'],
    ['/proc/self/cwd/x', '/var/tmp/x'],
    ['/proc/self/root/etc/shadow', '/etc/shadow'],
    ['/proc/self/root/proc/self/root/proc/self/fd/3/shadow', '/etc/shadow'],
    ['/proc/self/root', '/'],
  ];
  for (const [path, want] of cases) {
    assert.equal(resolveProcLinks(path, t), want, path);
    assert.equal(neverProcLink(path), false, `${path}: a link for some thread`);
  }
});

test('neverProcLink: the paths it calls link-free resolve to themselves for any thread', () => {
  const t = thread();
  const other = thread();
  other.pid = 77;
  const free = ['/etc/passwd', '/proc/self/stat', '/proc/4242/status', '/proc/self/task/4243/stat',
    '/proc/self', '/proc/sys/kernel/ns_last_pid', '/proc/self/fdinfo/3', '/procx/self/fd/3', '/proc/self/rootx/etc'];
  for (const path of free) {
    assert.equal(neverProcLink(path), true, path);
    assert.equal(resolveProcLinks(path, t), path, path);
    assert.equal(resolveProcLinks(path, other), path, path);
  }
  // what may be a link for some thread is not called free, even where this one resolves nothing
  for (const path of ['/proc/77/cwd/x', '/proc/self/fd/9', '/proc/1/root', '/proc/self/task/1/cwd', '/proc/self/fd']) {
    assert.equal(neverProcLink(path), false, path);
  }
  assert.equal(resolveProcLinks('/proc/77/cwd/x', other), '/var/tmp/x');
});

test('an absolute path gives each opener its own name where a procfs link makes it depend on the thread', () => {
  const paths = new PathTexts();
  const ev = (tid: number, params: ParamValue[]) => new EventView().reset(encodeEvent({ ts: 1n, tid, type: eventCode('openat'), params }), 0, 1);
  const t = thread();
  const u = thread();
  u.shared.cwd = '/home/u/';
  const viaCwd = ev(4242, [7, -100, '/proc/self/cwd//x', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(viaCwd, t, openPath(viaCwd, paths), true), '/var/tmp/x');
  assert.equal(openName(viaCwd, u, openPath(viaCwd, paths), true), '/home/u/x', 'the same cached path, another thread');
  const plain = ev(4242, [7, 55, '/a/./b//c/', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(plain, t, openPath(plain, paths), true), '/a/b/c', 'normalised, the dirfd ignored');
  assert.equal(openName(plain, t, openPath(plain, paths), false), '/a/b/c', 'a failed open names it so too');
  const stat = ev(4242, [7, -100, '/proc/self/stat', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(stat, t, openPath(stat, paths), true), '/proc/self/stat');
});

test('links it cannot resolve stay as given', () => {
  const t = thread();
  for (const path of ['/proc/self/fd/9/x', '/proc/self/fd/6', '/proc/1/fd/3/shadow', '/proc/self/status', '/proc/self/fd/x/y',
    '/proc/self/fdinfo/3', '/procx/self/fd/3', '/etc/passwd']) {
    assert.equal(resolveProcLinks(path, t), path, path);
  }
});

test('openName resolves an openat through /proc/self/fd, and one relative to a dirfd', () => {
  const t = thread();
  const paths = new PathTexts();
  const ev = (params: ParamValue[]) => new EventView().reset(encodeEvent({ ts: 1n, tid: 4242, type: eventCode('openat'), params }), 0, 1);
  const viaProc = ev([7, -100, '/proc/self/fd/3/shadow', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(viaProc, t, openPath(viaProc, paths), true), '/etc/shadow');
  const viaDirfd = ev([7, 3, 'shadow', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(viaDirfd, t, openPath(viaDirfd, paths), true), '/etc/shadow');
  const padded = ev([7, 3, '/' + '/'.repeat(3000) + './'.repeat(300) + 'etc/shadow', PPM_O.RDONLY, 0, 0, 0]);
  assert.equal(openName(padded, t, openPath(padded, paths), true), '/etc/shadow');
});
