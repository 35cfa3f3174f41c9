import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { EventView } from '../events/index.js';
import { newFdState } from './fds.js';
import { openName, openPath } from './open-names.js';
import { PathTexts } from './path-texts.js';
import { PPM_O } from './ppm.js';
import { resolveProcLinks } from './proc-links.js';
import { Thread } from './threads.js';

function thread(): Thread {
  const t = new Thread(4242);
  t.pid = 4242;
  t.ptid = 1;
  t.shared.cwd = '/var/tmp/';
  const etc = newFdState('directory');
  etc.name = '/etc';
  t.shared.fds.set(3, etc);
  const file = newFdState('file');
  file.name = '/etc/shadow';
  t.shared.fds.set(5, file);
  const sock = newFdState('ipv4');
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
  for (const [path, want] of cases) assert.equal(resolveProcLinks(path, t), want, path);
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
