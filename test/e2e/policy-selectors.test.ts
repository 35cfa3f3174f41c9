// Process selectors that look at what a process became, and at where it runs, end to end: the
// real agent with a policy directory and --export, the real policy sensor, the static victim
// program. matchNamespaceChanges and matchCapabilityChanges compare the process with what it was
// at its exec (tetragon-spec §7.2 case 24, on lseek here): the victim unshares its mount
// namespace, then drops CAP_SYS_ADMIN from its effective set, and each change matches once, at
// the first call after it. hostSelector {}: host processes (the host's pid namespace) match, a
// process in a new pid namespace does not. And char_buf arguments (§7.2 case 14's write, case 24's
// returnCopy): the bytes a write passes (sizeArgIndex) and a read returns (returnCopy), base64,
// truncated past 4096 bytes with the call's size. Each policy is scoped to its own copy of the victim.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Agent, eventually, sleep } from './helpers/agent.js';
import { PolicyWork, policyAgentMissing, type Json } from './helpers/policy.js';

const missing = policyAgentMissing();
const work = new PolicyWork('saker-e2e-selectors-');
const bin = (name: string): string => work.bin(name);
const VICTIMS = ['changes-victim', 'capnotin-victim', 'host-victim', 'bufs-victim'];
let agent: Agent | undefined;

function kprobePolicy(name: string, call: string, args: string, victim: string, selector: string, spec = ''): void {
  work.policy(name, `${spec}  kprobes:\n  - call: ${call}\n    syscall: true\n    args: ${args}\n    selectors:\n    - matchBinaries: [{operator: In, values: ["${bin(victim)}"]}]\n${selector}`);
}

function lseekPolicy(name: string, victim: string, selector: string, spec = ''): void {
  kprobePolicy(name, 'sys_lseek', '[{index: 2, type: int}]', victim, selector, spec);
}

function writePolicies(): void {
  lseekPolicy('ns-changes', 'changes-victim', '      matchNamespaceChanges: [{operator: In, values: [Mnt]}]\n');
  lseekPolicy('cap-changes-in', 'changes-victim', '      matchCapabilityChanges: [{type: Effective, operator: In, values: [CAP_SYS_ADMIN]}]\n');
  // NotIn: a change of capabilities other than the listed ones
  lseekPolicy('cap-changes-notin-mknod', 'capnotin-victim', '      matchCapabilityChanges: [{type: Effective, operator: NotIn, values: [CAP_MKNOD]}]\n');
  lseekPolicy('cap-changes-notin-sysadmin', 'capnotin-victim', '      matchCapabilityChanges: [{type: Effective, operator: NotIn, values: [CAP_SYS_ADMIN]}]\n');
  lseekPolicy('host-selector', 'host-victim', '', '  hostSelector: {}\n');
  kprobePolicy('char-buf-write', 'sys_write', '[{index: 0, type: int}, {index: 1, type: char_buf, sizeArgIndex: 3}, {index: 2, type: size_t}]', 'bufs-victim', '');
  kprobePolicy('char-buf-read', 'sys_read', '[{index: 0, type: int}, {index: 1, type: char_buf, returnCopy: true}, {index: 2, type: size_t}]', 'bufs-victim', '');
}

function hits(policyName: string, pid: number): Json[] {
  return work.hits(policyName, pid);
}

function whences(policyName: string, pid?: number): number[] {
  return work.hits(policyName, pid).map((b) => b.args[0].int_arg as number);
}

function run(cmd: string, args: string[]): { pid: number; lines: string[] } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return { pid: r.pid, lines: r.stdout.trim().split('\n') };
}

before(async () => {
  if (missing) return;
  work.victims(VICTIMS);
  writePolicies();
  agent = await Agent.start({ options: work.agentOptions(), readyTimeoutMs: 60_000 });
});

after(async () => {
  try {
    await agent?.stop();
  } finally {
    work.remove();
  }
});

test('case 24: matchNamespaceChanges matches the first call after the process left its exec-time mount namespace, once', { skip: missing }, async () => {
  const r = run(bin('changes-victim'), ['changes']);
  assert.deepEqual(r.lines, ['unshare 0', 'capset 0']);
  await eventually(() => assert.deepEqual(whences('ns-changes', r.pid), [7702]));
  // and matchCapabilityChanges In: the first call after CAP_SYS_ADMIN left the effective set, once
  await eventually(() => assert.deepEqual(whences('cap-changes-in', r.pid), [7704]));
});

test('matchCapabilityChanges NotIn: a change of other capabilities matches, a change of the listed one does not', { skip: missing }, async () => {
  const r = run(bin('capnotin-victim'), ['changes']);
  assert.deepEqual(r.lines, ['unshare 0', 'capset 0']);
  await eventually(() => assert.deepEqual(whences('cap-changes-notin-mknod', r.pid), [7704]));
  await sleep(500);
  assert.deepEqual(whences('cap-changes-notin-sysadmin', r.pid), []);
});

test('hostSelector {}: a host process matches, in a private mount namespace too; a process in a new pid namespace does not', { skip: missing }, async () => {
  const host = run(bin('host-victim'), ['lseek', '-1', '7801']);
  const privateMounts = run('unshare', ['--mount', bin('host-victim'), 'lseek', '-1', '7802']);
  const newPidNs = run('unshare', ['--pid', '--fork', bin('host-victim'), 'lseek', '-1', '7803']);
  assert.deepEqual([host.lines, privateMounts.lines, newPidNs.lines], [['returned 7801'], ['returned 7802'], ['returned 7803']]);
  await eventually(() => assert.deepEqual(whences('host-selector').sort(), [7801, 7802]));
  await sleep(500);
  assert.deepEqual(whences('host-selector').sort(), [7801, 7802], 'nothing from the new pid namespace');
});

test('char_buf: a write\'s bytes by its size argument (truncated past 4096 with the call\'s size), a read\'s by its return value (returnCopy)', { skip: missing }, async () => {
  const file = work.bin('read-me');
  writeFileSync(file, 'contents\0read\n');
  const r = run(bin('bufs-victim'), ['bufs', file]);
  assert.deepEqual(r.lines, ['hello fd', 'read 14']);
  await eventually(() => assert.deepEqual(hits('char-buf-write', r.pid).map((h) => h.args), [
    [{ int_arg: 1 }, { bytes_arg: Buffer.from('hello fd\n').toString('base64') }, { size_arg: '9' }],
    [{ int_arg: 3 }, { truncated_bytes_arg: { bytes_arg: Buffer.alloc(4096, 'y').toString('base64'), orig_size: '5000' } }, { size_arg: '5000' }],
    // the victim's own report of the read, on its stdout
    [{ int_arg: 1 }, { bytes_arg: Buffer.from('read 14\n').toString('base64') }, { size_arg: '8' }],
  ]));
  // the read's buffer holds what the call returned, read at its exit: the file's 14 bytes of the 100 asked
  await eventually(() => assert.deepEqual(hits('char-buf-read', r.pid).filter((h) => h.args[0].int_arg === 4).map((h) => h.args),
    [[{ int_arg: 4 }, { bytes_arg: Buffer.from('contents\0read\n').toString('base64') }, { size_arg: '100' }]]));
});
