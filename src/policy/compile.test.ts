// Compiling selectors into the policy sensor's map contents: followChildren sections get a bit of
// their generation's bank and their binaries, the selector points at that bit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clearBank, compilePolicies, hostNamespaceInode } from './compile.js';
import { ACTION, KIND, OFF, OP, PS } from './kernel-layout.js';
import { loadPolicyText } from './load.js';
import { FAKE_ENV, THIS_KERNEL } from './test-support.js';

const GETCPU = (op: string, follow: string, key = 'matchBinaries') => `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: t
spec:
  tracepoints:
  - subsystem: syscalls
    event: sys_enter_getcpu
    selectors:
    - ${key}: [{operator: ${op}, values: ["/tmp/sh-copy"], followChildren: ${follow}}]
`;

function load(yaml: string) {
  return loadPolicyText('p.yaml', yaml, { features: THIS_KERNEL, env: { tracepointFormat: (s, e) => FAKE_ENV.tracepointFormat(s, e) ?? { fields: [] } as never } });
}

function selectorBytes(cmds: string[]): Buffer {
  const line = cmds.find((c) => c.startsWith('selector '))!;
  return Buffer.from(line.split(' ')[2]!, 'hex');
}

test('followChildren: a bit of the bank, its binaries sent, the bank\'s bits reset first', () => {
  const r = load(GETCPU('In', 'true'));
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
  for (const bank of [0, 1]) {
    const c = compilePolicies(r.loaded, { bank, hostNs: () => 1 });
    assert.deepEqual(c.errors, []);
    const base = bank * PS.FOLLOW_BINS / 2;
    const reset = c.commands.findIndex((x) => x.startsWith('followreset '));
    const bin = c.commands.findIndex((x) => x.startsWith(`followbin ${base} `));
    assert.ok(reset >= 0 && bin > reset, 'reset, then the binaries');
    assert.equal(BigInt(c.commands[reset]!.split(' ')[1]!), 0xffffffffn << BigInt(base));
    assert.match(c.commands[bin]!, new RegExp(Buffer.from('/tmp/sh-copy').toString('hex')));
    assert.equal(selectorBytes(c.commands).readUInt32LE(OFF.sel.binFollowBit), base + 1);
  }
  // without followChildren the selector carries no bit
  const plain = compilePolicies(load(GETCPU('NotIn', 'false')).loaded, { bank: 0, hostNs: () => 1 });
  assert.equal(selectorBytes(plain.commands).readUInt32LE(OFF.sel.binFollowBit), 0);
  assert.equal(plain.commands.filter((x) => x.startsWith('followbin ')).length, 0);
  // clearing a bank frees its followChildren sections
  assert.equal(clearBank(1).filter((x) => x.startsWith('followbin ')).length, PS.FOLLOW_BINS / 2);
});

test('followChildren on matchParentBinaries: the parent binary section gets a bit of the bank and its binaries', () => {
  const r = load(GETCPU('NotIn', 'true', 'matchParentBinaries'));
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
  const c = compilePolicies(r.loaded, { bank: 1, hostNs: () => 1 });
  const base = PS.FOLLOW_BINS / 2;
  assert.ok(c.commands.some((x) => x.startsWith(`followbin ${base} `)), 'the section\'s binaries');
  const sel = selectorBytes(c.commands);
  assert.deepEqual([sel.readUInt32LE(40), sel.readUInt32LE(OFF.sel.pbinFollowBit), sel.readUInt32LE(OFF.sel.binFollowBit)], [OP.NEQ, base + 1, 0]);
});

const OPENAT_RETURN = (retSel: string, extra = '') => `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: r
spec:
  kprobes:
  - call: sys_openat
    syscall: true
    return: true
    returnArg: {index: 0, type: int}
    args: [{index: 1, type: string}]
    selectors:
    - matchArgs: [{index: 1, operator: Equal, values: ["/etc/passwd"]}]
      ${retSel}${extra}
`;

test('a syscall return probe: the hook is marked, matchReturnArgs becomes the selector\'s return filter', () => {
  const r = load(OPENAT_RETURN('matchReturnArgs: [{index: 0, operator: LT, values: ["0"]}]'));
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
  const c = compilePolicies(r.loaded, { bank: 0, hostNs: () => 1 });
  const hook = Buffer.from(c.commands.find((x) => x.startsWith('hook '))!.split(' ')[2]!, 'hex');
  assert.equal(hook.readUInt32LE(OFF.hook.ret), 1);
  const sel = selectorBytes(c.commands);
  assert.deepEqual([sel.readUInt8(OFF.sel.retMatch + 1), sel.readUInt8(OFF.sel.retMatch + 2), sel.readBigInt64LE(OFF.sel.retMatch + OFF.ma.lo)], [OP.LT, 1, 0n]);
});

test('case 27: matchReturnActions become the selector\'s return actions, matchActions stay as they are', () => {
  const r = load(OPENAT_RETURN('matchReturnArgs: [{index: 0, operator: Equal, values: ["-9"]}]', '\n      matchReturnActions: [{action: Sigkill}]'));
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
  const sel = selectorBytes(compilePolicies(r.loaded, { bank: 0, hostNs: () => 1 }).commands);
  assert.deepEqual([sel.readUInt32LE(OFF.sel.nactions), sel.readUInt32LE(OFF.sel.nactions + 4)], [1, ACTION.Post]);
  assert.deepEqual([sel.readUInt32LE(OFF.sel.nretActions), sel.readUInt32LE(OFF.sel.nretActions + 4)], [1, ACTION.Sigkill]);
});

test('return probes: what the sensor does not evaluate is refused with the reason', () => {
  const msgs = (yaml: string) => load(yaml).file.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`).join('\n');
  assert.match(msgs(OPENAT_RETURN('matchReturnArgs: [{index: 0, operator: GT, values: ["0"]}]', '\n      matchReturnActions: [{action: Override, argError: -1}]')),
    /matchReturnActions\[0\]\.action: Override on a return probe is not implemented/);
  assert.match(msgs(OPENAT_RETURN('').replace('type: int}\n    args', 'type: string}\n    args')), /returnArg type string is not read at syscall exit/);
  assert.match(msgs(OPENAT_RETURN('').replace('call: sys_openat\n    syscall: true', 'call: do_sys_open\n    syscall: false')), /return probe on kernel function do_sys_open needs kretprobes/);
});

test('host_ns and isNamespaceCapability read the host\'s namespaces from the host procfs given, not the agent\'s /proc', () => {
  const root = mkdtempSync(join(tmpdir(), 'saker-hostns-'));
  try {
    mkdirSync(join(root, '1', 'ns'), { recursive: true });
    symlinkSync('mnt:[4026531841]', join(root, '1', 'ns', 'mnt'));
    symlinkSync('user:[4026531837]', join(root, '1', 'ns', 'user'));
    assert.equal(hostNamespaceInode(root, 2), 4026531841);
    const r = load(GETCPU('In', 'false').replace(/ {4}- matchBinaries.*\n/,
      '    - matchNamespaces: [{namespace: Mnt, operator: In, values: [host_ns]}]\n      matchCapabilities: [{type: Effective, operator: In, isNamespaceCapability: true, values: [CAP_SYS_ADMIN]}]\n'));
    assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
    const c = compilePolicies(r.loaded, { bank: 0, procRoot: root });
    assert.deepEqual(c.errors, []);
    assert.ok(c.commands.includes('hostuserns 4026531837'), 'the kernel gets the host user namespace');
    assert.equal(selectorBytes(c.commands).readUInt32LE(OFF.sel.ns + 4), 4026531841);
    // a policy without isNamespaceCapability sends none
    assert.ok(!compilePolicies(load(GETCPU('In', 'false')).loaded, { bank: 0, procRoot: root }).commands.some((x) => x.startsWith('hostuserns')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('matchNamespaceChanges and matchCapabilityChanges compile into the selector (namespace names case-insensitive); what is wrong is refused', () => {
  const changes = (nsch: string, capch: string) => load(GETCPU('In', 'false').replace(/ {4}- matchBinaries.*\n/, `    - matchNamespaceChanges: [${nsch}]\n      matchCapabilityChanges: [${capch}]\n`));
  const r = changes('{operator: In, values: [Mnt, pid]}', '{type: Permitted, operator: NotIn, isNamespaceCapability: true, values: [CAP_SYS_ADMIN, CAP_MKNOD]}');
  assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
  const sel = selectorBytes(compilePolicies(r.loaded, { bank: 0, hostNs: () => 1 }).commands);
  const at = OFF.sel.nschOp;
  assert.deepEqual([sel.readUInt32LE(at), sel.readUInt32LE(at + 4)], [OP.EQ, (1 << 2) | (1 << 3)]);
  assert.deepEqual([sel.readUInt32LE(at + 8), sel.readUInt32LE(at + 12), sel.readUInt32LE(at + 16)], [OP.NEQ, 2, 1]);
  assert.equal(sel.readBigUInt64LE(OFF.sel.capchMask), (1n << 21n) | (1n << 27n));
  const errors = (nsch: string, capch: string) => changes(nsch, capch).file.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
  assert.match(errors('{operator: In, values: [Mount]}', '{operator: In, values: [CAP_MKNOD]}').join('\n'), /matchNamespaceChanges\[0\]\.values\[0\]: unknown namespace "Mount"/);
  assert.match(errors('{operator: In, values: [Mnt]}', '{operator: In, values: [CAP_MKNOD]}, {operator: In, values: [CAP_CHOWN]}').join('\n'),
    /matchCapabilityChanges: Saker's policy sensor takes one matchCapabilityChanges entry per selector/);
});

test('char_buf: sizeArgIndex read at entry, returnCopy at exit (the hook then finishes there); what cannot be read is refused', () => {
  const WRITE = (args: string, extra = '') => `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: t
spec:
  kprobes:
  - call: sys_write
    syscall: true${extra}
    args: [${args}]
`;
  const hook = (yaml: string) => {
    const r = load(yaml);
    assert.deepEqual(r.file.problems.filter((p) => p.severity === 'error'), []);
    const line = compilePolicies(r.loaded, { bank: 0, hostNs: () => 1 }).commands.find((x) => x.startsWith('hook '))!;
    const b = Buffer.from(line.split(' ')[2]!, 'hex');
    return { kind: b.readUInt8(OFF.hook.args + 4 + 2), slot: b.readUInt8(OFF.hook.args + 4 + 3), ret: b.readUInt32LE(OFF.hook.ret) };
  };
  assert.deepEqual(hook(WRITE('{index: 0, type: int}, {index: 1, type: char_buf, sizeArgIndex: 3}')), { kind: KIND.buf, slot: 3, ret: 0 });
  assert.deepEqual(hook(WRITE('{index: 0, type: int}, {index: 1, type: char_buf, returnCopy: true}')), { kind: KIND.buf, slot: 0, ret: 1 });
  const problems = (yaml: string) => load(yaml).file.problems.map((p) => `${p.severity} ${p.path}: ${p.message}`).join('\n');
  assert.match(problems(WRITE('{index: 1, type: char_buf}')), /error spec\.kprobes\[0\]\.args\[0\]\.type: char_buf needs sizeArgIndex/);
  assert.match(problems(WRITE('{index: 1, type: char_buf, sizeArgIndex: 3}', '\n    return: true\n    returnArg: {index: 0, type: int}')), /args\[0\]\.sizeArgIndex: char_buf with sizeArgIndex is read at syscall entry.*use returnCopy/);
  assert.match(problems(WRITE('{index: 1, type: char_buf, sizeArgIndex: 3}, {index: 1, type: char_buf, returnCopy: true}')), /args\[1\]\.type: Saker's policy sensor captures one char_buf argument per hook/);
  assert.match(problems(WRITE('{index: 1, type: char_buf, sizeArgIndex: 3, maxData: true}')), /warning spec\.kprobes\[0\]\.args\[0\]\.maxData: .*at most 4096 bytes/);
  assert.match(problems(WRITE('{index: 0, type: int, returnCopy: true}')), /returnCopy applies to char_buf arguments/);
});
