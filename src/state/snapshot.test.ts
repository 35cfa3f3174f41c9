import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanExepath, fdFromSnapshot, loadSnapshots, normalizeCgroups, type ThreadSnapshot } from './snapshot.js';
import { ThreadTable } from './threads.js';
import { hostInterfaces } from './interfaces.js';

/** The host's interfaces complete the sockets' local ends. */
const IFS = hostInterfaces();

test('cgroup subsystems and executable paths are normalised as libsinsp does', () => {
  assert.deepEqual(normalizeCgroups(['cpu_cgroup=/a', 'perf=/b', 'mem=/c', 'io=/d', 'pids=/e']),
    ['cpu=/a', 'perf_event=/b', 'memory=/c', 'blkio=/d', 'pids=/e']);
  assert.deepEqual(normalizeCgroups(['cpu=/a', 'garbage', 'pids=/e']), ['cpu=/a'], 'a malformed entry ends the list');
  assert.equal(cleanExepath('/tmp/x (deleted)'), '/tmp/x');
  assert.equal(cleanExepath('/usr/bin/x'), '/usr/bin/x');
});

test('snapshot fds become fds as add_fd_from_scap makes them', () => {
  const mapped = fdFromSnapshot({ fd: 3, type: 'ipv6', sip: '::ffff:10.0.0.1', sport: 5000, dip: '::ffff:10.0.0.2', dport: 80, l4proto: 'tcp' }, IFS)!;
  assert.equal(mapped.type, 'ipv4');
  assert.equal(mapped.name, '10.0.0.1:5000->10.0.0.2:80');
  assert.equal(mapped.connected, true);
  const v6 = fdFromSnapshot({ fd: 4, type: 'ipv6', sip: '2001:db8::1', sport: 5000, dip: '2001:db8::2', dport: 443, l4proto: 'tcp' }, IFS)!;
  assert.equal(v6.name, '2001:db8::1:5000->2001:db8::2:443');
  const listen = fdFromSnapshot({ fd: 5, type: 'ipv6_server', ip: '::', port: 22, l4proto: 'tcp' }, IFS)!;
  assert.equal(listen.serverSocket, true);
  assert.equal(listen.name, ':::22');
  const named = fdFromSnapshot({ fd: 6, type: 'unix', name: '/run/x.sock', source: 1n }, IFS)!;
  assert.equal(named.isServer, true, 'a unix socket with a path is the listening side');
  assert.equal(fdFromSnapshot({ fd: 7, type: 'unix', name: '' }, IFS)!.isServer, false);
  const file = fdFromSnapshot({ fd: 8, type: 'file', name: '/etc/hosts', openFlags: 1, ino: 9 }, IFS)!;
  assert.deepEqual([file.name, file.openFlags, file.ino], ['/etc/hosts', 1, 9]);
  assert.equal(fdFromSnapshot({ fd: 9, type: 'unsupported', name: '' }, IFS)!.type, 'unsupported');
});

test('loading links parents and fixes which end of a local connection is the server', () => {
  const base = { sid: 0, vpgid: 0, pgid: 0, comm: 'x', exe: 'x', exepath: '/x', args: [], env: [], cwd: '/', uid: 0, gid: 0,
    loginuid: 0, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, cgroups: [], tty: 0 };
  const snaps: ThreadSnapshot[] = [
    { ...base, tid: 2, pid: 2, ptid: 1, vtid: 2, vpid: 2, cwd: '/srv', fds: [
      { fd: 3, type: 'ipv4_server', ip: '0.0.0.0', port: 8080, l4proto: 'tcp' },
      { fd: 4, type: 'ipv4', sip: '127.0.0.1', sport: 8080, dip: '127.0.0.1', dport: 41000, l4proto: 'tcp' },
    ] },
    { ...base, tid: 1, pid: 1, ptid: 0, vtid: 1, vpid: 1 },
    { ...base, tid: 5, pid: 2, ptid: 1, vtid: 5, vpid: 2, flags: 1 << 13 },
    { ...base, tid: 3, pid: 3, ptid: 2, vtid: 3, vpid: 3, fds: [
      { fd: 7, type: 'ipv4', sip: '127.0.0.1', sport: 41000, dip: '127.0.0.1', dport: 8080, l4proto: 'tcp' },
    ] },
  ];
  const table = new ThreadTable();
  assert.equal(loadSnapshots(table, snaps, { interfaces: IFS }).length, 4);
  assert.ok(table.get(1)!.children.has(table.get(2)!), 'the parent came later in the list');
  assert.equal(table.get(5)!.shared, table.get(2)!.shared);
  assert.equal(table.get(5)!.cwd, '/srv/');
  const server = table.get(2)!.shared.fds.get(4)!;
  assert.equal(server.isServer, true);
  assert.equal(server.name, '127.0.0.1:41000->127.0.0.1:8080');
  const client = table.get(3)!.shared.fds.get(7)!;
  assert.equal(client.isServer, false);
  assert.equal(client.name, '127.0.0.1:41000->127.0.0.1:8080');
});
