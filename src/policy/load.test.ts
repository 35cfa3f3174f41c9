// Policy loading: schema errors located by line, column and field path; Tetragon's defaults;
// every load-time rejection of tetragon-spec §7.2 case 33; hooks refused naming the kernel
// feature they need; tracepoint index rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPolicyText } from './load.js';
import { FAKE_ENV, THIS_KERNEL } from './test-support.js';

function load(yaml: string, features = THIS_KERNEL) {
  return loadPolicyText('p.yaml', yaml, { features, env: FAKE_ENV });
}
function errors(yaml: string, features = THIS_KERNEL): string[] {
  return load(yaml, features).file.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
}

const LSEEK_KPROBE = (selectors: string, extra = '') => `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: t
spec:${extra}
  kprobes:
  - call: sys_lseek
    args:
    - index: 2
      type: int
    selectors:
${selectors}`;

test('a valid syscall kprobe loads with Tetragon\'s defaults applied', () => {
  const r = load(LSEEK_KPROBE(`    - matchArgs:
      - index: 2
        operator: Equal
        values: ["5555"]
      matchActions:
      - action: Sigkill`));
  assert.deepEqual(r.file.problems, []);
  const p = r.loaded[0]!;
  assert.equal(p.policy.spec.kprobes![0]!.syscall, true);
  assert.equal(p.policy.spec.kprobes![0]!.return, false);
  assert.equal(p.mode, 'enforce');
  const hook = p.plan.hooks[0]!;
  assert.equal(hook.event, 'process_kprobe');
  assert.deepEqual(hook.attach, { kind: 'syscall', nrs: [8] });
  assert.equal(hook.functionNames.get(8), '__x64_sys_lseek');
  assert.deepEqual(hook.args[0]!.source, { kind: 'sysarg', index: 2 });
});

test('an unknown field is an error at its key, with the field path', () => {
  const e = errors(`apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: t
spec:
  kprobes:
  - call: sys_lseek
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        vaules: ["1"]`);
  assert.ok(e.includes('12:9 spec.kprobes[0].selectors[0].matchArgs[0].vaules: unknown field "vaules" in spec.kprobes[0].selectors[0].matchArgs[0]'), e.join('\n'));
});

test('enum spellings are exact: lower-case operator and action aliases are refused', () => {
  const e = errors(LSEEK_KPROBE(`    - matchArgs:
      - index: 2
        operator: lt
        values: ["1"]
      matchActions:
      - action: noPost`));
  assert.equal(e.length, 2, e.join('\n'));
  assert.match(e[0]!, /^14:19 spec\.kprobes\[0\]\.selectors\[0\]\.matchArgs\[0\]\.operator: .*"lt" is not one of "Equal"/);
  assert.match(e[1]!, /^17:17 spec\.kprobes\[0\]\.selectors\[0\]\.matchActions\[0\]\.action: .*"noPost" is not one of/);
});

test('numbers where the CRD has strings are refused (matchArgs values must be quoted)', () => {
  const e = errors(LSEEK_KPROBE(`    - matchArgs:
      - index: 2
        operator: Equal
        values: [5555]`));
  assert.match(e.join('\n'), /15:18 spec\.kprobes\[0\]\.selectors\[0\]\.matchArgs\[0\]\.values\[0\]: .*must be string/);
});

test('a YAML syntax error is located', () => {
  const e = errors('apiVersion: cilium.io/v1alpha1\nkind: [TracingPolicy\n');
  assert.equal(e.length > 0, true);
  assert.match(e[0]!, /^\d+:\d+ : /);
});

test('missing required fields name the object they are missing from', () => {
  const e = errors('apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {}\nspec: {}\n');
  assert.ok(e.some((x) => x.includes('metadata: missing required field "name"')), e.join('\n'));
});

// tetragon-spec §7.2 case 33: every load-time rejection.
const sel = (body: string) => `    - ${body}`;
const CASE_33: Array<[string, string, RegExp]> = [
  ['more than 5 selectors', LSEEK_KPROBE(Array.from({ length: 6 }, () => sel('matchActions: [{action: Post}]')).join('\n')), /at most 5 selectors per hook \(got 6\)/],
  ['more than 3 actions', LSEEK_KPROBE(sel('matchActions: [{action: Post}, {action: Post}, {action: Post}, {action: Post}]')), /at most 3 actions per selector \(got 4\)/],
  ['more than 16 tags', LSEEK_KPROBE(sel('matchActions: [{action: Post}]')).replace('    selectors:', `    tags: [${Array.from({ length: 17 }, (_, i) => `t${i}`).join(', ')}]\n    selectors:`), /at most 16 tags per hook \(got 17\)/],
  ['more than 4 values for Equal on an int', LSEEK_KPROBE(sel('matchArgs: [{index: 2, operator: Equal, values: ["1","2","3","4","5"]}]')), /at most 4 values for Equal/],
  ['rateLimit on an action other than Post', LSEEK_KPROBE(sel('matchActions: [{action: Sigkill, rateLimit: "5"}]')), /rateLimit is only valid on Post/],
  ['NotifyEnforcer without enforcers', LSEEK_KPROBE(sel('matchActions: [{action: NotifyEnforcer, argError: -1}]')), /NotifyEnforcer action needs spec.enforcers/],
  ['LSM argument index 5', `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  lsmhooks:\n  - hook: file_open\n    args: [{index: 5, type: file}]\n`, /LSM hook argument index 5 is out of range/],
  ['tracepoint argument index beyond the fields', `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n    args: [{index: 8}]\n`, /has 8 fields; index 8 is out of range/],
  ['raw tracepoint argument index above 5', `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  tracepoints:\n  - subsystem: sched\n    event: sched_process_exec\n    raw: true\n    args: [{index: 6}]\n`, /raw tracepoint argument index 6 is out of range/],
  ['unknown syscall in a syscalls list', `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  lists:\n  - name: l\n    type: syscalls\n    values: [sys_dup, sys_nosuchcall]\n`, /"sys_nosuchcall" is not a syscall/],
  ['Override on a kernel function that is neither a syscall nor security_', `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  kprobes:\n  - call: fd_install\n    syscall: false\n    selectors:\n    - matchActions: [{action: Override, argError: -1}]\n`, /override action can be used only with syscalls and security_ hooks/],
  ['return: true without returnArg', LSEEK_KPROBE(sel('matchActions: [{action: Post}]')).replace('  - call: sys_lseek', '  - call: sys_lseek\n    return: true'), /return: true needs a returnArg/],
  ['two enforcers', LSEEK_KPROBE(sel('matchActions: [{action: Post}]'), '\n  enforcers: [{calls: [sys_dup]}, {calls: [sys_dup2]}]'), /only one enforcer is allowed/],
  ['matchArgs index of no declared argument', LSEEK_KPROBE(sel('matchArgs: [{index: 1, operator: Equal, values: ["1"]}]')), /argFilter for unknown index 1/],
  ['an operator the argument type does not have', LSEEK_KPROBE(sel('matchArgs: [{index: 2, operator: Prefix, values: ["1"]}]')), /operator Prefix is not supported for argument type int/],
  ['a one-character message', LSEEK_KPROBE(sel('matchActions: [{action: Post}]')).replace('    selectors:', '    message: x\n    selectors:'), /message must be at least 2 characters long/],
  ['a postfix longer than 127 characters', LSEEK_KPROBE(sel('matchActions: [{action: Post}]')).replace('type: int', 'type: string').replace('[{action: Post}]', `[{action: Post}]\n      matchArgs: [{index: 2, operator: Postfix, values: ["${'a'.repeat(128)}"]}]`), /postfix values are at most 127 characters/],
  ['hostSelector in a namespaced policy', LSEEK_KPROBE(sel('matchActions: [{action: Post}]'), '\n  hostSelector: {}').replace('kind: TracingPolicy', 'kind: TracingPolicyNamespaced'), /a TracingPolicyNamespaced cannot have a hostSelector/],
  ['a kprobe argument of type auto', LSEEK_KPROBE(sel('matchActions: [{action: Post}]')).replace('type: int', 'type: auto'), /argument type "auto" is not valid for kprobes/],
  ['a bad policy-mode', LSEEK_KPROBE(sel('matchActions: [{action: Post}]'), '\n  options: [{name: policy-mode, value: audit}]'), /policy-mode must be "enforce" or "monitor"/],
];
for (const [what, yaml, expected] of CASE_33) {
  test(`case 33: ${what} is refused at load`, () => {
    const r = load(yaml);
    assert.equal(r.loaded.length, 0, `loaded although: ${what}`);
    const e = r.file.problems.filter((p) => p.severity === 'error');
    assert.ok(e.some((p) => expected.test(p.message) && p.line > 0 && p.path.startsWith('spec')), e.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n'));
  });
}

test('hooks this kernel cannot attach are refused naming the feature; a kernel with it gets a different reason', () => {
  const lsm = `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  lsmhooks:\n  - hook: file_open\n    args: [{index: 0, type: file}]\n`;
  assert.match(errors(lsm).join('\n'), /6:5 spec\.lsmhooks\[0\]: an LSM hook needs BPF LSM .* which this kernel does not provide/);
  assert.match(errors(lsm, { ...THIS_KERNEL, lsm: true }).join('\n'), /which Saker does not use yet/);
  const kp = `apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  kprobes:\n  - call: security_file_permission\n    syscall: false\n`;
  assert.match(errors(kp).join('\n'), /spec\.kprobes\[0\]\.call: kprobe on kernel function security_file_permission needs kprobes \(CONFIG_KPROBES\) or BPF trampolines/);
  const override = LSEEK_KPROBE(sel('matchActions: [{action: Override, argError: -1}]'));
  assert.match(errors(override).join('\n'), /Override on __x64_sys_\w+ needs bpf_override_return/);
});

test('tracepoint matchArgs index: a declared field index means that argument, else a position in args', () => {
  const r = load(`apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata: {name: t}\nspec:\n  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n    args: [{index: 7}, {index: 5, type: sint32}]\n    selectors:\n    - matchArgs: [{index: 7, operator: Equal, values: ["4444"]}]\n    - matchArgs: [{index: 1, operator: Equal, values: ["100"]}]\n`);
  assert.deepEqual(r.file.problems, []);
  const h = r.loaded[0]!.plan.hooks[0]!;
  assert.equal(h.event, 'process_tracepoint');
  assert.deepEqual(h.args.map((a) => [a.source, a.type]), [[{ kind: 'sysarg', index: 2 }, 'uint64'], [{ kind: 'sysarg', index: 0 }, 'sint32']]);
});

test('policy-mode monitor is read from the options', () => {
  const r = load(LSEEK_KPROBE(sel('matchActions: [{action: Sigkill}]'), '\n  options: [{name: policy-mode, value: monitor}]'));
  assert.equal(r.loaded[0]!.mode, 'monitor');
});

test('documents of other kinds in the file are skipped with a warning', () => {
  const r = load(`apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n---\n${LSEEK_KPROBE(sel('matchActions: [{action: Post}]'))}`);
  assert.equal(r.loaded.length, 1);
  assert.equal(r.file.problems[0]!.severity, 'warning');
  assert.match(r.file.problems[0]!.message, /kind Pod \(v1\) is not a TracingPolicy; skipped/);
});
