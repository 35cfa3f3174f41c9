import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTgid, parseNsPid } from './host-tgid.js';

/** A fake procfs: self's pid namespace link, its status, and pid 1's namespace link. */
function fakeProc(selfNs: string, nspid: string, initNs: string): string {
  const root = mkdtempSync(join(tmpdir(), 'saker-proc-'));
  mkdirSync(join(root, 'self', 'ns'), { recursive: true });
  mkdirSync(join(root, '1', 'ns'), { recursive: true });
  symlinkSync(selfNs, join(root, 'self', 'ns', 'pid'));
  symlinkSync(initNs, join(root, '1', 'ns', 'pid'));
  writeFileSync(join(root, 'self', 'status'), `Name:\tnode\nTgid:\t7\nNSpid:\t${nspid}\nNSpgid:\t7\n`);
  return root;
}

test('parseNsPid reads every namespace level, outermost first', () => {
  assert.deepEqual(parseNsPid('Name:\tx\nNSpid:\t4242\t7\t1\n'), [4242, 7, 1]);
  assert.deepEqual(parseNsPid('Name:\tx\n'), []);
});

test('hostTgid is process.pid in the initial pid namespace', () => {
  const root = fakeProc('pid:[4026531836]', '123', 'pid:[4026531836]');
  assert.equal(hostTgid(root, 123), 123);
});

test('hostTgid takes NSpid\'s outer pid in a child namespace seen through the host procfs', () => {
  const root = fakeProc('pid:[4026532999]', '4242\t1', 'pid:[4026531836]');
  assert.equal(hostTgid(root, 1), 4242);
});

test('hostTgid falls back on kthreadd (pid 2, no parent) when pid 1\'s namespace link is refused', () => {
  const root = fakeProc('pid:[4026532999]', '4242\t1', 'pid:[4026531836]');
  rmSync(join(root, '1', 'ns', 'pid'));
  mkdirSync(join(root, '2'));
  writeFileSync(join(root, '2', 'status'), 'Name:\tkthreadd\nState:\tS\nPPid:\t0\n');
  assert.equal(hostTgid(root, 1), 4242);
  writeFileSync(join(root, '2', 'status'), 'Name:\tsh\nState:\tS\nPPid:\t1\n');
  assert.equal(hostTgid(root, 1), undefined, 'a child namespace\'s procfs: pid 2 is an ordinary process');
});

test('hostTgid is unknown (never the namespaced pid) with a namespace-local procfs', () => {
  const root = fakeProc('pid:[4026532999]', '1', 'pid:[4026532999]');
  assert.equal(hostTgid(root, 1), undefined);
});

test('hostTgid of this process on this machine is its pid when not namespaced', (t) => {
  const real = hostTgid();
  if (real === undefined) return t.skip('this test runs in a pid namespace whose procfs hides the host pid');
  // In the initial namespace (this VM) the host tgid is our own pid; in a child one it differs.
  if (readlinkSync('/proc/self/ns/pid') === 'pid:[4026531836]') assert.equal(real, process.pid);
  else assert.notEqual(real, process.pid);
});
