import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basenameOf, concatenatePaths, dirnameOf, isNormalAbsolute } from './paths.js';

// [base, path, expected] — libsinsp's concatenate_paths results, including its quirks.
const cases: Array<[string, string, string]> = [
  ['', '', ''],
  ['', '../', ''],
  ['', '..', ''],
  ['/', '../', '/'],
  ['/', '..', '/'],
  ['a', '../', 'a..'], // no separator is added between the two parts
  ['a/', '../', ''],
  ['', '/foo', '/foo'],
  ['foo/', '..//a', 'a'],
  ['/foo/', '..//a', '/a'],
  ['heolo', 'w////////////..//////.////////r.|', 'r.|'],
  ['heolo', 'w/////////////..//', ''],
  ['', './', ''],
  ['', 'dir/term', 'dir/term'],
  ['', '//dir/term', '/dir/term'],
  ['/', 'dir/term', '/dir/term'],
  ['', './dir/term', 'dir/term'],
  ['/', '//dir//////term', '/dir/term'],
  ['../.../', 'dir/././././../../.../term/', '../.../term'],
  ['../.../', '/app/custom/dir/././././../../.../term/', '/app/.../term'],
  ['./app', 'custom/term', './appcustom/term'],
  ['app/', 'custom/term', 'app/custom/term'],
  ['app/////', 'custom////term', 'app/////custom/term'], // the base is never normalised
  ['/', '/app/custom/dir/././././../../term/', '/app/term'],
  ['/', '////app', '/app'],
  ['/root/', '../😀', '/😀'],
  ['/root/', '../АБВЙЛж', '/АБВЙЛж'],
  ['/home/user/', 'notes.txt', '/home/user/notes.txt'],
  ['/home/user/', '.bashrc', '/home/user/.bashrc'],
  ['/home/user/', '../../etc/./passwd', '/etc/passwd'],
  ['/home/user/', 'a/b/..', '/home/user/a'],
  ['/home/user/', '.', '/home/user'],
  ['/tmp/', 'x..y/..z', '/tmp/x..y/..z'],
  ['/etc/', '', ''],
];

test('concatenatePaths reproduces libsinsp for every case', () => {
  for (const [base, path, want] of cases) {
    assert.equal(concatenatePaths(base, path), want, `concatenatePaths(${JSON.stringify(base)}, ${JSON.stringify(path)})`);
  }
});

test('isNormalAbsolute accepts exactly the absolute paths normalisation leaves unchanged', () => {
  const samples = ['/', '/etc', '/etc/passwd', '/a/.b', '/a/..b/c', '/a/b.', '/a/b..', '/x..y/..z', '/😀/АБВ',
    '', 'etc/passwd', '//', '/etc/', '/etc//passwd', '/./a', '/a/.', '/a/./b', '/a/..', '/a/../b', '/..', '/a/b/',
    '/a\0b', '///app'];
  for (const p of samples) {
    // oracle: the full normalisation, reached through a relative join (never the fast path)
    const unchanged = p === '/' || (p.startsWith('/') && concatenatePaths('/', p.slice(1)) === p);
    assert.equal(isNormalAbsolute(p), unchanged, JSON.stringify(p));
  }
  assert.equal(isNormalAbsolute('/etc/passwd'), true);
  assert.equal(isNormalAbsolute('/etc//passwd'), false);
  assert.equal(isNormalAbsolute('/etc/../passwd'), false);
});

test('concatenatePaths returns a normal absolute path itself, not a rebuilt copy', () => {
  const p = ['/usr', 'lib', 'os-release'].join('/');
  assert.equal(concatenatePaths('/cwd/', p), p);
  assert.equal(concatenatePaths('/cwd/', '/usr//lib/./os-release/'), '/usr/lib/os-release');
});

test('concatenatePaths gives the placeholder for joins longer than PATH_MAX', () => {
  assert.equal(concatenatePaths('/' + 'C'.repeat(1500) + '/', 'dir/term'), '/DIR_TOO_LONG/FILENAME_TOO_LONG');
  // 400 three-byte characters are 1200 bytes although only 400 UTF-16 units.
  assert.equal(concatenatePaths('/', '诶'.repeat(400)), '/DIR_TOO_LONG/FILENAME_TOO_LONG');
  assert.equal(concatenatePaths('/', 'a'.repeat(1000)), '/' + 'a'.repeat(1000));
});

test('dirnameOf and basenameOf follow fd.directory and fd.filename', () => {
  assert.equal(dirnameOf('/etc/passwd'), '/etc');
  assert.equal(dirnameOf('/passwd'), '/');
  assert.equal(dirnameOf('passwd'), '/');
  assert.equal(dirnameOf('/etc/'), '/etc/');
  assert.equal(basenameOf('/etc/passwd'), 'passwd');
  assert.equal(basenameOf('passwd'), '/');
  assert.equal(basenameOf('/etc/'), '/etc/');
});

test('the length limit applies to the normalised result: padding does not hide the file', () => {
  // An attacker's open("/" x 2000 + "etc/shadow") opens /etc/shadow; so does one padded with './'.
  assert.equal(concatenatePaths('/root/', '/'.repeat(2000) + 'etc/shadow'), '/etc/shadow');
  assert.equal(concatenatePaths('/root/', '/' + './'.repeat(1500) + 'etc/shadow'), '/etc/shadow');
  assert.equal(concatenatePaths('/', 'x/../'.repeat(500) + 'etc/shadow'), '/etc/shadow');
  assert.equal(concatenatePaths('/' + 'd/'.repeat(600), '../'.repeat(600) + 'etc/shadow'), '/etc/shadow');
  // A result that is itself too long is still the placeholder; inputs beyond any real path are not walked.
  assert.equal(concatenatePaths('/', '/' + 'a'.repeat(1023)), '/DIR_TOO_LONG/FILENAME_TOO_LONG');
  assert.equal(concatenatePaths('/', '/' + 'a'.repeat(1022)), '/' + 'a'.repeat(1022));
  const t0 = process.hrtime.bigint();
  assert.equal(concatenatePaths('/', 'a/'.repeat(200_000) + '../'.repeat(200_000)), '/DIR_TOO_LONG/FILENAME_TOO_LONG');
  assert.ok(process.hrtime.bigint() - t0 < 50_000_000n, 'a huge input costs nothing');
});
