import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenedPaths, resolveInRoot } from './opened-paths.js';
import { Thread, ThreadTable } from './threads.js';

/** A root laid out as a merged-/usr system: /lib -> usr/lib, /etc/localtime -> /usr/share/zone. */
function makeRoot(dir: string): void {
  mkdirSync(join(dir, 'usr/lib'), { recursive: true });
  mkdirSync(join(dir, 'usr/share'), { recursive: true });
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'proc/77/task/78'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/libc.so'), 'libc');
  writeFileSync(join(dir, 'usr/share/zone'), 'zone');
  writeFileSync(join(dir, 'etc/shadow'), 'shadow');
  writeFileSync(join(dir, 'etc/motd'), 'motd');
  writeFileSync(join(dir, 'proc/77/status'), 'status');
  writeFileSync(join(dir, 'proc/77/task/78/comm'), 'comm');
  symlinkSync('usr/lib', join(dir, 'lib'));
  symlinkSync('/usr/share/zone', join(dir, 'etc/localtime'));
  symlinkSync('loop2', join(dir, 'etc/loop1'));
  symlinkSync('loop1', join(dir, 'etc/loop2'));
}

function thread(pid: number, containerId = ''): Thread {
  const t = new Thread(pid);
  t.pid = pid;
  t.vpid = 77;
  t.vtid = 78;
  t.containerId = containerId;
  return t;
}

function setUp(): { dir: string; root: string; procRoot: string; ino: (p: string) => number; dev: number } {
  const dir = mkdtempSync(join(tmpdir(), 'saker-opened-'));
  const root = join(dir, 'root');
  makeRoot(root);
  // A procfs stand-in: /proc/<pid>/root of a live process leads to its root.
  const procRoot = join(dir, 'proc');
  mkdirSync(join(procRoot, '123'), { recursive: true });
  symlinkSync(root, join(procRoot, '123/root'));
  return { dir, root, procRoot, ino: (p) => statSync(join(root, p)).ino, dev: statSync(root).dev };
}

test('resolveInRoot follows links inside the root, as the kernel does for a process whose root it is', () => {
  const { dir, root } = setUp();
  try {
    const t = thread(123);
    const at = (p: string) => resolveInRoot(root, p, t)?.ino;
    const ino = (p: string) => statSync(join(root, p)).ino;
    assert.equal(at('/lib/libc.so'), ino('usr/lib/libc.so'), 'a relative link');
    assert.equal(at('/etc/localtime'), ino('usr/share/zone'), 'an absolute link starts again from the root, not from ours');
    assert.equal(at('/../../lib/./libc.so'), ino('usr/lib/libc.so'), '.. never above the root');
    assert.equal(at('/lib/../etc/shadow'), undefined, '.. after a link is taken from where the link led (/usr/etc)');
    assert.equal(at('/proc/self/status'), ino('proc/77/status'), '/proc/self is the opener\'s entry');
    assert.equal(at('/proc/thread-self/comm'), ino('proc/77/task/78/comm'), '/proc/thread-self too');
    assert.equal(at('/etc/loop1'), undefined, 'a link loop leads nowhere');
    assert.equal(at('/etc/shadoq'), undefined, 'a missing file');
    assert.equal(at('/etc'), ino('etc'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenedPaths keeps libsinsp\'s name when it leads to the file opened, else names the file the kernel opened', () => {
  const { dir, root, procRoot, ino, dev } = setUp();
  try {
    const paths = new OpenedPaths(procRoot, root);
    const t = thread(123);
    const shadow = ino('etc/shadow');
    assert.equal(paths.nameOf('/etc/shadow', '/etc/shadow', dev, shadow, t), '/etc/shadow', 'they agree');
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, ino('usr/lib/libc.so'), t), '/lib/libc.so', 'through a link: the name libsinsp gives');
    assert.equal(paths.nameOf('/etc/localtime', '/usr/share/zone', dev, ino('usr/share/zone'), t), '/etc/localtime');
    // The race: the path text was changed after the kernel read it.
    assert.equal(paths.nameOf('/etc/shadoq', '/etc/shadow', dev, shadow, t), '/etc/shadow', 'a name that leads nowhere');
    assert.equal(paths.nameOf('/etc/motd', '/etc/shadow', dev, shadow, t), '/etc/shadow', 'a name that leads to another file');
    assert.equal(paths.nameOf('/etc/motd', '/etc/shadow', dev + 1, ino('etc/motd'), t), '/etc/shadow', 'another device');
    assert.equal(paths.nameOf('/etc/motd', '', dev, shadow, t), '/etc/motd', 'no kernel path: the name stays');
    // Gone processes: a host one is checked against the host's root, a container's cannot be.
    const gone = thread(999);
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, ino('usr/lib/libc.so'), gone), '/lib/libc.so');
    assert.equal(paths.nameOf('/etc/shadoq', '/etc/shadow', dev, shadow, gone), '/etc/shadow');
    const goneInContainer = thread(998, 'abcdef012345');
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, ino('usr/lib/libc.so'), goneInContainer), '/usr/lib/libc.so');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenedPaths checks the name of an exited container process through another process of its container', () => {
  const { dir, root, procRoot } = setUp();
  try {
    // The container's root, apart from the host's (`root` here), seen through its live pid 124.
    const croot = join(dir, 'container');
    makeRoot(croot);
    mkdirSync(join(procRoot, '124'));
    symlinkSync(croot, join(procRoot, '124/root'));
    const threads = new ThreadTable();
    const init = thread(124, 'abcdef012345');
    init.root = croot; // read from /proc: the root link as the host reads it
    threads.add(init);
    const paths = new OpenedPaths(procRoot, root, threads);
    const cst = statSync(join(croot, 'usr/lib/libc.so'));
    const gone = thread(998, 'abcdef012345');
    gone.root = '/'; // seen exec'd
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', cst.dev, cst.ino, gone), '/lib/libc.so', 'through pid 124');
    assert.equal(paths.nameOf('/etc/shadoq', '/etc/shadow', cst.dev, statSync(join(croot, 'etc/shadow')).ino, gone), '/etc/shadow');
    // A process of the container whose root is still the host's (runc init before its pivot) does not count.
    rmSync(join(procRoot, '124/root'));
    symlinkSync(root, join(procRoot, '124/root'));
    writeFileSync(join(croot, 'usr/lib/libm.so'), 'libm');
    const mst = statSync(join(croot, 'usr/lib/libm.so'));
    assert.equal(paths.nameOf('/lib/libm.so', '/usr/lib/libm.so', mst.dev, mst.ino, thread(997, 'abcdef012345')), '/usr/lib/libm.so');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenedPaths remembers the checks that kept a name, not those that changed it', () => {
  const { dir, root, procRoot, ino, dev } = setUp();
  try {
    const paths = new OpenedPaths(procRoot, root);
    const t = thread(123);
    const libc = ino('usr/lib/libc.so');
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, libc, t), '/lib/libc.so');
    rmSync(join(root, 'lib'));
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, libc, t), '/lib/libc.so', 'from the remembered check');
    assert.equal(paths.nameOf('/lib/libc.so', '/usr/lib/libc.so', dev, libc, thread(123, 'other')), '/usr/lib/libc.so', 'per container');
    writeFileSync(join(root, 'etc/shadoq'), 'x');
    const shadow = ino('etc/shadow');
    rmSync(join(root, 'etc/shadoq'));
    assert.equal(paths.nameOf('/etc/shadoq', '/etc/shadow', dev, shadow, t), '/etc/shadow');
    symlinkSync('shadow', join(root, 'etc/shadoq'));
    assert.equal(paths.nameOf('/etc/shadoq', '/etc/shadow', dev, shadow, t), '/etc/shadoq', 'a name that now leads there is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
