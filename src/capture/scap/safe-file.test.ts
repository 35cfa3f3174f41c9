import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFileError, openOutputFile } from './safe-file.js';
import { ScapWriter } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-safe-'));

test('a new output file is created 0600 whatever the umask', () => {
  const old = process.umask(0);
  try {
    const p = join(dir, 'new.scap');
    closeSync(openOutputFile(p));
    assert.equal(statSync(p).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});

test('a symlink planted at the path is refused, its target untouched', () => {
  const target = join(dir, 'victim');
  writeFileSync(target, 'precious');
  const link = join(dir, 'link.scap');
  symlinkSync(target, link);
  assert.throws(() => openOutputFile(link), (e: unknown) => e instanceof OutputFileError && /symbolic link/.test(e.message));
  assert.throws(() => openOutputFile(link, { overwrite: true }), OutputFileError);
  assert.equal(readFileSync(target, 'utf8'), 'precious');
});

test('an existing file is kept unless overwrite is asked; then truncated and made 0600', () => {
  const p = join(dir, 'old.scap');
  writeFileSync(p, 'old contents', { mode: 0o644 });
  assert.throws(() => openOutputFile(p), /already exists/);
  assert.equal(readFileSync(p, 'utf8'), 'old contents');
  const fd = openOutputFile(p, { overwrite: true });
  writeSync(fd, 'x');
  closeSync(fd);
  assert.equal(readFileSync(p, 'utf8'), 'x');
  assert.equal(statSync(p).mode & 0o777, 0o600);
});

test('a character device is written as is (no truncation to do)', () => {
  closeSync(openOutputFile('/dev/null'));
});

test('ScapWriter on a path goes through the same checks', async () => {
  const p = join(dir, 'w.scap');
  const w = new ScapWriter(p);
  await w.close();
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.throws(() => new ScapWriter(p), OutputFileError);
  const again = new ScapWriter(p, { overwrite: true });
  await again.close();
});
