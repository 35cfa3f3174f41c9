// Tetragon TracingPolicies end to end: the real agent (`saker run` with a policy directory and
// --export), the real policy sensor, a static victim program making exactly the syscalls a case
// needs. One agent runs the tetragon-spec §7.2 cases this kernel can run, each policy scoped to
// the victim (its binary, a marker argument value, or the test's process tree) so nothing else
// on the machine is touched. Expectations are Tetragon's: which calls post events, the event
// encoding, the action, kills before the call returns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, eventually, sleep } from './helpers/agent.js';
import { PolicyWork, policyAgentMissing, type Json } from './helpers/policy.js';
import { RuncContainer } from './helpers/runc.js';

const missing = policyAgentMissing();
const policyWork = new PolicyWork('saker-e2e-policy-');
const work = policyWork.dir;
const victim = policyWork.bin('policy-victim');
/** A copy under another name: the exec-kill target. */
const execTarget = policyWork.bin('doomed-binary');
/** case 21: a copy of sh whose children are followed, and a victim copy no other policy kills */
const shCopy = join(work, 'sh-copy');
const getcpuVictim = policyWork.bin('getcpu-victim');
const me = process.pid;
let agent: Agent | undefined;

const PID_FILTER = `matchPIDs: [{operator: In, followForks: true, values: [${me}]}]`;

function policy(name: string, spec: string): void {
  policyWork.policy(name, spec);
}

/** The §7.2 policies, each scoped to this test's processes. */
function writePolicies(): void {
  // case 1: no selectors: every lseek on the machine posts (the test looks at the victim's)
  policy('case1-no-selectors', '  kprobes:\n  - call: sys_lseek\n    syscall: true\n    args: [{index: 0, type: int}, {index: 2, type: int}]\n');
  // case 2 and 3: tracepoint field indexes, auto type of `unsigned int whence` (size 8) vs forced int
  policy('case2-tracepoint-equal', `  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n    args: [{index: 7}, {index: 5, type: sint32}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 7, operator: Equal, values: ["4444"]}]\n`);
  policy('case3-tracepoint-int', `  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n    args: [{index: 7, type: int}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 7, operator: Equal, values: ["4444"]}]\n`);
  // cases 4-7: OR across selectors, first match decides
  const sels = (vals: string[], op = 'Equal') => vals.map((v) => `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: ${op}, values: [${v}]}]\n`).join('');
  const lseekKp = (name: string, selectors: string) => policy(name, `  kprobes:\n  - call: sys_lseek\n    syscall: true\n    args: [{index: 2, type: int}]\n    selectors:\n${selectors}`);
  lseekKp('case4-or', sels(['"4443"', '"9999"']));
  lseekKp('case5-or', sels(['"4444"', '"9999"']));
  lseekKp('case6-three', sels(['"8888"', '"8889"', '"4443"']));
  lseekKp('case7-inmap', sels(['"8888", "8889"', '"4442", "4443", "4444"'], 'InMap'));
  // case 8: the first two selectors never match (no such binary), the third posts
  lseekKp('case8-nopost-shortcircuit', `    - ${PID_FILTER}\n      matchBinaries: [{operator: In, values: ["nosuchbinaryexists"]}]\n      matchArgs: [{index: 2, operator: Equal, values: ["5556"]}]\n      matchActions: [{action: NoPost}]\n`.repeat(2)
    + `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["5556"]}]\n`);
  // case 10, 11, 16: strings and masks on openat
  const openKp = (name: string, match: string) => policy(name, `  kprobes:\n  - call: sys_openat\n    syscall: true\n    args: [{index: 0, type: int}, {index: 1, type: string}, {index: 2, type: int}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [${match}]\n`);
  openKp('case10-prefix', `{index: 1, operator: Prefix, values: ["${work}/testf"]}`);
  openKp('case10-prefix-miss', '{index: 1, operator: Prefix, values: ["/foo/"]}');
  openKp('case11-postfix', '{index: 1, operator: Postfix, values: ["testfile"]}');
  openKp('case11-postfix-nul', '{index: 1, operator: Postfix, values: ["testfile\\0"]}');
  openKp('case16-mask', `{index: 1, operator: Prefix, values: ["${work}/maskfile"]}, {index: 2, operator: Mask, values: ["${0o1000}"]}`);
  // case 17: a return probe in syscall form, matchReturnArgs GT / LT "0" on openat's return
  for (const op of ['GT', 'LT']) {
    policy(`case17-return-${op.toLowerCase()}`, `  kprobes:\n  - call: sys_openat\n    syscall: true\n    return: true\n    returnArg: {index: 0, type: int}\n    args: [{index: 1, type: string}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 1, operator: Prefix, values: ["${work}/retfile"]}]\n      matchReturnArgs: [{index: 0, operator: ${op}, values: ["0"]}]\n`);
  }
  // case 27: a return probe whose matchReturnActions kill when lseek returns -9 (EBADF)
  policy('case27-return-sigkill', `  kprobes:\n  - call: sys_lseek\n    syscall: true\n    return: true\n    returnArg: {index: 0, type: int}\n    args: [{index: 2, type: int}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["5560"]}]\n      matchReturnArgs: [{index: 0, operator: Equal, values: ["-9"]}]\n      matchReturnActions: [{action: Sigkill}]\n`);
  // case 18: raw_syscalls with a syscall list and a range
  policy('case18-raw-syscalls', `  lists:\n  - name: test\n    type: syscalls\n    values: [sys_dup]\n  tracepoints:\n  - subsystem: raw_syscalls\n    event: sys_enter\n    args: [{index: 4, type: syscall64}, {index: 5, type: uint64}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 0, operator: InMap, values: ["list:test"]}, {index: 1, operator: InMap, values: ["9910:9919"]}]\n`);
  // case 19: matchBinaries, six operators, on tail and head opening /etc/passwd
  for (const [op, v] of [['In', '/usr/bin/tail'], ['NotIn', '/usr/bin/tail'], ['Prefix', '/usr/bin/t'], ['NotPrefix', '/usr/bin/t'], ['Postfix', 'bin/tail'], ['NotPostfix', 'bin/tail']] as Array<[string, string]>) {
    policy(`case19-binaries-${op.toLowerCase()}`, `  kprobes:\n  - call: sys_openat\n    syscall: true\n    args: [{index: 1, type: string}]\n    selectors:\n    - ${PID_FILTER}\n      matchBinaries: [{operator: ${op}, values: ["${v}"]}]\n      matchArgs: [{index: 1, operator: Equal, values: ["/etc/passwd"]}]\n`);
  }
  // case 22: host namespaces
  policy('case22-host-ns', `  kprobes:\n  - call: sys_write\n    syscall: true\n    args: [{index: 0, type: int}, {index: 2, type: size_t}]\n    selectors:\n    - matchBinaries: [{operator: Postfix, values: ["/policy-victim"]}]\n      matchNamespaces: [{namespace: Mnt, operator: In, values: [host_ns]}, {namespace: Pid, operator: In, values: [host_ns]}]\n      matchArgs: [{index: 0, operator: Equal, values: ["1"]}]\n`);
  // containerSelector: only containers of image repository saker.test/workload-a are killed
  policy('container-selector', `  containerSelector:\n    matchExpressions: [{key: repo, operator: In, values: [saker.test/workload-a]}]\n  kprobes:\n  - call: sys_lseek\n    syscall: true\n    args: [{index: 2, type: int}]\n    selectors:\n    - matchArgs: [{index: 2, operator: Equal, values: ["5561"]}]\n      matchActions: [{action: Sigkill}]\n`);
  // podSelector: pods labelled app=web in namespace shop (labels and pod names from the containers' CRI annotations);
  // on getcpu, lseek has the sensor's 16 hooks already
  policy('pod-selector', '  podSelector:\n    matchLabels: {app: web}\n    matchExpressions: [{key: "k8s:io.kubernetes.pod.namespace", operator: In, values: [shop]}]\n  kprobes:\n  - call: sys_getcpu\n    syscall: true\n    selectors:\n    - matchActions: [{action: Sigkill}]\n');
  // case 25, 26: Sigkill, kprobe and tracepoint forms
  lseekKp('case25-sigkill', `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["5555"]}]\n      matchActions: [{action: Sigkill}]\n`);
  policy('case26-sigkill-tracepoint', `  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_lseek\n    args: [{index: 7, type: int32}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 7, operator: Equal, values: ["5557"]}]\n      matchActions: [{action: Sigkill}]\n`);
  // case 29 (signal part): Signal 10
  lseekKp('case29-signal', `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["5558"]}]\n      matchActions: [{action: Signal, argSig: 10}]\n`);
  // case 31 with a signal: raw_syscalls getcpu from the victim binary, killed
  policy('case31-getcpu-kill', `  lists:\n  - name: getcpu\n    type: syscalls\n    values: [sys_getcpu]\n  tracepoints:\n  - subsystem: raw_syscalls\n    event: sys_enter\n    args: [{index: 4, type: syscall64}]\n    selectors:\n    - matchArgs: [{index: 0, operator: InMap, values: ["list:getcpu"]}]\n      matchBinaries: [{operator: In, values: ["${victim}"]}]\n      matchActions: [{action: Sigkill}]\n`);
  // case 21: followChildren, In and NotIn (the NotIn one scoped to this test's process tree)
  const follow = (name: string, op: string, scope: string) => policy(name, `  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_getcpu\n    selectors:\n    - ${scope}matchBinaries: [{operator: ${op}, values: ["${shCopy}"], followChildren: true}]\n`);
  follow('case21-follow-in', 'In', '');
  follow('case21-follow-notin', 'NotIn', `${PID_FILTER}\n      `);
  // matchParentBinaries: the parent only (case 20), and with followChildren any ancestor
  const parent = (name: string, op: string, followChildren: boolean, scope: string) => policy(name, `  tracepoints:\n  - subsystem: syscalls\n    event: sys_enter_getcpu\n    selectors:\n    - ${scope}matchParentBinaries: [{operator: ${op}, values: ["${shCopy}"], followChildren: ${followChildren}}]\n`);
  parent('parent-in', 'In', false, '');
  parent('parent-follow-in', 'In', true, '');
  parent('parent-follow-notin', 'NotIn', true, `${PID_FILTER}\n      `);
  // exec kill: the binary is stopped before it runs any code
  policy('exec-kill', `  tracepoints:\n  - subsystem: sched\n    event: sched_process_exec\n    raw: true\n    args: [{index: 2, type: linux_binprm}]\n    selectors:\n    - matchBinaries: [{operator: In, values: ["${execTarget}"]}]\n      matchActions: [{action: Sigkill}]\n`);
  // NoPost with Sigkill, rate limit, monitor mode
  lseekKp('nopost-sigkill', `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["5559"]}]\n      matchActions: [{action: Sigkill}, {action: NoPost}]\n`);
  lseekKp('ratelimit', `    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["6666"]}]\n      matchActions: [{action: Post, rateLimit: "5", rateLimitScope: global}]\n`);
  policy('monitor-sigkill', `  options: [{name: policy-mode, value: monitor}]\n  kprobes:\n  - call: sys_lseek\n    syscall: true\n    args: [{index: 2, type: int}]\n    selectors:\n    - ${PID_FILTER}\n      matchArgs: [{index: 2, operator: Equal, values: ["7777"]}]\n      matchActions: [{action: Sigkill}]\n`);
}

const events = (): Json[] => policyWork.events();
const hits = (policyName: string, pid?: number): Json[] => policyWork.hits(policyName, pid);

function run(args: string[], binary = victim) {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 10_000 });
  return { pid: r.pid, status: r.status, signal: r.signal, stdout: r.stdout };
}

before(async () => {
  if (missing) return;
  policyWork.victims(['doomed-binary', 'getcpu-victim']);
  copyFileSync('/bin/sh', shCopy);
  writePolicies();
  agent = await Agent.start({ options: policyWork.agentOptions(), readyTimeoutMs: 60_000 });
});

after(async () => {
  if (agent) {
    const stderr = await agent.stop();
    // monitor mode counted what enforce would have done
    assert.match(stderr, /policy monitor-sigkill \(monitor\): 1 events, 0 enforced, 1 monitored/);
    assert.match(stderr, /policy case25-sigkill \(enforce\): 1 events, 1 enforced/);
  }
  policyWork.remove();
});

test('case 1: no selectors posts every call, arguments by type', { skip: missing }, async () => {
  const r = run(['lseek', '-1', '4444']);
  await eventually(() => {
    const h = hits('case1-no-selectors', r.pid);
    assert.equal(h.length, 1);
    assert.equal(h[0]!.function_name, '__x64_sys_lseek');
    assert.deepEqual(h[0]!.args, [{ int_arg: -1 }, { int_arg: 4444 }]);
    assert.equal(h[0]!.action, 'KPROBE_ACTION_POST');
  });
});

test('cases 2-3: tracepoint Equal on a field index; auto type uint64 (size_arg) vs forced int', { skip: missing }, async () => {
  const r = run(['lseek', '100', '4444', '4445']);
  await eventually(() => {
    const h2 = hits('case2-tracepoint-equal', r.pid);
    assert.equal(h2.length, 1);
    assert.deepEqual([h2[0]!.subsys, h2[0]!.event, h2[0]!.args], ['syscalls', 'sys_enter_lseek', [{ size_arg: '4444' }, { int_arg: 100 }]]);
    assert.deepEqual(hits('case3-tracepoint-int', r.pid).map((h) => h.args), [[{ int_arg: 4444 }]]);
  });
});

test('cases 4-7: selectors are ORed, values within one ORed, InMap', { skip: missing }, async () => {
  const count = (name: string, pid: number) => {
    const c: Record<string, number> = {};
    for (const h of hits(name, pid)) c[h.args[0].int_arg] = (c[h.args[0].int_arg] ?? 0) + 1;
    return c;
  };
  const seqs: Array<[string[], Record<string, Record<string, number>>]> = [
    [['4444', '4443'], { 'case4-or': { 4443: 1 }, 'case5-or': { 4444: 1 }, 'case6-three': { 4443: 1 }, 'case7-inmap': { 4444: 1, 4443: 1 } }],
    [['4443', '4444', '4443'], { 'case4-or': { 4443: 2 } }],
    [['9999', '4443'], { 'case4-or': { 4443: 1, 9999: 1 } }],
    [['9999', '4444'], { 'case4-or': { 9999: 1 }, 'case5-or': { 9999: 1, 4444: 1 } }],
    [['4444', '4445'], { 'case7-inmap': { 4444: 1 } }],
    [['4443', '8889'], { 'case7-inmap': { 4443: 1, 8889: 1 } }],
  ];
  for (const [seq, want] of seqs) {
    const r = run(['lseek', '-1', ...seq]);
    await eventually(() => {
      for (const [name, counts] of Object.entries(want)) assert.deepEqual(count(name, r.pid), counts, `${name} for ${seq.join(',')}`);
    });
  }
});

test('case 8: the first matching selector decides; NoPost selectors that do not match change nothing', { skip: missing }, async () => {
  const r = run(['lseek', '-1', '5556']);
  await eventually(() => assert.equal(hits('case8-nopost-shortcircuit', r.pid).length, 1));
});

test('cases 10-11, 16: Prefix, Postfix (with a trailing NUL), Mask on openat', { skip: missing }, async () => {
  const file = join(work, 'testfile');
  writeFileSync(file, 'x');
  const r = run(['open', file, '0']);
  const mask = run(['open', join(work, 'maskfile'), String(0o2 | 0o1000 | 0o2000000)]); // O_RDWR|O_TRUNC|O_CLOEXEC
  const noMask = run(['open', join(work, 'maskfile'), '2']);
  await eventually(() => {
    const h = hits('case10-prefix', r.pid);
    assert.equal(h.length, 1);
    assert.deepEqual(h[0]!.args, [{ int_arg: -100 }, { string_arg: file }, { int_arg: 0 }]);
    assert.equal(hits('case11-postfix', r.pid).length, 1);
    assert.equal(hits('case11-postfix-nul', r.pid).length, 1);
    assert.equal(hits('case16-mask', mask.pid).length, 1);
  });
  assert.equal(hits('case10-prefix-miss').length, 0);
  assert.equal(hits('case16-mask', noMask.pid).length, 0);
});

test('case 17: return probes on a syscall: matchReturnArgs GT "0" posts the open of an existing file, LT "0" the missing one', { skip: missing }, async () => {
  const existing = join(work, 'retfile-exists');
  writeFileSync(existing, 'x');
  const ok = run(['open', existing, '0']);
  const fail = run(['open', join(work, 'retfile-missing'), '0']);
  assert.deepEqual([ok.stdout, fail.stdout], ['open 3\n', 'open -1\n']);
  await eventually(() => {
    const gt = hits('case17-return-gt').filter((h) => h.process.pid === ok.pid || h.process.pid === fail.pid);
    const lt = hits('case17-return-lt').filter((h) => h.process.pid === ok.pid || h.process.pid === fail.pid);
    assert.deepEqual(gt.map((h) => [h.process.pid, h.args, h.return]), [[ok.pid, [{ string_arg: existing }], { int_arg: 3 }]]);
    assert.deepEqual(lt.map((h) => [h.process.pid, h.args, h.return]), [[fail.pid, [{ string_arg: join(work, 'retfile-missing') }], { int_arg: -2 }]]);
    assert.deepEqual([gt[0]!.function_name, gt[0]!.action, gt[0]!.return_action], ['__x64_sys_openat', 'KPROBE_ACTION_POST', 'KPROBE_ACTION_POST']);
  });
});

test('case 18: raw_syscalls, syscall list and range in InMap', { skip: missing }, async () => {
  const r = run(['dup', '9905', '9925']);
  assert.equal(r.stdout.trim(), 'duped');
  await eventually(() => {
    const h = hits('case18-raw-syscalls', r.pid);
    assert.equal(h.length, 10);
    assert.deepEqual(h.map((e) => e.args[0]), Array(10).fill({ syscall_id: { id: 32, abi: 'x64' } }));
    assert.deepEqual(h.map((e) => e.args[1].size_arg).sort(), Array.from({ length: 10 }, (_, i) => String(9910 + i)));
  });
});

test('case 19: matchBinaries In, NotIn, Prefix, NotPrefix, Postfix, NotPostfix', { skip: missing }, async () => {
  const tail = spawnSync('/usr/bin/tail', ['-n1', '/etc/passwd']);
  const head = spawnSync('/usr/bin/head', ['-n1', '/etc/passwd']);
  await eventually(() => {
    for (const [op, want] of [['in', tail.pid], ['notin', head.pid], ['prefix', tail.pid], ['notprefix', head.pid], ['postfix', tail.pid], ['notpostfix', head.pid]] as const) {
      const pids = hits(`case19-binaries-${op}`).filter((h) => h.process.pid === tail.pid || h.process.pid === head.pid).map((h) => h.process.pid);
      assert.deepEqual([...new Set(pids)], [want], op);
    }
  });
});

test('case 22: matchNamespaces host_ns matches on the host, not inside a container', { skip: missing }, async () => {
  const r = run(['write']);
  const c = RuncContainer.start();
  try {
    c.copyIn(victim, '/usr/bin/policy-victim');
    assert.equal(c.exec(['/usr/bin/policy-victim', 'write']).stdout, 'x\n');
    await eventually(() => {
      const h = hits('case22-host-ns');
      assert.deepEqual(h.filter((e) => e.process.pid === r.pid).map((e) => e.args), [[{ int_arg: 1 }, { size_arg: '2' }]]);
    });
    await sleep(500);
    assert.deepEqual(hits('case22-host-ns').filter((e) => e.process.binary === '/usr/bin/policy-victim'), [], 'no event from the container');
  } finally {
    c.destroy();
  }
});

test('containerSelector: the policy acts in the containers it selects (image repo), not in others or on the host', { skip: missing }, async () => {
  const selected = RuncContainer.start({ annotations: { 'org.opencontainers.image.ref.name': 'saker.test/workload-a:1' } });
  const other = RuncContainer.start({ annotations: { 'org.opencontainers.image.ref.name': 'saker.test/workload-b:1' } });
  try {
    for (const c of [selected, other]) c.copyIn(victim, '/usr/bin/policy-victim');
    // the policy applies from the agent's sight of the container on: wait for its execs' events
    await eventually(() => {
      for (const c of [selected, other]) assert.ok(events().some((e) => e.process_exec?.process.docker === c.id.slice(0, 31)), `the agent saw ${c.id}`);
    }, 20_000);
    await sleep(200);
    const lseek = (c: RuncContainer) => c.exec(['/usr/bin/policy-victim', 'lseek', '-1', '4000', '5561', '4001']).stdout;
    assert.equal(lseek(selected), 'returned 4000\n', 'killed in the selected container');
    assert.equal(lseek(other), 'returned 4000\nreturned 5561\nreturned 4001\n', 'another container runs on');
    assert.equal(run(['lseek', '-1', '5561']).status, 0, 'the host runs on');
    await eventually(() => {
      const h = hits('container-selector');
      // one event, the selected container's kill, naming the binary that made the call and its
      // container (the hit waits for the state to have its exec: src/policy/capture-order.ts)
      assert.equal(h.length, 1);
      assert.deepEqual([h[0]!.args, h[0]!.action, h[0]!.process.binary, h[0]!.process.docker],
        [[{ int_arg: 5561 }], 'KPROBE_ACTION_SIGKILL', '/usr/bin/policy-victim', selected.id.slice(0, 31)]);
    });
  } finally {
    selected.destroy();
    other.destroy();
  }
});

test('podSelector: the policy acts in the pods whose labels and namespace it selects, not in other pods, containers outside pods, or on the host', { skip: missing }, async () => {
  const pod = (name: string, namespace: string, app: string) => ({ 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.container.name': 'main', app });
  const selected = RuncContainer.start({ annotations: pod('web-1', 'shop', 'web') });
  const others = [RuncContainer.start({ annotations: pod('db-1', 'shop', 'db') }), RuncContainer.start({ annotations: pod('web-2', 'other', 'web') }),
    RuncContainer.start({ annotations: { app: 'web' } })];
  try {
    for (const c of [selected, ...others]) c.copyIn(victim, '/usr/bin/policy-victim');
    await eventually(() => {
      for (const c of [selected, ...others]) assert.ok(events().some((e) => e.process_exec?.process.docker === c.id.slice(0, 31)), `the agent saw ${c.id}`);
    }, 20_000);
    await sleep(200);
    const getcpu = (c: RuncContainer) => c.exec(['/usr/bin/policy-victim', 'getcpu']).stdout;
    assert.equal(getcpu(selected), '', 'killed in the selected pod');
    for (const c of others) assert.equal(getcpu(c), 'returned\n', 'another pod, namespace or a container outside pods runs on');
    // a copy no other policy kills (case 31 kills the victim's getcpu)
    copyFileSync(victim, join(work, 'pod-host-victim'));
    assert.equal(run(['getcpu'], join(work, 'pod-host-victim')).status, 0, 'the host runs on');
    await eventually(() => {
      const h = hits('pod-selector');
      assert.equal(h.length, 1);
      assert.deepEqual([h[0]!.function_name, h[0]!.action], ['__x64_sys_getcpu', 'KPROBE_ACTION_SIGKILL']);
      // the hit waits for the state to have its process (src/policy/capture-order.ts): its pod is named
      assert.deepEqual([h[0]!.process.pod?.name, h[0]!.process.pod?.namespace], ['web-1', 'shop']);
    });
  } finally {
    for (const c of [selected, ...others]) c.destroy();
  }
});

test('cases 25-26: Sigkill kills before the call returns (kprobe and tracepoint forms), exit by SIGKILL', { skip: missing }, async () => {
  for (const [name, whence, kind] of [['case25-sigkill', '5555', 'process_kprobe'], ['case26-sigkill-tracepoint', '5557', 'process_tracepoint']] as const) {
    const r = run(['lseek', '-1', '4000', whence, '4001']);
    assert.equal(r.signal, 'SIGKILL', name);
    assert.equal(r.stdout, 'returned 4000\n', `${name}: nothing after the offending call ran`);
    await eventually(() => {
      const ev = events().find((e) => e[kind]?.policy_name === name && e[kind].process.pid === r.pid)!;
      assert.ok(ev, `${name}: event`);
      assert.deepEqual(ev[kind].args, [{ int_arg: Number(whence) }]);
      assert.equal(ev[kind].action, 'KPROBE_ACTION_SIGKILL');
      const exit = events().find((e) => e.process_exit?.process.pid === r.pid);
      assert.equal(exit?.process_exit.signal, 'SIGKILL');
    });
  }
});

test('case 27: matchReturnActions Sigkill on the return value: killed after the call returns -9, action POST, return_action SIGKILL', { skip: missing }, async () => {
  const r = run(['lseek', '-1', '4000', '5560', '4001']);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.stdout, 'returned 4000\n', 'killed on the way back from the call, before the next line');
  // the same whence on a valid fd returns -22 (EINVAL): the return filter does not match, no kill
  const ok = run(['lseek', '0', '5560']);
  assert.deepEqual([ok.status, ok.stdout], [0, 'returned 5560\n']);
  await eventually(() => {
    const h = hits('case27-return-sigkill', r.pid);
    assert.equal(h.length, 1);
    assert.deepEqual([h[0]!.args, h[0]!.return, h[0]!.action, h[0]!.return_action], [[{ int_arg: 5560 }], { int_arg: -9 }, 'KPROBE_ACTION_POST', 'KPROBE_ACTION_SIGKILL']);
    assert.equal(events().find((e) => e.process_exit?.process.pid === r.pid)?.process_exit.signal, 'SIGKILL');
  });
  assert.deepEqual(hits('case27-return-sigkill', ok.pid), []);
});

test('case 29 (Signal): the policy\'s signal is delivered, action SIGNAL', { skip: missing }, async () => {
  const r = run(['lseek', '-1', '5558']);
  assert.equal(r.signal, 'SIGUSR1');
  await eventually(() => assert.deepEqual(hits('case29-signal', r.pid).map((h) => h.action), ['KPROBE_ACTION_SIGNAL']));
});

test('case 31 with a signal: raw_syscalls getcpu by the victim binary is killed', { skip: missing }, async () => {
  const r = run(['getcpu']);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.stdout, '');
  await eventually(() => assert.deepEqual(hits('case31-getcpu-kill', r.pid).map((h) => h.args[0]), [{ syscall_id: { id: 309, abi: 'x64' } }]));
  // the same syscall from another binary is not touched
  const other = join(work, 'other-victim');
  copyFileSync(victim, other);
  assert.deepEqual([run(['getcpu'], other).status, run(['getcpu'], other).stdout], [0, 'returned\n']);
});

test('case 21: followChildren matches the binary\'s children and exec\'d descendants, not other processes; NotIn the reverse', { skip: missing }, async () => {
  // the child's pid from the shell ($! of a background job), in both forms of the spec's trigger
  const child = spawnSync(shCopy, ['-c', `${getcpuVictim} getcpu >/dev/null & echo $!; wait`], { encoding: 'utf8' });
  const execd = spawnSync(shCopy, ['-c', `exec ${shCopy} -c '${getcpuVictim} getcpu >/dev/null & echo $!; wait'`], { encoding: 'utf8' });
  const own = run(['getcpu'], getcpuVictim);
  assert.equal(own.stdout, 'returned\n');
  const followed = [Number(child.stdout.trim()), Number(execd.stdout.trim())];
  assert.ok(followed.every((p) => p > 0), `child pids from the shell: ${child.stdout} ${execd.stdout}`);
  // by pid: these pids ran nothing else that calls getcpu
  const candidates = new Set([...followed, own.pid]);
  const pidsOf = (name: string) => hits(name).map((h) => h.process.pid as number).filter((p) => candidates.has(p)).sort();
  await eventually(() => {
    assert.deepEqual(pidsOf('case21-follow-in'), [...followed].sort(), 'In: one event from each child, none from the test\'s own run');
    assert.deepEqual(pidsOf('case21-follow-notin'), [own.pid], 'NotIn: the test\'s own run only');
  });
  const ev = hits('case21-follow-in', followed[0])[0]!;
  assert.deepEqual([ev.subsys, ev.event, ev.args ?? []], ['syscalls', 'sys_enter_getcpu', []]);
});

test('matchParentBinaries followChildren: In matches when the binary is any ancestor, not only the parent; NotIn the reverse', { skip: missing }, async () => {
  const direct = spawnSync(shCopy, ['-c', `${getcpuVictim} getcpu >/dev/null & echo $!; wait`], { encoding: 'utf8' });
  const grandchild = spawnSync(shCopy, ['-c', `/bin/sh -c '${getcpuVictim} getcpu >/dev/null & echo $!; wait'; true`], { encoding: 'utf8' });
  const own = run(['getcpu'], getcpuVictim);
  const [d, g] = [Number(direct.stdout.trim()), Number(grandchild.stdout.trim())];
  assert.ok(d > 0 && g > 0, `child pids from the shells: ${direct.stdout} ${grandchild.stdout}`);
  const candidates = new Set([d, g, own.pid]);
  const pidsOf = (name: string) => hits(name).map((h) => h.process.pid as number).filter((p) => candidates.has(p)).sort();
  await eventually(() => {
    assert.deepEqual(pidsOf('parent-follow-in'), [d, g].sort(), 'In with followChildren: the child and the grandchild');
    assert.deepEqual(pidsOf('parent-in'), [d], 'In without it: the direct child only');
    assert.deepEqual(pidsOf('parent-follow-notin'), [own.pid], 'NotIn with followChildren: the test\'s own run only');
  });
});

test('exec kill: matchBinaries + Sigkill at sched_process_exec stops the binary before it runs', { skip: missing }, async () => {
  const marker = join(work, 'marker');
  const r = run(['marker', marker], execTarget);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(existsSync(marker), false, 'the killed binary ran no code');
  assert.equal(run(['marker', marker]).status, 0, 'the same program under another path runs');
  await eventually(() => {
    const h = hits('exec-kill', r.pid);
    assert.equal(h.length, 1);
    assert.deepEqual(h[0]!.args, [{ linux_binprm_arg: { path: execTarget } }]);
    // Known race (seen once in a clean-clone run): the event's process can still be the state from
    // before the exec (the parent's binary) when the kill lands first; process.binary is not asserted
    // until the exec hook carries the new binary itself.
  });
});

test('NoPost suppresses the event but not the kill; rateLimit keeps one of five; monitor mode enforces nothing', { skip: missing }, async () => {
  const killed = run(['lseek', '-1', '5559']);
  assert.equal(killed.signal, 'SIGKILL');
  const limited = run(['lseek', '-1', '6666', '6666', '6666', '6666', '6666']);
  assert.equal(limited.status, 0);
  const monitored = run(['lseek', '-1', '7777']);
  assert.equal(monitored.status, 0, 'monitor mode: not killed');
  assert.equal(monitored.stdout, 'returned 7777\n');
  await eventually(() => {
    assert.equal(hits('ratelimit', limited.pid).length, 1);
    assert.deepEqual(hits('monitor-sigkill', monitored.pid).map((h) => h.action), ['KPROBE_ACTION_SIGKILL']);
  });
  assert.equal(hits('nopost-sigkill').length, 0);
});
