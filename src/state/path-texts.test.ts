import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, EventView } from '../events/index.js';
import { pathParam } from './path-texts.js';
import { basenameOf, dirnameOf, isNormalAbsolute } from './paths.js';
import { StateParser } from './state-parser.js';
import { Thread } from './threads.js';

const openat = eventCode('openat');
const view = (path: string | Buffer) => new EventView().reset(encodeEvent({ ts: 1n, tid: 1, type: openat, params: [3, -100, path, 1, 0, 1, 2] }), 0, 1);

test('a path parameter reads as EventView.str, with its normality, whether cached or not', () => {
  const paths = ['/etc/passwd', 'relative/x', '/a//b', '/a/./b', '/a/../b', '/trailing/', '', '/', '/tmp/é€😀', `/${'x'.repeat(300)}`];
  // Many distinct paths, so slots are reused and entries replaced.
  for (let i = 0; i < 2000; i++) paths.push(`/data/file-${i}`);
  for (let round = 0; round < 2; round++) {
    for (const p of paths) {
      const v = view(p);
      const got = pathParam(v, 2);
      assert.equal(got.text, v.str(2));
      assert.equal(got.normalAbsolute, isNormalAbsolute(v.str(2)), p);
      assert.equal(got.directory, dirnameOf(got.text), p);
      assert.equal(got.filename, basenameOf(got.text), p);
    }
  }
  const raw = Buffer.from([0x2f, 0x61, 0xff, 0x62, 0]);
  assert.equal(pathParam(view(raw), 2).text, '/a\ufffdb');
});

test('the same bytes give the very same string while cached', () => {
  const a = pathParam(view('/etc/hostname'), 2);
  const b = pathParam(view('/etc/hostname'), 2);
  assert.equal(a, b);
  assert.notEqual(pathParam(view('/etc/hostnamf'), 2).text, a.text);
});

test("an open's fd keeps the path it is named after until its name changes", () => {
  const parser = new StateParser();
  const t = new Thread(1);
  parser.threads.add(t);
  const open = (path: string) => parser.process(view(path)).fd!;
  const fd = open('/etc/hostname');
  assert.equal(fd.name, '/etc/hostname');
  assert.equal(fd.namePath, pathParam(view('/etc/hostname'), 2));
  assert.equal(fd.namePath.directory, '/etc');
  assert.equal(fd.namePath.filename, 'hostname');
  // a name the open rebuilt from its path is not the path's text: no path kept
  assert.equal(open('/a//b').namePath, undefined);
  const copy = open('/usr/lib/os-release').clone();
  assert.equal(copy.namePath?.directory, '/usr/lib');
  copy.name = '/renamed';
  assert.equal(copy.namePath, undefined);
});
