import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEtcFile, readEtcFileSync } from './container-files.js';
import { UserTables } from './users.js';

/** A root whose /etc/passwd is made by `make` (given the path) and whose /etc/group is fine. */
function rootWith(make: (passwd: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'saker-croot-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'group'), 'web:x:33:\n');
  make(join(root, 'etc', 'passwd'));
  return root;
}

/** Resolves within `ms` or fails: a read that blocks would hang here. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`blocked for ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('a regular passwd is read, sync and async', async () => {
  const root = rootWith((p) => writeFileSync(p, 'web:x:33:33:www:/var/www:/bin/sh\n'));
  assert.match(readEtcFileSync(root, 'passwd').text ?? '', /^web:/);
  assert.match((await readEtcFile(root, 'passwd')).text ?? '', /^web:/);
});

test('a FIFO never blocks: refused at once', async () => {
  const root = rootWith((p) => execFileSync('mkfifo', [p]));
  assert.deepEqual(readEtcFileSync(root, 'passwd'), { refused: 'not-regular' });
  assert.deepEqual(await within(2000, readEtcFile(root, 'passwd')), { refused: 'not-regular' });
});

test('a symlink out of the root is not followed, at the file or at /etc', async () => {
  const secret = join(mkdtempSync(join(tmpdir(), 'saker-host-')), 'shadow');
  writeFileSync(secret, 'hostsecret:x:0:0::/:/bin/sh\n');
  const linkFile = rootWith((p) => symlinkSync(secret, p));
  assert.deepEqual(await readEtcFile(linkFile, 'passwd'), { refused: 'not-regular' });
  const linkDir = mkdtempSync(join(tmpdir(), 'saker-croot-'));
  symlinkSync(join(secret, '..'), join(linkDir, 'etc'));
  assert.equal((await readEtcFile(linkDir, 'shadow')).text, undefined);
  assert.equal(readEtcFileSync(linkDir, 'shadow').text, undefined);
});

test('a device and a huge file are refused without reading them', async (t) => {
  const huge = rootWith((p) => {
    writeFileSync(p, '');
    truncateSync(p, 64 << 20); // sparse: 64 MiB of NULs
  });
  assert.deepEqual(await readEtcFile(huge, 'passwd'), { refused: 'too-big' });
  if (process.getuid?.() !== 0) return t.skip('mknod needs root');
  const dev = rootWith((p) => execFileSync('mknod', [p, 'c', '1', '5'])); // /dev/zero
  assert.deepEqual(await within(2000, readEtcFile(dev, 'passwd')), { refused: 'not-regular' });
});

test('UserTables reads a container root off the event loop and counts what it refused', async () => {
  // A fake procfs: /proc/<pid>/root is the hostile root, and the pid is in another mount namespace.
  const proc = mkdtempSync(join(tmpdir(), 'saker-fproc-'));
  const root = rootWith((p) => execFileSync('mkfifo', [p]));
  mkdirSync(join(proc, '77', 'ns'), { recursive: true });
  mkdirSync(join(proc, 'self', 'ns'), { recursive: true });
  symlinkSync(root, join(proc, '77', 'root'));
  symlinkSync('mnt:[1]', join(proc, '77', 'ns', 'mnt'));
  symlinkSync('mnt:[2]', join(proc, 'self', 'ns', 'mnt'));
  const u = new UserTables({ procRoot: proc, maxContainers: 2 });
  u.noteUser('c1', 77, 33);
  await within(2000, u.idle());
  assert.equal(u.user(33, 'c1'), undefined);
  u.noteGroup('c1', 77, 33);
  assert.equal(u.stats.filesRefused, 1, 'the FIFO passwd is counted');
  // Bounded: a third container drops the oldest table, counted.
  u.noteUser('c2', 77, 0);
  u.noteUser('c3', 77, 0);
  await u.idle();
  assert.equal(u.stats.containers, 2);
  assert.equal(u.stats.containersDropped, 1);
  assert.equal(u.user(0, 'c1'), undefined);
});
