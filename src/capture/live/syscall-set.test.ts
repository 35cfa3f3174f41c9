import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EF } from '../../events/index.js';
import { EVENT_TABLE } from '../../events/index.js';
import { DECODED_SYSCALLS, STATE_SYSCALLS, selectSyscalls, syscallsFor, undecodedEventTypes, unsupportedEventTypes } from './syscall-set.js';
import { eventCode } from '../../events/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sensorSrc = join(root, 'sensor', 'src');

test('state tracking syscalls are always captured', () => {
  for (const name of ['clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'procexit', 'close', 'dup', 'dup2',
    'dup3', 'socket', 'connect', 'accept', 'accept4', 'bind', 'pipe', 'pipe2', 'fcntl', 'chdir', 'fchdir', 'openat'])
    assert.ok(STATE_SYSCALLS.includes(name), name);
  assert.ok(!STATE_SYSCALLS.includes('sendto'), 'send/recv are left to the rules');
  assert.deepEqual(syscallsFor([]), [...STATE_SYSCALLS].sort());
});

test('rule event types are added when the sensor supports them', () => {
  const set = syscallsFor(['ptrace', 'sendto', 'open', 'k8s_audit_thing', 'ptrace']);
  assert.ok(set.includes('ptrace') && set.includes('sendto'));
  assert.ok(!set.includes('k8s_audit_thing'));
  assert.equal(new Set(set).size, set.length);
  assert.deepEqual(unsupportedEventTypes(['ptrace', 'read', 'switch', 'fsopen', 'mmap2', 'container']), ['container', 'mmap2', 'switch']);
  assert.deepEqual(undecodedEventTypes(['ptrace', 'read', 'fsopen', 'getsockname', 'mmap2']), ['fsopen', 'getsockname']);
  assert.ok(syscallsFor(['fsopen', 'read']).includes('fsopen'), 'a syscall libs has no event for is captured as a generic event');
  assert.ok(!syscallsFor([]).includes('read'), 'high-volume syscalls only when a rule names them');
});

test('every supported syscall has a current exit event in the table', () => {
  for (const name of DECODED_SYSCALLS) {
    assert.doesNotThrow(() => eventCode(name, name !== 'procexit'), name);
  }
});

test('the sensor sources agree with this list and with the event table', (t) => {
  if (!existsSync(sensorSrc)) return t.skip('sensor sources not present');
  const table = readFileSync(join(sensorSrc, 'loader', 'syscalls.c'), 'utf8');
  // decoded syscalls by kernel name; their evt.type names from the generated table
  const evtName = new Map([...readFileSync(join(sensorSrc, 'loader', 'syscall-table.c'), 'utf8').matchAll(/\{"(\w+)", "(\w+)",/g)].map((m) => [m[1]!, m[2]!]));
  const names = [...table.matchAll(/\{"(\w+)", -?\d+, (PPME_\w+)\}/g)].map((m) => [m[0], evtName.get(m[1]!) ?? m[1]!, m[2]!] as const);
  assert.deepEqual(names.map((m) => m[1]).sort(), [...DECODED_SYSCALLS].sort());

  const defines = new Map(
    [...readFileSync(join(sensorSrc, 'bpf', 'events.h'), 'utf8').matchAll(/#define (PPME_\w+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  for (const [id, code] of defines) {
    const info = EVENT_TABLE[code];
    assert.equal(info?.id, id, `events.h: ${id} is code ${code}, the table says ${info?.id}`);
    assert.equal(info.flags & EF.OLD_VERSION, 0, `${id} is an old version`);
  }
  // each syscall emits the current event of its own name
  for (const [, name, id] of names) {
    assert.equal(defines.get(id), eventCode(name, name !== 'procexit'), `${name} emits ${id}`);
  }
});

test('base_syscalls: custom names replace the state set, "!name" removes even a rule syscall', () => {
  const custom = selectSyscalls(['ptrace', 'read', 'switch'], { customSet: ['openat', 'close'], repair: false });
  assert.deepEqual(custom.syscalls, ['close', 'openat', 'procexit', 'ptrace', 'read']);
  const removed = selectSyscalls(['openat', 'connect'], { customSet: ['!openat', '!dup'], repair: false });
  assert.ok(!removed.syscalls.includes('openat') && !removed.syscalls.includes('dup'));
  assert.ok(removed.syscalls.includes('connect') && removed.syscalls.includes('clone'), 'the rest of the state set stays');
  assert.deepEqual(removed.removedFromRules, ['openat']);
  const invalid = selectSyscalls([], { customSet: ['read', '!nosuch', '', 'openat', 'switch'], repair: false });
  assert.deepEqual(invalid.invalid, ['!nosuch', 'switch']);
  assert.deepEqual(invalid.syscalls, ['openat', 'procexit', 'read']);
  assert.ok(selectSyscalls([], { customSet: ['!procexit'], repair: false }).syscalls.includes('procexit'), 'procexit always');
});

test('base_syscalls.repair: the rule syscalls and only the state syscalls they need', () => {
  const repair = { customSet: [], repair: true };
  const files = selectSyscalls(['openat'], repair).syscalls;
  for (const name of ['openat', 'close', 'clone', 'execve', 'chdir', 'fchdir', 'setuid', 'procexit']) assert.ok(files.includes(name), name);
  for (const name of ['socket', 'bind', 'dup', 'pipe', 'connect']) assert.ok(!files.includes(name), name);
  assert.ok(files.length < syscallsFor(['openat']).length);
  const net = selectSyscalls(['connect'], repair).syscalls;
  assert.ok(net.includes('socket') && net.includes('close') && !net.includes('bind'));
  assert.ok(selectSyscalls(['accept4'], repair).syscalls.includes('bind'));
  const proc = selectSyscalls(['execve'], repair).syscalls;
  assert.ok(!proc.includes('close'), 'no file, network or I/O syscall: no close');
  // With a custom set, repair runs last: it puts back what a "!name" removed if the rest needs it.
  assert.ok(selectSyscalls(['openat'], { customSet: ['!close'], repair: true }).syscalls.includes('close'));
  assert.ok(!selectSyscalls(['openat'], { customSet: ['!close'], repair: false }).syscalls.includes('close'));
});
