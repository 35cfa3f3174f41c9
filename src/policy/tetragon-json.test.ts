// Tetragon's JSON encoding, compared field by field with Tetragon's own events
// (../shared/peers/tetragon-events): each event's values are read into Saker's model and encoded
// again; the output must be the same text (same keys, same order, same encodings: 64-bit integers
// as strings, zero values omitted, wrappers kept at 0, enum names, timestamp fractions). Values
// that must differ in Saker's own events (pids, times, exec ids, node name) are the inputs here.
// Also Tetragon's compact lines (tetragon-spec §5.2).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedDir } from '../testing/shared.js';
import { compactLine, maybeQuote } from './compact.js';
import { encodeExec, encodeExit, encodeKprobe, execId, joinArguments, timestamp, type ArgValue, type PodInfo, type ProcessInfo } from './tetragon-json.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Tetragon events come from other tools as well as Saker: JSON read loosely, every field optional, checked where it is read
type Json = Record<string, any>;

function ns(ts: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(ts)!;
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function podFrom(j: Json | undefined): PodInfo | undefined {
  if (!j) return undefined;
  const c = j.container;
  return {
    namespace: j.namespace, name: j.name, labels: j.pod_labels, workload: j.workload, workloadKind: j.workload_kind,
    container: c && { id: c.id, name: c.name, image: c.image, startTime: c.start_time ? ns(c.start_time) : undefined, pid: c.pid },
  };
}

function processFrom(j: Json): ProcessInfo {
  return {
    execId: j.exec_id, pid: j.pid, uid: j.uid, cwd: j.cwd, binary: j.binary, arguments: j.arguments ?? '', flags: j.flags,
    startTime: ns(j.start_time), auid: j.auid, pod: podFrom(j.pod), docker: j.docker, parentExecId: j.parent_exec_id, refcnt: j.refcnt,
    cap: j.cap && { permitted: j.cap.permitted ?? [], effective: j.cap.effective ?? [], inheritable: j.cap.inheritable ?? [] },
    ns: j.ns && Object.fromEntries(Object.entries(j.ns as Record<string, Json>).map(([k, v]) => [k, { inum: v.inum, isHost: v.is_host }])),
    tid: j.tid,
  };
}

function reencode(ev: Json): Json {
  const env = { nodeName: ev.node_name, time: ev.time ? ns(ev.time) : 0n };
  if (ev.process_exec) {
    const out = encodeExec(processFrom(ev.process_exec.process), ev.process_exec.parent && processFrom(ev.process_exec.parent), env);
    if (!ev.time) delete out.time; // one upstream line has no time
    return out;
  }
  if (ev.process_exit) {
    const e = ev.process_exit;
    return encodeExit(processFrom(e.process), e.parent && processFrom(e.parent), { signal: e.signal, status: e.status, time: e.time ? ns(e.time) : undefined }, env);
  }
  const k = ev.process_kprobe;
  const actions: Record<string, number> = { KPROBE_ACTION_POST: 1, KPROBE_ACTION_SIGKILL: 3 };
  return encodeKprobe({
    process: processFrom(k.process), parent: k.parent && processFrom(k.parent), functionName: k.function_name, args: k.args as ArgValue[],
    ret: k.return, action: actions[k.action]!, policyName: k.policy_name, returnAction: k.return_action ? actions[k.return_action] : undefined,
    message: k.message, tags: k.tags,
  }, env);
}

test('Tetragon\'s example events encode to the same text, key by key', (t) => {
  const shared = sharedDir();
  if (!shared) return t.skip('../shared is absent (peers/tetragon-events)');
  const dir = join(shared, 'peers', 'tetragon-events');
  const events: Array<[string, Json]> = [];
  for (const f of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (f.endsWith('.jsonl')) text.split('\n').filter((l) => l.trim()).forEach((l, i) => events.push([`${f}:${i + 1}`, JSON.parse(l)]));
    else events.push([f, JSON.parse(text)]);
  }
  assert.ok(events.length >= 7, `only ${events.length} events`);
  for (const [name, ev] of events) {
    assert.equal(JSON.stringify(reencode(ev)), JSON.stringify(ev), name);
  }
});

test('exec ids, arguments and timestamps as Tetragon makes them', () => {
  // Example A of tetragon-spec §2.4: the exec_id decodes to node:ktime:pid.
  assert.equal(execId('gke-john-632-default-pool-7041cac0-9s95', 13548674321373n, 52699), 'Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4Njc0MzIxMzczOjUyNjk5');
  assert.equal(joinArguments(['-c', 'curl https://ebpf.io/applications/#tetragon']), '-c "curl https://ebpf.io/applications/#tetragon"');
  assert.equal(timestamp(1652273685615000000n), '2022-05-11T12:54:45.615Z');
  assert.equal(timestamp(1688637210000000000n), '2023-07-06T09:53:30Z');
  assert.equal(timestamp(1696629837700327580n), '2023-10-06T22:03:57.700327580Z');
  assert.equal(timestamp(1696629837700327000n), '2023-10-06T22:03:57.700327Z');
});

test('compact lines as tetra prints them (encoder_test.go, docs)', () => {
  const proc = { binary: '/usr/bin/curl', arguments: 'cilium.io', pod: { namespace: 'kube-system', name: 'tetragon' } };
  assert.equal(compactLine({ process_exec: { process: { binary: '/usr/bin/curl', arguments: 'cilium.io' } }, node_name: 'my-node' }), '🚀 process my-node /usr/bin/curl cilium.io');
  assert.equal(compactLine({ process_exit: { process: proc, status: 1 } }), '💥 exit    kube-system/tetragon /usr/bin/curl cilium.io 1');
  assert.equal(compactLine({ process_exit: { process: { ...proc, arguments: '/etc/shadow', binary: '/bin/cat', pod: { namespace: 'default', name: 'xwing' } }, signal: 'SIGKILL' } }), '💥 exit    default/xwing /bin/cat /etc/shadow SIGKILL');
  assert.equal(compactLine({ process_kprobe: { process: proc, function_name: 'fd_install', args: [{ int_arg: 0 }, { file_arg: { path: '/etc/password' } }] } }), '📬 open    kube-system/tetragon /usr/bin/curl /etc/password');
  assert.equal(compactLine({ process_kprobe: { process: proc, function_name: '__x64_sys_write', args: [{ file_arg: { path: '/etc/password' } }, { bytes_arg: '' }, { size_arg: '1234' }] } }), '📝 write   kube-system/tetragon /usr/bin/curl /etc/password 1234 bytes');
  assert.equal(compactLine({ process_kprobe: { process: proc, function_name: 'unhandled_function' } }), '❓ syscall kube-system/tetragon /usr/bin/curl unhandled_function');
  assert.equal(compactLine({ process_exec: { process: { binary: '/usr/bin/curl', arguments: 'cilium.io' } }, node_name: 'n', time: '1970-01-01T00:00:00.000000000Z' }, true), '1970-01-01T00:00:00.000000000Z 🚀 process n /usr/bin/curl cilium.io');
  assert.equal(compactLine({ process_exec: { process: { binary: '/bin/bash', arguments: '-c "curl https://ebpf.io/applications/#tetragon"', pod: { namespace: 'default', name: 'xwing' } } } }),
    '🚀 process default/xwing /bin/bash "-c \\"curl https://ebpf.io/applications/#tetragon\\""');
  assert.equal(compactLine({ process_tracepoint: { process: proc, subsys: 'syscalls', event: 'sys_enter_lseek' } }), '⁉️ tracepoint kube-system/tetragon /usr/bin/curl syscalls sys_enter_lseek');
  const admin = compactLine({ process_exec: { process: { ...proc, cap: { effective: Array.from({ length: 22 }, (_, i) => `CAP_${i}`) } } } })!;
  assert.ok(admin.endsWith(' 🛑 CAP_SYS_ADMIN') && admin.indexOf(' 🛑') === 120, admin);
  assert.equal(maybeQuote('a\x01b'), '"a\\x01b"');
  assert.equal(compactLine({ rate_limit_info: {} }), undefined);
});
