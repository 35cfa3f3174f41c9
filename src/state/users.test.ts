import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserTables, parseGroup, parsePasswd } from './users.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  '+nisuser::::::',
  'broken:x:notanumber:1:x:/:/bin/sh',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'adm:x:4:syslog,alice', 'alice:x:1000:', '-nis::', ''].join('\n');

test('passwd and group files parse as libsinsp reads them', () => {
  assert.deepEqual(parsePasswd(PASSWD).map((u) => [u.uid, u.name, u.home, u.shell]), [
    [0, 'root', '/root', '/bin/bash'],
    [1, 'daemon', '/usr/sbin', '/usr/sbin/nologin'],
    [1000, 'alice', '/home/alice', '/bin/zsh'],
  ]);
  assert.deepEqual(parseGroup(GROUP).map((g) => [g.gid, g.name]), [[0, 'root'], [4, 'adm'], [1000, 'alice']]);
});

test('host users come from the host root; uid 0 is root even without an entry', () => {
  const root = mkdtempSync(join(tmpdir(), 'saker-users-'));
  try {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/passwd'), PASSWD);
    writeFileSync(join(root, 'etc/group'), GROUP);
    const u = new UserTables({ hostRoot: root });
    assert.equal(u.user(1000, ''), undefined, 'lookups never read files');
    u.noteUser('', 4242, 1000);
    assert.equal(u.user(1000, '')?.name, 'alice');
    assert.equal(u.user(1, '')?.shell, '/usr/sbin/nologin', 'the whole file was read');
    u.noteGroup('', 4242, 4);
    assert.equal(u.group(4, '')?.name, 'adm');
    assert.equal(u.user(4000, ''), undefined);

    const bare = new UserTables({ hostRoot: join(root, 'nowhere') });
    bare.noteUser('', 1, 0);
    assert.deepEqual(bare.user(0, ''), { uid: 0, gid: 0, name: 'root', home: '/root', shell: '<NA>' });
    bare.addUser('c1', { uid: 7, gid: 7, name: 'svc', home: '/srv', shell: '/bin/sh' });
    assert.equal(bare.user(7, 'c1')?.name, 'svc');
    assert.equal(bare.user(7, ''), undefined, 'containers have their own tables');
    bare.removeUser('c1', 7);
    assert.equal(bare.user(7, 'c1'), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('container users are read from the container root through /proc/<pid>/root', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to enter a mount namespace');
  if (!existsSync('/bin/busybox')) return t.skip('needs busybox-static (apt-get install busybox-static)');
  const rootfs = mkdtempSync(join(tmpdir(), 'saker-rootfs-'));
  mkdirSync(join(rootfs, 'bin'));
  mkdirSync(join(rootfs, 'etc'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/ash\nweb:x:33:33:www:/var/www:/sbin/nologin\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nweb:x:33:\n');
  const child = spawn('unshare', ['--mount', `--root=${rootfs}`, '/bin/busybox', 'sleep', '30'], { stdio: 'ignore' });
  try {
    // The process is unshare until it execs busybox inside the new root.
    const pid = child.pid!;
    for (let i = 0; i < 100; i++) {
      if (existsSync(`/proc/${pid}/root/etc/group`) && readlinkSync(`/proc/${pid}/root`) === rootfs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const read: string[] = [];
    const u = new UserTables({
      hostRoot: '/',
      onContainerEntries: (id, users, groups) => read.push(`${id}: ${users.map((x) => x.name).join(',')} / ${groups.map((g) => g.name).join(',')}`),
    });
    u.noteUser('c0ffee000001', pid, 33);
    await u.idle(); // container files are read off the event loop
    assert.equal(u.user(33, 'c0ffee000001')?.name, 'web');
    // What `saker capture` writes as useradded/groupadded records: every entry of the read.
    assert.deepEqual(read, ['c0ffee000001: root,web / root,web']);
    assert.equal(u.user(0, 'c0ffee000001')?.shell, '/bin/ash', 'the container root, not the host one');
    u.noteGroup('c0ffee000001', pid, 33);
    assert.equal(u.group(33, 'c0ffee000001')?.name, 'web');
    // A process of the host mount namespace never reads "container" files.
    u.noteUser('c0ffee000002', process.pid, 33);
    await u.idle();
    assert.equal(u.user(33, 'c0ffee000002'), undefined);
  } finally {
    child.kill('SIGKILL');
    rmSync(rootfs, { recursive: true, force: true });
  }
});

test("a container read through a process that has exited: through its parent, else again at once on the next miss", async (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'saker-users-proc-'));
  t.after(() => rmSync(proc, { recursive: true, force: true }));
  // A fake procfs: our mount namespace, and two processes in another one; 42 is gone (no root).
  for (const [pid, ns] of [['self', 'mnt:[1]'], ['42', 'mnt:[2]'], ['43', 'mnt:[2]']] as const) {
    mkdirSync(join(proc, pid, 'ns'), { recursive: true });
    symlinkSync(ns, join(proc, pid, 'ns', 'mnt'));
  }
  mkdirSync(join(proc, '43', 'root', 'etc'), { recursive: true });
  writeFileSync(join(proc, '43', 'root', 'etc', 'passwd'), PASSWD);
  writeFileSync(join(proc, '43', 'root', 'etc', 'group'), GROUP);
  const u = new UserTables({ procRoot: proc, rereadMs: 60_000 });
  u.noteUser('c1', 42, 1000);
  await u.idle();
  assert.equal(u.user(1000, 'c1'), undefined);
  u.noteUser('c1', 43, 1000);
  await u.idle();
  assert.equal(u.user(1000, 'c1')?.name, 'alice', 'not held back by the re-read interval');
  u.noteUser('c2', 44, 1000, 43); // 44: gone before the note
  await u.idle();
  assert.equal(u.user(1000, 'c2')?.name, 'alice', "read through the exited process's parent");
  // 45 has entered the container's mount namespace but not its root yet (runc init before
  // pivot_root): its root is the host's, whose users are not the container's.
  mkdirSync(join(proc, '45', 'ns'), { recursive: true });
  symlinkSync('mnt:[2]', join(proc, '45', 'ns', 'mnt'));
  symlinkSync('/', join(proc, '45', 'root'));
  u.noteUser('c3', 45, 0);
  await u.idle();
  assert.equal(u.user(0, 'c3')?.shell, '<NA>', "the stand-in root: nothing read from the host's files");
});
