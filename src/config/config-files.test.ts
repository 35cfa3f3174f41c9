import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadLayeredConfig, mergeConfig } from './config-files.js';

function scratch(t: { after: (f: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'saker-cfg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("Falco's merge strategies: append extends sequences and replaces the rest, override replaces, add-only only adds", () => {
  const base = () => ({ rules_files: ['/a.yaml'], json_output: false, webserver: { listen_port: 1, enabled: true } });
  const add = { rules_files: ['/b.yaml'], json_output: true, webserver: { listen_port: 2 }, priority: 'warning' };
  const a: Record<string, unknown> = base();
  mergeConfig(a, add, 'append', 'x');
  assert.deepEqual(a, { rules_files: ['/a.yaml', '/b.yaml'], json_output: true, webserver: { listen_port: 2 }, priority: 'warning' });
  const o: Record<string, unknown> = base();
  mergeConfig(o, add, 'override', 'x');
  assert.deepEqual(o.rules_files, ['/b.yaml']);
  const n: Record<string, unknown> = base();
  mergeConfig(n, add, 'add-only', 'x');
  assert.deepEqual(n, { ...base(), priority: 'warning' });
  assert.throws(() => mergeConfig({}, { config_files: ['y'] }, 'append', 'inc.yaml'), /inc\.yaml: 'config_files' directive in an included config file/);
});

test('config.d beside the main file is merged in lexicographic order, then -o overrides win', (t) => {
  const d = scratch(t);
  writeFileSync(join(d, 'saker.yaml'), 'priority: debug\nrules_files: [/r1.yaml]\n');
  mkdirSync(join(d, 'config.d'));
  writeFileSync(join(d, 'config.d', '20-b.yaml'), 'priority: error\n');
  writeFileSync(join(d, 'config.d', '10-a.yaml'), 'priority: warning\nrules_files: [/r2.yaml]\n');
  const l = loadLayeredConfig({ file: join(d, 'saker.yaml'), overrides: ['json_output=true'] });
  assert.equal(l.config.priority, 'error');
  assert.deepEqual(l.config.rulesFiles, ['/r1.yaml', '/r2.yaml']);
  assert.equal(l.config.jsonOutput, true);
  assert.deepEqual(l.files.map((f) => f.slice(d.length + 1)), ['saker.yaml', 'config.d/10-a.yaml', 'config.d/20-b.yaml']);
  assert.deepEqual(l.dirs, [join(d, 'config.d')]);
});

test('config_files entries with strategies; missing entries skipped; -o config_files adds one', (t) => {
  const d = scratch(t);
  writeFileSync(join(d, 'extra.yaml'), 'priority: notice\nrules_files: [/x.yaml]\n');
  writeFileSync(join(d, 'cli.yaml'), 'json_output: true\n');
  writeFileSync(join(d, 'main.yaml'), `rules_files: [/m.yaml]\nconfig_files:\n  - path: ${d}/extra.yaml\n    strategy: add-only\n  - ${d}/nowhere\n`);
  const l = loadLayeredConfig({ file: join(d, 'main.yaml'), overrides: [`config_files[]=${d}/cli.yaml`] });
  assert.equal(l.config.priority, 'notice');
  assert.deepEqual(l.config.rulesFiles, ['/m.yaml'], 'add-only keeps the key the main file set');
  assert.equal(l.config.jsonOutput, true);
});

test('a broken included file is an error naming its file, line and column; a bad strategy names the entry', (t) => {
  const d = scratch(t);
  mkdirSync(join(d, 'config.d'));
  writeFileSync(join(d, 'main.yaml'), 'priority: debug\n');
  writeFileSync(join(d, 'config.d', 'bad.yaml'), 'a: 1\nb: [\n');
  assert.throws(() => loadLayeredConfig({ file: join(d, 'main.yaml') }), /config\.d\/bad\.yaml:\d+:\d+:/);
  writeFileSync(join(d, 'strat.yaml'), 'config_files:\n  - path: /x\n    strategy: merge\n');
  assert.throws(() => loadLayeredConfig({ file: join(d, 'strat.yaml') }), /strat\.yaml: config_files\[0\]\.strategy must be one of append, override, add-only, got 'merge'/);
  writeFileSync(join(d, 'self.yaml'), `config_files: [${d}/self.yaml]\n`);
  assert.throws(() => loadLayeredConfig({ file: join(d, 'self.yaml') }), /include the main config file/);
});
