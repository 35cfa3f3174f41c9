import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Thread } from './threads.js';
import { WatchedFiles } from './watched-files.js';

function scratch(t: { after: (fn: () => void) => void }): { dir: string; secret: string; benign: string } {
  const dir = mkdtempSync(join(tmpdir(), 'saker-watched-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secret = join(dir, 'secret');
  const benign = join(dir, 'benign');
  writeFileSync(secret, 'x');
  writeFileSync(benign, 'y');
  return { dir, secret, benign };
}

function self(containerId = ''): Thread {
  const t = new Thread(process.pid);
  t.pid = process.pid;
  t.containerId = containerId;
  return t;
}

test('an open of a watched file whose path text leads elsewhere is named after the file opened', (t) => {
  const { secret, benign } = scratch(t);
  const w = new WatchedFiles([secret], '/proc', '');
  const st = statSync(secret);
  assert.equal(w.nameOf(st.dev, st.ino, benign, self()), secret, 'the path changed under the open');
  assert.equal(w.nameOf(st.dev, st.ino, '/nonexistent/x', self()), secret);
  assert.equal(w.nameOf(st.dev, st.ino, secret, self()), undefined, 'its own name');
  const other = statSync(benign);
  assert.equal(w.nameOf(other.dev, other.ino, benign, self()), undefined, 'not a watched inode');
  assert.equal(w.nameOf(st.dev + 1, st.ino, benign, self()), undefined, 'same inode number on another device');
});

test('hard and symbolic links to a watched file keep their own name, as in libsinsp', (t) => {
  const { dir, secret } = scratch(t);
  const hard = join(dir, 'hard');
  const soft = join(dir, 'soft');
  linkSync(secret, hard);
  symlinkSync(secret, soft);
  const w = new WatchedFiles([secret], '/proc', '');
  const st = statSync(secret);
  assert.equal(w.nameOf(st.dev, st.ino, hard, self()), undefined);
  assert.equal(w.nameOf(st.dev, st.ino, soft, self()), undefined);
});

test("a container's copies are looked up through its process's root on its first open, forgotten with it", (t) => {
  const { secret, benign } = scratch(t);
  // Watched as the rules name it, under a host root where it does not exist: only the
  // container's view (here this process's own root) has it.
  const w = new WatchedFiles([secret], '/proc', '/nonexistent-host-root');
  const st = statSync(secret);
  assert.equal(w.nameOf(st.dev, st.ino, benign, self()), undefined, 'the host has no such file');
  assert.equal(w.nameOf(st.dev, st.ino, benign, self('c1')), secret, "the container's file");
  w.forget('c1');
  assert.equal(w.nameOf(st.dev, st.ino, benign, self()), undefined, 'gone with the container');
  assert.equal(w.size, 1);
});

test('where a link leads is looked up on disk once a second, not at every open through it', (t) => {
  const { dir, secret, benign } = scratch(t);
  const soft = join(dir, 'soft');
  symlinkSync(secret, soft);
  const w = new WatchedFiles([secret], '/proc', '');
  const st = statSync(secret);
  const now = { ms: 1e6 };
  t.mock.method(performance, 'now', () => now.ms);
  assert.equal(w.nameOf(st.dev, st.ino, soft, self()), undefined);
  // the link now leads elsewhere: within the second the lookup stands (the name is the link's,
  // as it was for the open through it); after it, the change is seen
  rmSync(soft);
  symlinkSync(benign, soft);
  now.ms += 500;
  assert.equal(w.nameOf(st.dev, st.ino, soft, self()), undefined, 'the lookup of 500 ms ago');
  now.ms += 600;
  assert.equal(w.nameOf(st.dev, st.ino, soft, self()), secret, 'looked up again');
  // a path that leads nowhere is not kept
  assert.equal(w.nameOf(st.dev, st.ino, join(dir, 'none'), self()), secret);
});
