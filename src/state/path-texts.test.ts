import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode, EventView } from '../events/index.js';
import { PathTexts } from './path-texts.js';
import { basenameOf, dirnameOf, isNormalAbsolute } from './paths.js';
import { StateParser } from './state-parser.js';
import { Thread } from './threads.js';

const openat = eventCode('openat');
const view = (path: string | Buffer) => new EventView().reset(encodeEvent({ ts: 1n, tid: 1, type: openat, params: [3, -100, path, 1, 0, 1, 2] }), 0, 1);

test('a path parameter reads as EventView.str, with its normality, whether cached or not', () => {
  const paths = ['/etc/passwd', 'relative/x', '/a//b', '/a/./b', '/a/../b', '/trailing/', '', '/', '/tmp/é€😀', `/${'x'.repeat(300)}`];
  // Many distinct paths, so slots are reused and entries replaced.
  for (let i = 0; i < 2000; i++) paths.push(`/data/file-${i}`);
  const cache = new PathTexts();
  for (let round = 0; round < 2; round++) {
    for (const p of paths) {
      const v = view(p);
      const got = cache.param(v, 2);
      assert.equal(got.text, v.str(2));
      assert.equal(got.normalAbsolute, isNormalAbsolute(v.str(2)), p);
      assert.equal(got.directory, dirnameOf(got.text), p);
      assert.equal(got.filename, basenameOf(got.text), p);
    }
  }
  const raw = Buffer.from([0x2f, 0x61, 0xff, 0x62, 0]);
  assert.equal(cache.param(view(raw), 2).text, '/a\ufffdb');
});

test('the same bytes give the very same string while cached', () => {
  const cache = new PathTexts();
  const a = cache.param(view('/etc/hostname'), 2);
  const b = cache.param(view('/etc/hostname'), 2);
  assert.equal(a, b);
  assert.notEqual(cache.param(view('/etc/hostnamf'), 2).text, a.text);
});

test("each cache keeps its own entries, so one parser's rule-check memos are not another's", () => {
  const one = new PathTexts();
  const other = new PathTexts();
  const group = {};
  const a = one.param(view('/etc/shadow'), 2);
  a.checkMemo(group, 4)[0] = 2;
  const b = other.param(view('/etc/shadow'), 2);
  assert.notEqual(b, a);
  assert.equal(b.text, a.text);
  assert.deepEqual([...b.checkMemo(group, 4)], [0, 0, 0, 0], 'a fresh memo, not the other cache\'s');
  assert.equal(one.param(view('/etc/shadow'), 2).checkMemo(group, 4)[0], 2);
  // two parsers: fds named by the same path hold their own parser's entries
  const parser = () => {
    const p = new StateParser();
    p.threads.add(new Thread(1));
    return p;
  };
  const open = (p: StateParser) => p.process(view('/etc/shadow')).fd?.namePath;
  const p1 = parser();
  const p2 = parser();
  assert.equal(open(p1), p1.paths.param(view('/etc/shadow'), 2));
  assert.notEqual(open(p1), open(p2));
});

test("an open's fd keeps the path it is named after until its name changes", () => {
  const parser = new StateParser();
  const t = new Thread(1);
  parser.threads.add(t);
  const open = (path: string) => parser.process(view(path)).fd!;
  const fd = open('/etc/hostname');
  assert.equal(fd.name, '/etc/hostname');
  assert.equal(fd.namePath, parser.paths.param(view('/etc/hostname'), 2));
  assert.equal(fd.namePath?.directory, '/etc');
  assert.equal(fd.namePath?.filename, 'hostname');
  // a name the open rebuilt from its path is not the path's text: no path kept
  assert.equal(open('/a//b').namePath, undefined);
  const copy = open('/usr/lib/os-release').clone();
  assert.equal(copy.namePath?.directory, '/usr/lib');
  copy.name = '/renamed';
  assert.equal(copy.namePath, undefined);
});
