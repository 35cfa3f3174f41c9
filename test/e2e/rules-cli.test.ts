// The command-line contract of the rules commands, driving the real CLI: validate (exit codes,
// --json shape, positions), list, fields, -o overrides, and replay of a capture built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeEvent, eventCode } from '../../src/events/index.js';
import { ScapWriter } from '../../src/capture/scap/index.js';
import { scapProcessOf } from '../../src/state/index.js';
import { sharedDir } from '../../src/testing/shared.js';

const SAKER = fileURLToPath(new URL('../../bin/saker.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'saker-cli-'));

function saker(...args: string[]) {
  const r = spawnSync(process.execPath, [SAKER, ...args], { encoding: 'utf8', env: { ...process.env, SAKER_HOSTNAME: 'test-host' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

test('validate: the built-in rules are valid (exit 0) and --json has the contract shape', () => {
  const r = saker('validate', '--json');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(v).sort(), ['enabled_rules', 'errors', 'lists', 'macros', 'rules', 'warnings']);
  assert.ok(v.rules >= 30, `built-in rules: ${v.rules}`);
  assert.deepEqual(v.errors, []);
  assert.deepEqual(v.warnings, []);
});

test('validate: an invalid file exits 1 with file, line, column, code and message', () => {
  const bad = file('bad.yaml', '- rule: no output rule\n  desc: d\n  condition: evt.type = open\n  priority: INFO\n');
  const r = saker('validate', '-r', bad, '--json');
  assert.equal(r.code, 1);
  const v = JSON.parse(r.stdout);
  assert.equal(v.errors.length, 1);
  assert.deepEqual(
    { file: v.errors[0].file, line: v.errors[0].line, column: v.errors[0].column, code: v.errors[0].code, message: v.errors[0].message },
    { file: bad, line: 1, column: 3, code: 'LOAD_ERR_YAML_VALIDATE', message: "Item has no mapping for key 'output'" },
  );
  const cond = file('cond.yaml', '- rule: r\n  desc: d\n  condition: evt.type = open and proc.nobody = x\n  output: o\n  priority: INFO\n');
  const t = saker('validate', '-r', cond, '--json');
  assert.equal(t.code, 1);
  const e = JSON.parse(t.stdout).errors[0];
  // The position of the unknown field itself: line 3, column 34 of the file.
  assert.deepEqual([e.line, e.column, e.code, e.message], [3, 34, 'LOAD_ERR_COMPILE_CONDITION', 'filter_check called with nonexistent field proc.nobody']);
  const text = saker('validate', '-r', cond);
  assert.match(text.stdout, /LOAD_ERR_COMPILE_CONDITION \(Error compiling condition\): filter_check called with nonexistent field proc\.nobody/);
});

test('validate: warnings keep exit 0; later files override earlier ones', () => {
  const a = file('a.yaml', '- macro: some_macro\n  condition: evt.type=execve\n');
  const r = saker('validate', '-r', a, '--json');
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).warnings[0].code, 'LOAD_UNUSED_MACRO');
  const base = file('base.yaml', '- list: l\n  items: [cat]\n- rule: r\n  desc: d\n  condition: evt.type=open and proc.name in (l)\n  output: o\n  priority: INFO\n');
  const over = file('over.yaml', '- rule: r\n  priority: ERROR\n  override:\n    priority: replace\n');
  const l = saker('list', '-r', base, '-r', over, '--json');
  assert.equal(l.code, 0, l.stderr);
  assert.deepEqual(JSON.parse(l.stdout).map((x: { name: string; priority: string; event_types: string[] }) => [x.name, x.priority, x.event_types]), [['r', 'Error', ['open']]]);
});

test('the three upstream rules files validate together with the counts Falco reports', (t) => {
  const shared = sharedDir();
  if (!shared) return t.skip('../shared is absent');
  const dir = join(shared, 'peers/falco-rules');
  const r = saker('validate', '-r', join(dir, 'falco_rules.yaml'), '-r', join(dir, 'falco-incubating_rules.yaml'), '-r', join(dir, 'falco-sandbox_rules.yaml'), '--json');
  assert.equal(r.code, 0, r.stdout);
  const v = JSON.parse(r.stdout);
  assert.deepEqual([v.rules, v.enabled_rules, v.macros, v.lists, v.errors.length, v.warnings.length], [93, 81, 315, 118, 0, 0]);
});

test('-o overrides select rules by tag and priority', () => {
  const rules = file('tags.yaml', ['a', 'b'].map((x, i) => `- rule: r_${x}\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: ${i ? 'DEBUG' : 'ERROR'}\n  tags: [${x}]\n`).join(''));
  const enabled = (args: string[]) => JSON.parse(saker('list', '-r', rules, '--json', ...args).stdout).filter((x: { enabled: boolean }) => x.enabled).map((x: { name: string }) => x.name);
  assert.deepEqual(enabled([]), ['r_a', 'r_b']);
  assert.deepEqual(enabled(['-o', 'rules[].disable.tag=a']), ['r_b']);
  assert.deepEqual(enabled(['-o', 'rules[].disable.rule=*', '-o', 'rules[].enable.tag=b']), ['r_b']);
  assert.deepEqual(enabled(['-o', 'priority=warning']), ['r_a']);
  const bad = saker('list', '-r', rules, '-o', 'rule_matching=sometimes');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Unknown rule matching strategy/);
});

test('fields lists the classes the upstream rules use', () => {
  const r = saker('fields', '--names');
  assert.equal(r.code, 0);
  const names = new Set(r.stdout.trim().split('\n'));
  for (const f of ['evt.type', 'evt.arg', 'proc.aname', 'proc.cmdline', 'fd.name', 'fd.snet', 'user.loginuid', 'group.name', 'container.id', 'k8s.ns.name']) {
    assert.ok(names.has(f), f);
  }
});

test('replay: a capture of cat reading /etc/shadow raises the built-in alert with the captured values', async () => {
  const cap = join(tmp, 'shadow.scap');
  const w = new ScapWriter(cap);
  const proc = (tid: number, ptid: number, comm: string, exepath: string, args: string[]) => scapProcessOf({
    tid, pid: tid, ptid, sid: tid, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: comm, exepath, args, env: [], cwd: '/root',
    uid: 0, gid: 0, loginuid: 0, capPermitted: 0n, capEffective: 0n, capInheritable: 0n, cgroups: [], tty: 34816,
  });
  w.writeTables({ processes: [proc(10, 1, 'bash', '/usr/bin/bash', []), proc(20, 10, 'cat', '/usr/bin/cat', ['/etc/shadow'])], users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' }], groups: [], interfaces: [] });
  w.writeEvent(encodeEvent({ ts: 1_764_300_000_123_456_789n, tid: 20, type: eventCode('openat'), params: [3, -100, '/etc/shadow', 1, 0, 0x803, 42] }));
  w.writeEvent(encodeEvent({ ts: 1_764_300_000_223_456_789n, tid: 20, type: eventCode('openat'), params: [4, -100, '/etc/hostname', 1, 0, 0x803, 43] }));
  await w.close();
  const r = saker('replay', cap, '-o', 'json_output=true', '-o', 'time_format_iso_8601=true');
  assert.equal(r.code, 0, r.stderr);
  const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(alerts.length, 1);
  const a = alerts[0];
  assert.equal(a.rule, 'Read of sensitive file');
  assert.equal(a.priority, 'Warning');
  assert.equal(a.hostname, 'test-host');
  assert.equal(a.time, '2025-11-28T03:20:00.123456789Z');
  assert.deepEqual([a.output_fields['fd.name'], a.output_fields['proc.name'], a.output_fields['proc.cmdline'], a.output_fields['proc.pname'], a.output_fields['user.name'], a.output_fields['container.id']],
    ['/etc/shadow', 'cat', 'cat /etc/shadow', 'bash', 'root', 'host']);
  assert.match(a.output, /^2025-11-28T03:20:00\.123456789\+0000: Warning Sensitive file opened for reading \(file=\/etc\/shadow user=root process=cat/);
});

test('the same rules files loaded again come from their compile record: validate, list and replay print what compiling prints', (t) => {
  const cap = join(tmp, 'shadow.scap'); // the capture of the test above
  const cache = join(dirname(SAKER), '..', 'dist', 'bundle', 'rules-cache');
  // content of this run's own (a new record), with a warning of the compile (a deprecated field)
  const site = file('site.yaml', `# ${randomBytes(8).toString('hex')}\n- rule: Shadow read\n  desc: d\n  condition: evt.type = openat and evt.dir = < and fd.name = /etc/shadow\n  output: shadow read by %proc.name\n  priority: ERROR\n`);
  const shared = sharedDir();
  const upstream = shared ? ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(shared, 'peers/falco-rules', f)) : [];
  if (!shared) t.diagnostic('../shared is absent: the site file alone');
  const rules = [...upstream, site].flatMap((f) => ['-r', f]);
  const records = () => new Map(readdirSync(cache).filter((f) => f.endsWith('.record.json')).map((f) => [f, statSync(join(cache, f)).ino]));
  let ours: string | undefined;
  for (const args of [['validate', ...rules], ['list', ...rules, '--json'], ['replay', cap, ...rules, '-o', 'json_output=true', '-o', 'rule_matching=all']]) {
    if (ours !== undefined) rmSync(join(cache, ours));
    const before = records();
    const compiled = saker(...args);
    const after = records();
    ours ??= [...after.keys()].find((f) => !before.has(f));
    assert.ok(ours !== undefined && after.has(ours), `${args[0]}: a compiling load leaves its record`);
    const recorded = saker(...args);
    assert.equal(records().get(ours), after.get(ours), `${args[0]}: the second load read the record (and did not write it again)`);
    assert.deepEqual(recorded, compiled, `${args[0]}: the same output and exit status`);
    assert.equal(compiled.code, 0, compiled.stderr);
  }
  const alerts = saker('replay', cap, ...rules, '-o', 'json_output=true', '-o', 'rule_matching=all').stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: string });
  assert.ok(alerts.some((a) => a.rule === 'Shadow read'), 'the site rule fires from the record');
  assert.match(saker('validate', ...rules).stdout, /LOAD_DEPRECATED_ITEM/, 'the compile\'s warning is in the recorded results');
});

test('replay: a truncated capture processes what precedes the fault, then exits 1 naming the offset', async () => {
  const cap = join(tmp, 'trunc.scap');
  const w = new ScapWriter(cap);
  w.writeTables({ processes: [], users: [], groups: [], interfaces: [] });
  for (let i = 0; i < 3; i++) w.writeEvent(encodeEvent({ ts: 1_764_300_000_000_000_000n + BigInt(i), tid: 7, type: eventCode('openat'), params: [3, -100, '/etc/shadow', 1, 0, 0, 1] }));
  await w.close();
  const full = (await import('node:fs')).readFileSync(cap);
  writeFileSync(cap, full.subarray(0, full.length - 10));
  const r = saker('replay', cap, '--stats');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /at offset \d+/);
  assert.match(r.stderr, /replayed 2 events/);
});

test('required_plugin_versions: container is built in; other plugins stop the agent as in Falco', async () => {
  const cap = join(tmp, 'empty.scap');
  const w = new ScapWriter(cap);
  w.writeTables({ processes: [], users: [], groups: [], interfaces: [] });
  await w.close();
  const rule = '- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n';
  const ok = file('needs-container.yaml', `- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n${rule}`);
  assert.equal(saker('replay', cap, '-r', ok).code, 0);
  const bad = file('needs-k8saudit.yaml', `- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n${rule}`);
  const r = saker('replay', cap, '-r', bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Plugin requirement not satisfied, must load one of: k8saudit \(>= 0\.1\.0\), k8saudit-eks \(>= 0\.2\.0\)/);
  const newer = file('needs-container-9.yaml', `- required_plugin_versions:\n  - name: container\n    version: 9.0.0\n${rule}`);
  assert.equal(saker('replay', cap, '-r', newer).code, 1);
});

test('a command that only prints ends quietly when its reader goes away (saker list | head -c 1)', () => {
  // many rules, so the output outgrows the pipe's buffer and a write after head's exit fails
  const rules = file('many.yaml', Array.from({ length: 3000 }, (_, i) =>
    `- rule: rule number ${i} with a name long enough to fill the pipe\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n`).join(''));
  for (const args of [['list', '-r', rules], ['list', '-r', rules, '--json'], ['fields']]) {
    const cmd = `"${process.execPath}" "${SAKER}" ${args.map((a) => `'${a}'`).join(' ')} | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
    assert.deepEqual([r.stdout.trim(), r.stderr], ['0', ''], `saker ${args.join(' ')} | head: its own status, nothing on stderr (no unhandled EPIPE)`);
  }
});
