import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './config.js';
import { applyOverride } from './overrides.js';

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
  assert.throws(() => loadConfig({ overrides: ['base_syscalls.custom_set[].name=x'] }), /'base_syscalls.custom_set' must be a list of strings/);
});
