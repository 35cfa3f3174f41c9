import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FdPool, FdState, MAX_FDS_PER_PROCESS, addFd, fdL4proto, ipSocketName, newIpSocket, setSocketTuple, swapSocketEnds, FdTable } from './fds.js';
import { PPM_O } from './ppm.js';

test('ip socket names follow the protocol, as sockinfo_to_str prints them', () => {
  const tcp = newIpSocket('ipv4', 'tcp');
  setSocketTuple(tcp, '10.0.0.1', 5000, '10.0.0.2', 80, true);
  assert.equal(ipSocketName(tcp), '10.0.0.1:5000->10.0.0.2:80');
  const icmp = newIpSocket('ipv4', 'icmp');
  setSocketTuple(icmp, '10.0.0.1', 0, '8.8.8.8', 0, true);
  assert.equal(ipSocketName(icmp), '10.0.0.1->8.8.8.8');
  const raw6 = newIpSocket('ipv6', 'raw');
  assert.equal(ipSocketName(raw6), '<unknown>');
  const unknown = newIpSocket('ipv4', undefined);
  assert.equal(ipSocketName(unknown), '<unknown>');
  const udp6 = newIpSocket('ipv6', 'udp');
  setSocketTuple(udp6, 'fe80::1', 546, 'ff02::1:2', 547, true);
  assert.equal(ipSocketName(udp6), 'fe80::1:546->ff02::1:2:547');
});

test('setSocketTuple reports changes, and a reversed tuple is no change', () => {
  const fd = newIpSocket('ipv4', 'udp');
  assert.equal(setSocketTuple(fd, '10.0.0.1', 5000, '10.0.0.2', 53, false), true);
  assert.equal(setSocketTuple(fd, '10.0.0.1', 5000, '10.0.0.2', 53, false), false);
  assert.equal(setSocketTuple(fd, '10.0.0.2', 53, '10.0.0.1', 5000, false), false, 'the same pair seen from the other side');
  // Without overwrite, a known server end stays; the client end always follows.
  assert.equal(setSocketTuple(fd, '10.0.0.1', 5001, '10.0.0.9', 53, false), true);
  assert.equal(fd.sip, '10.0.0.2');
  assert.equal(fd.cport, 5001);
  assert.equal(setSocketTuple(fd, '10.0.0.1', 5001, '10.0.0.9', 53, true), true);
  assert.equal(fd.sip, '10.0.0.9');
  swapSocketEnds(fd);
  assert.deepEqual([fd.cip, fd.cport, fd.sip, fd.sport], ['10.0.0.9', 53, '10.0.0.1', 5001]);
});

test('roles, l4proto visibility and close-on-exec bits', () => {
  const fd = newIpSocket('ipv4', 'tcp');
  assert.equal(fd.isServer, undefined);
  assert.equal(fdL4proto(fd), undefined, 'libsinsp shows no l4proto before a role is known');
  fd.setRoleClient();
  assert.equal(fd.isServer, false);
  assert.equal(fdL4proto(fd), 'tcp');
  assert.equal(fdL4proto(newIpSocket('ipv4', 'raw')), 'raw', 'raw shows regardless');
  const server = new FdState('ipv4');
  server.serverSocket = true;
  server.l4proto = 'udp';
  assert.equal(fdL4proto(server), 'udp');
  assert.equal(fdL4proto(new FdState('file')), undefined);

  const file = new FdState('file');
  file.openFlags = PPM_O.RDONLY | PPM_O.CLOEXEC;
  assert.equal(file.cloexec, true);
  file.clearCloexecBits();
  assert.equal(file.cloexec, false);
  assert.equal(file.openFlags & PPM_O.RDONLY, 0, 'libsinsp clears bit 0 along with the close-on-exec bits');
  const ep = new FdState('eventpoll');
  ep.openFlags = 1; // EPOLL_CLOEXEC
  assert.equal(ep.cloexec, true);
  const c = file.clone();
  c.name = 'other';
  assert.notEqual(file.name, 'other');
});

test('a process table holds at most MAX_FDS_PER_PROCESS fds; replacing one always works', () => {
  const table: FdTable = new FdTable();
  for (let i = 0; i < MAX_FDS_PER_PROCESS; i++) assert.ok(addFd(table, i, new FdState('file')));
  assert.equal(addFd(table, MAX_FDS_PER_PROCESS, new FdState('file')), undefined);
  const replacement = new FdState('pipe');
  assert.equal(addFd(table, 7, replacement), replacement);
  assert.equal(table.get(7)?.num, 7);
});

test('FdTable holds what a Map would, low and high fds alike, through random adds, replaces and deletes', () => {
  const table = new FdTable();
  const ref = new Map<number, FdState>();
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const nums = [0, 1, 2, 3, 5, 9, 100, 1023, 1024, 1025, 5000, 70000, -1];
  for (let i = 0; i < 3000; i++) {
    const n = nums[rand(nums.length)]!;
    if (rand(3) === 0) {
      assert.equal(table.delete(n), ref.delete(n), `delete ${n}`);
    } else {
      const fd = new FdState('file');
      fd.name = `f${i}`;
      table.set(n, fd);
      ref.set(n, fd);
    }
    assert.equal(table.size, ref.size);
    assert.equal(table.get(n), ref.get(n));
    assert.equal(table.has(n), ref.has(n));
  }
  const sorted = (it: Iterable<[number, FdState]>): Array<[number, string]> => [...it].map(([n, fd]): [number, string] => [n, fd.name]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(sorted(table), sorted(ref));
  assert.deepEqual(sorted(table.entries()), sorted(ref.entries()));
  assert.deepEqual([...table.keys()].sort((a, b) => a - b), [...ref.keys()].sort((a, b) => a - b));
  assert.equal([...table.values()].length, ref.size);
  let visited = 0;
  table.forEach((fd, n, t) => {
    assert.equal(t.get(n), fd);
    visited++;
  });
  assert.equal(visited, ref.size);
});

test('FdTable: deleting while iterating (as exec drops close-on-exec fds) visits every fd once', () => {
  const table = new FdTable();
  for (const n of [0, 1, 2, 7, 2000, 3000]) {
    const fd = new FdState('file');
    fd.openFlags = n % 2; // odd fds are "close-on-exec"
    table.set(n, fd);
  }
  const seen: number[] = [];
  for (const [n, fd] of table) {
    seen.push(n);
    if (fd.openFlags === 1) table.delete(n);
  }
  assert.deepEqual(seen, [0, 1, 2, 7, 2000, 3000], 'low fds in numeric order, then the others');
  assert.deepEqual([...table.keys()], [0, 2, 2000, 3000]);
  assert.equal(table.size, 4);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.get(0), undefined);
  assert.deepEqual([...table], []);
});

test('a reused fd is indistinguishable from a new one; an fd two tables share is never reused', () => {
  const pool = new FdPool();
  const used = newIpSocket('ipv4', 'tcp', pool);
  setSocketTuple(used, '10.0.0.1', 5000, '10.0.0.2', 80, true);
  used.nameFromTuple();
  used.openFlags = PPM_O.CLOEXEC;
  used.dev = 7;
  used.ino = 9;
  used.num = 4;
  pool.release(used);
  assert.notEqual(new FdPool().take('file'), used, "another pool's fd is not this one's");
  const reused = pool.take('file');
  assert.equal(reused, used, 'the released fd comes back');
  assert.deepEqual(Object.entries(reused), Object.entries(new FdState('file')));
  assert.equal(reused.cip, undefined, 'no socket data left');
  assert.equal(reused.name, '');

  const shared = new FdState('pipe');
  shared.aliased = true;
  pool.release(shared);
  assert.notEqual(pool.take('pipe'), shared);
});

test('a copy of a socket whose name is still to be made leaves it unmade, and names itself right when read', () => {
  const fd = newIpSocket('ipv4', 'udp');
  setSocketTuple(fd, '10.0.0.1', 5000, '10.0.0.2', 53, true);
  fd.nameFromTuple();
  const copy = fd.clone();
  assert.equal(fd.settledName, undefined, 'cloning did not make the original\'s name');
  assert.equal(copy.settledName, undefined, 'nor the copy\'s');
  assert.equal(copy.nameIsEmpty, false);
  // The original moves on to another peer; the copy keeps the tuple it was made with.
  setSocketTuple(fd, '10.0.0.1', 5001, '10.0.0.3', 53, true);
  fd.nameFromTuple();
  assert.equal(copy.name, '10.0.0.1:5000->10.0.0.2:53');
  assert.equal(fd.name, '10.0.0.1:5001->10.0.0.3:53');
  assert.equal(copy.settledName, '10.0.0.1:5000->10.0.0.2:53', 'made once read');
  // A copy of a made name has it at once.
  const again = fd.clone();
  assert.equal(again.settledName, '10.0.0.1:5001->10.0.0.3:53');
  assert.equal(again.oldName, '10.0.0.1:5001->10.0.0.3:53');
  assert.equal(again.nameGen, 0, 'a copy starts unchanged');
});

test('FdTable.forEach walks the table itself: numeric low fds, then the others; the fd in hand may go', () => {
  const table = new FdTable();
  for (const n of [7, 0, 2, 1, 3000, 2000, 1500]) {
    const fd = new FdState('file');
    fd.openFlags = n % 2 === 1 || n === 2000 ? PPM_O.CLOEXEC : 0;
    table.set(n, fd);
  }
  const seen: number[] = [];
  table.forEach((fd, n, t) => {
    assert.equal(t, table);
    assert.equal(t.get(n), fd);
    seen.push(n);
    if (fd.cloexec) t.delete(n); // as exec drops close-on-exec fds
  });
  assert.deepEqual(seen, [0, 1, 2, 7, 3000, 2000, 1500], 'low fds in numeric order, then the others as added');
  assert.deepEqual([...table.keys()], [0, 2, 3000, 1500]);
  assert.equal(table.size, 4);
  // Live, not a snapshot: an fd deleted before its turn is not visited.
  const visited: number[] = [];
  table.forEach((_fd, n, t) => {
    visited.push(n);
    if (n === 0) {
      t.delete(2);
      t.delete(1500);
    }
  });
  assert.deepEqual(visited, [0, 3000]);
});
