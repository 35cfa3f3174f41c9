// The open prefilter's decision as the kernel takes it (open-prefilter.ts mirrors
// sensor/src/bpf/prefilter.bpf.h); open-prefilter-kernel.test.ts checks the two agree live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALWAYS_BIT, comparablePath, type OpenPrefilterTable, openSendReason, prefilterCommands } from './open-prefilter.js';

const RDONLY = 1, WRONLY = 2, CREAT = 4;

test('only absolute, normalised, ASCII paths without a trailing slash are compared', () => {
  for (const p of ['/dev/null', '/a./b', '/usr/lib/x.so.1', '/a-b_c'] ) assert.ok(comparablePath(Buffer.from(p)), p);
  for (const p of ['dev/null', '/etc//shadow', '/etc/./shadow', '/tmp/../etc/shadow', '/home/u/.ssh/id', '/a..b', '/etc/', '/', '', '/caf\u00e9', '/x/.']) {
    assert.ok(!comparablePath(Buffer.from(p)), p);
  }
  assert.ok(!comparablePath(Buffer.alloc(256, 0x61).fill(0x2f, 0, 1)), 'longer than the kernel key');
});

const table: OpenPrefilterTable = {
  // term 0: /etc/shadow for reading; term 1: anything under /bin/ written; term 2: base name id_rsa
  paths: [
    { path: '/etc/shadow', kind: 'exact', terms: 1n },
    { path: '/bin/', kind: 'prefix', terms: 2n },
    { path: 'id_rsa', kind: 'base', terms: 4n },
    { path: '/proc/', kind: 'prefix', terms: 1n << ALWAYS_BIT },
  ],
  anyPath: 0n,
  groups: [{ anyOf: 0, terms: 4n | (1n << ALWAYS_BIT) }, { anyOf: RDONLY, terms: 1n }, { anyOf: WRONLY, terms: 2n }],
  closes: true,
  consumers: [],
};

test('an open is sent when a term holds for both its path and its flags', () => {
  const send = (path: string, flags: number, res = 3, dir = false) => openSendReason(table, Buffer.from(path), flags, res, dir);
  assert.equal(send('/etc/shadow', RDONLY), 'terms');
  assert.equal(send('/etc/shadow', WRONLY), undefined, 'term 0 wants reading');
  assert.equal(send('/etc/shadowx', RDONLY), undefined, 'exact, not a prefix');
  assert.equal(send('/bin/sh', WRONLY | CREAT), 'terms');
  assert.equal(send('/bin/sh', RDONLY), undefined);
  assert.equal(send('/home/u/id_rsa', RDONLY), 'terms', 'base name, any flags');
  assert.equal(send('/home/u/id_rsa.pub', RDONLY), undefined);
  assert.equal(send('/proc/self/fd/3', RDONLY), 'terms', 'always sent');
  assert.equal(send('/dev/null', RDONLY), undefined);
  assert.equal(send('/dev/null', RDONLY, -2), undefined, 'a failed open too');
  assert.equal(send('/etc', RDONLY, 3, true), 'directory', 'a directory may become a dirfd');
  assert.equal(send('/etc/./shadow', RDONLY), 'path-form');
  assert.equal(send('shadow', RDONLY), 'path-form', 'relative: its fd.name depends on the cwd');
});

test('the commands install the table with the prefilter off, then turn it on', () => {
  const cmds = prefilterCommands({ ...table, consumers: ['fchmod'] });
  assert.deepEqual(cmds.slice(0, 2), ['prefilter off', 'prefilter clear']);
  assert.ok(cmds.includes(`prefilter path exact ${Buffer.from('/etc/shadow').toString('hex')} 1`));
  assert.ok(cmds.includes(`prefilter path base ${Buffer.from('id_rsa').toString('hex')} 4`));
  assert.ok(cmds.includes('prefilter group 1 1'));
  assert.ok(cmds.includes('prefilter consumers fchmod'));
  assert.equal(cmds.at(-1), 'prefilter on 0 close store');
});

test('the longest compared path is 254 bytes, as the kernel reads 256 with the NUL', () => {
  const path = (n: number) => Buffer.concat([Buffer.from('/'), Buffer.alloc(n - 1, 0x61)]);
  assert.ok(comparablePath(path(254)));
  assert.ok(!comparablePath(path(255)));
});
