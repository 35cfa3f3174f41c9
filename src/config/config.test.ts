import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './config.js';
import { applyOverride } from './overrides.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

test('-o handles dotted keys, indices, appends and escaped dots, with typed scalars', () => {
  const c: Record<string, unknown> = {};
  applyOverride(c, 'json_output=true');
  applyOverride(c, 'webserver.listen_port=8765');
  applyOverride(c, 'rules[].disable.rule=*');
  applyOverride(c, 'rules[].enable.tag=network');
  applyOverride(c, 'rules_files[0]=/a.yaml');
  applyOverride(c, 'static_fields.my\\.key=v');
  assert.deepEqual(c, {
    json_output: true,
    webserver: { listen_port: 8765 },
    rules: [{ disable: { rule: '*' } }, { enable: { tag: 'network' } }],
    rules_files: ['/a.yaml'],
    static_fields: { 'my.key': 'v' },
  });
  assert.throws(() => applyOverride(c, 'novalue'), ConfigError);
});

test('typed configuration with Falco defaults and checked values', () => {
  const c = loadConfig({ overrides: ['json_output=true', 'priority=warning', 'rule_matching=all'] });
  assert.equal(c.jsonOutput, true);
  assert.equal(c.priority, 'warning');
  assert.equal(c.ruleMatching, 'all');
  assert.equal(c.jsonIncludeTagsProperty, true);
  assert.throws(() => loadConfig({ overrides: ['rule_matching=some'] }), /Unknown rule matching strategy/);
  assert.throws(() => loadConfig({ overrides: ['json_output=maybe'] }), /must be true or false/);
});

test('base_syscalls from a file and from -o appends, with its values checked', () => {
  const none = loadConfig();
  assert.deepEqual(none.baseSyscalls, { customSet: [], repair: false });
  const c = loadConfig({ overrides: ['base_syscalls.custom_set[]=!close', 'base_syscalls.custom_set[]=ptrace', 'base_syscalls.repair=true'] });
  assert.deepEqual(c.baseSyscalls, { customSet: ['!close', 'ptrace'], repair: true });
  assert.throws(() => loadConfig({ overrides: ['base_syscalls.repair=sometimes'] }), /'base_syscalls.repair' must be true or false/);
  assert.throws(() => loadConfig({ overrides: ['base_syscalls.custom_set[].name=x'] }), /'base_syscalls.custom_set\[0\]' must be a string/);
});

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'saker-config-'));
  const path = join(dir, 'saker.yaml');
  writeFileSync(path, text);
  return path;
}

test('unknown keys and wrong types name the key path, file, line and column', () => {
  const path = configFile('json_output: true\nfile_output:\n  enabled: true\n  filname: a.txt\nhttp_output:\n  enabled: yes please\nbogus: 1\n');
  const err = (() => {
    try {
      loadConfig({ file: path });
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  assert.match(err, new RegExp(`${path}:4:3: configuration key 'file_output.filname' unknown key`));
  assert.match(err, new RegExp(`${path}:6:12: configuration key 'http_output.enabled' must be true or false`));
  assert.match(err, new RegExp(`${path}:7:1: configuration key 'bogus' unknown key`));
});

test('destinations: required keys per type, errors at the entry; an -o error names the option', () => {
  const path = configFile('destinations:\n  - name: chat\n    type: slack\n  - name: q\n    type: kafka\n    brokers: [a:9092]\n    topic: t\n');
  assert.throws(() => loadConfig({ file: path }), new RegExp(`${path}:2:5: configuration key 'destinations\\[0\\]' needs key 'url'`));
  assert.throws(() => loadConfig({ overrides: ['outputs_queue.capacity=many'] }), /^ConfigError: -o outputs_queue.capacity=many: configuration key 'outputs_queue.capacity' must be an integer/);
  const ok = loadConfig({ file: path, overrides: ['destinations[0].url=http://127.0.0.1:1/hook'] });
  assert.deepEqual(ok.outputs.destinations.map((d) => `${d.name}:${d.type}`), ['stdout:stdout', 'syslog:syslog_local', 'chat:slack', 'q:kafka']);
});

test('sections owned by other components stay open; the rest is closed', () => {
  assert.doesNotThrow(() => loadConfig({ overrides: ['webserver.some_future_key=1', 'metrics.new_counter=true', 'policies.dir=/p'] }));
  assert.throws(() => loadConfig({ overrides: ['file_output.append=1'] }), /'file_output.append' unknown key/);
});

test('-o cannot write through __proto__, constructor or prototype', () => {
  for (const key of ['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__.b', 'rules[].__proto__']) {
    const c: Record<string, unknown> = {};
    assert.throws(() => applyOverride(c, `${key}=1`), /cannot be set|is not a configuration key/);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('output defaults are Falco\'s: stdout and syslog on, file and program off, output_timeout 2000', () => {
  const c = loadConfig();
  assert.deepEqual(c.outputs.destinations.map((d) => d.name), ['stdout', 'syslog']);
  assert.equal(c.outputs.outputTimeoutMs, 2000);
  const f = loadConfig({ overrides: ['file_output.enabled=true', 'syslog_output.enabled=false', 'destinations[0].name=w', 'destinations[0].type=webhook', 'destinations[0].url=http://x/', 'destinations[0].minimum_priority=warning', 'destinations[0].dedup.window=10s'] });
  const file = f.outputs.destinations.find((d) => d.name === 'file')!;
  assert.equal(file.settings.filename, './events.txt');
  const w = f.outputs.destinations.find((d) => d.name === 'w')!;
  assert.equal(w.minimumPriority, 4);
  assert.deepEqual(w.dedup, { windowMs: 10_000, fields: [] });
  assert.equal(w.spool.enabled, true);
  assert.equal(file.spool.enabled, false);
});

test('the documented example saker.yaml at the top of the repository is a valid configuration', () => {
  const example = fileURLToPath(new URL('../../saker.yaml', import.meta.url));
  const c = loadConfig({ file: example, overrides: ['destinations[0].enabled=true'] });
  const slack = c.outputs.destinations.find((d) => d.name === 'slack-security')!;
  assert.equal(slack.type, 'slack');
  assert.equal(slack.minimumPriority, 4);
  assert.deepEqual(slack.rateLimit, { rate: 0.2, maxBurst: 5, perRule: true });
  assert.equal(c.outputs.stateDir, '/var/lib/saker');
});

test('falco_libs: the thread table and snaplen settings, unset by default, whole numbers only', () => {
  assert.deepEqual(loadConfig({}).libs, { threadTableSize: undefined, purgeIntervalS: undefined, threadTimeoutS: undefined, snaplen: undefined });
  const c = loadConfig({ overrides: ['falco_libs.thread_table_size=4096', 'falco_libs.thread_table_auto_purging_interval_s=60', 'falco_libs.snaplen=256'] });
  assert.deepEqual(c.libs, { threadTableSize: 4096, purgeIntervalS: 60, threadTimeoutS: undefined, snaplen: 256 });
  assert.throws(() => loadConfig({ overrides: ['falco_libs.snaplen=big'] }), /falco_libs\.snaplen/);
});
