// Override through cgroup BPF programs: which hooks and errnos load, what is refused with the
// reason at its file position and field path, what is said at load, and what the sensor gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicies } from './compile.js';
import { ACTION, FIELD, OFF, OP, SIZE } from './kernel-layout.js';
import { loadPolicyText } from './load.js';
import { FAKE_ENV, THIS_KERNEL } from './test-support.js';

const policy = (hook: string) => `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n${hook}`;
const connect = (match: string, actions: string, extra = '') => policy(`  kprobes:
  - call: sys_connect
    syscall: true${extra}
    args: [{index: 0, type: int}, {index: 1, type: sockaddr}]
    selectors:
    - matchArgs: [${match}]
      matchActions: [${actions}]
`);
const DENY_PORT = '{index: 1, operator: SPort, values: ["8080"]}';

function load(yaml: string, features = THIS_KERNEL) {
  return loadPolicyText('p.yaml', yaml, { features, env: FAKE_ENV });
}
function problems(yaml: string, severity: 'error' | 'warning', features = THIS_KERNEL): string[] {
  return load(yaml, features).file.problems.filter((p) => p.severity === severity).map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
}

test('Override on connect loads; what the cgroup programs do not see is a warning', () => {
  const yaml = connect(DENY_PORT, '{action: Override, argError: -111}');
  assert.deepEqual(problems(yaml, 'error'), []);
  assert.deepEqual(problems(yaml, 'warning'), [
    '11:31 spec.kprobes[0].selectors[0].matchActions[0].action: Override through cgroup BPF programs: only AF_INET and AF_INET6 connects pass cgroup/connect4|6; other families connect',
  ]);
});

test('a kernel whose cgroup programs cannot set the errno: EPERM, said at load', () => {
  const w = problems(connect(DENY_PORT, '{action: Override, argError: -111}'), 'warning', { ...THIS_KERNEL, cgroupSetRetval: false });
  assert.match(w.join('\n'), /does not let cgroup programs set the errno \(bpf_set_retval\): the call fails with EPERM, not 111/);
});

test('Override refusals name the reason, the position and the field path', () => {
  const openat = policy('  kprobes:\n  - call: sys_openat\n    syscall: true\n    selectors:\n    - matchActions: [{action: Override, argError: -2}]\n');
  assert.deepEqual(problems(openat, 'error'), ['9:31 spec.kprobes[0].selectors[0].matchActions[0].action: Override on __x64_sys_openat needs bpf_override_return '
    + '(CONFIG_BPF_KPROBE_OVERRIDE), fmod_ret on syscalls or BPF LSM, which this kernel does not provide; Saker overrides socket, connect, bind, sendto, '
    + 'sendmsg and sendmmsg through cgroup BPF programs; use Sigkill']);
  const tp = policy('  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_connect\n    selectors:\n    - matchActions: [{action: Override, argError: -1}]\n');
  assert.match(problems(tp, 'error').join('\n'), /matchActions\[0\]\.action: Override on a tracepoint does nothing in Tetragon/);
  const ret = connect(DENY_PORT, '{action: Override, argError: -1}', '\n    return: true\n    returnArg: {index: 0, type: int}');
  assert.match(problems(ret, 'error').join('\n'), /Override on a return probe is not implemented/);
  assert.match(problems(connect(DENY_PORT, '{action: Override}'), 'error').join('\n'), /matchActions\[0\]\.argError: Override with argError 0 .* cannot be done by a cgroup program/);
  assert.match(problems(connect(DENY_PORT, '{action: Override, argError: 13}'), 'error').join('\n'), /argError 13 is not a negative errno/);
  assert.match(problems(connect(DENY_PORT, '{action: Override, argError: -1}'), 'error', { ...THIS_KERNEL, cgroup2: false }).join('\n'), /needs a mounted cgroup v2 hierarchy/);
});

test('sockaddr filters: bad values and IPv6 addresses are refused at their value', () => {
  assert.deepEqual(problems(connect('{index: 1, operator: SPort, values: ["80", "99999"]}', '{action: Post}'), 'error'),
    ['10:62 spec.kprobes[0].selectors[0].matchArgs[0].values[1]: "99999" is not a port (0-65535) or a port range a:b']);
  assert.match(problems(connect('{index: 1, operator: SAddr, values: ["10.0.0.0/33"]}', '{action: Post}'), 'error').join('\n'), /values\[0\]: "10\.0\.0\.0\/33" is not an IPv4 address or CIDR/);
  assert.match(problems(connect('{index: 1, operator: SAddr, values: ["::1"]}', '{action: Post}'), 'error').join('\n'), /SAddr on an IPv6 address is not evaluated/);
  assert.match(problems(connect('{index: 1, operator: DPort, values: ["80"]}', '{action: Post}'), 'error').join('\n'), /operator DPort is not supported for argument type sockaddr/);
});

test('compiled: the hook asks for the cgroup programs, the errno positive, sockaddr filters on their field', () => {
  const r = load(connect('{index: 1, operator: SAddr, values: ["127.0.0.0/8"]}, {index: 1, operator: NotSPort, values: ["80:89"]}', '{action: Override, argError: -111}'));
  const c = compilePolicies(r.loaded, { bank: 0, hostNs: () => 1 });
  assert.deepEqual(c.errors, []);
  const hook = Buffer.from(c.commands.find((x) => x.startsWith('hook '))!.split(' ')[2]!, 'hex');
  assert.equal(hook.readUInt32LE(OFF.hook.override), 1);
  assert.equal(hook.readUInt8(OFF.hook.args + 4 + 2), 3, 'the sockaddr argument is read as one (KIND.sockaddr)');
  const sel = Buffer.from(c.commands.find((x) => x.startsWith('selector '))!.split(' ')[2]!, 'hex');
  assert.deepEqual([sel.readUInt32LE(OFF.sel.nactions + 4), sel.readUInt32LE(OFF.sel.nactions + 16)], [ACTION.Override, 111]);
  const m = (i: number, at: number) => OFF.sel.match + SIZE.matchArg * i + at;
  assert.deepEqual([sel.readUInt8(m(0, 1)), sel.readUInt8(m(0, OFF.ma.field)), sel.readBigInt64LE(m(0, OFF.ma.lo)), sel.readBigInt64LE(m(0, OFF.ma.hi))],
    [OP.INRANGE, FIELD.addr4, 0x7f000000n, 0x7fffffffn]);
  assert.deepEqual([sel.readUInt8(m(1, 1)), sel.readUInt8(m(1, OFF.ma.field)), sel.readBigInt64LE(m(1, OFF.ma.lo)), sel.readBigInt64LE(m(1, OFF.ma.hi))],
    [OP.NOTINRANGE, FIELD.port, 80n, 89n]);
});
