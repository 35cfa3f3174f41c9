// PreparedRules (the start-up snapshot's rules loaded ahead): handed out once, and only to a load
// with the same paths, options and file content; any other load compiles anew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { DEFAULT_RULES_FILE, loadRules, PreparedRules } from './rules-files.js';

async function preparedFor(paths: string[]) {
  const prepared = new PreparedRules();
  await prepared.add(loadConfig(), paths);
  return prepared;
}

test('the same load takes the prepared rules once, then compiles anew', async () => {
  const cfg = loadConfig();
  const prepared = await preparedFor([DEFAULT_RULES_FILE]);
  const first = await loadRules(cfg, [DEFAULT_RULES_FILE], false, prepared);
  const second = await loadRules(cfg, [DEFAULT_RULES_FILE], false, prepared);
  assert.notEqual(first, second);
  assert.equal(first.ruleset.enabledCount, second.ruleset.enabledCount);
  assert.deepEqual(first.compiled?.rules.map((r) => r.name), second.compiled?.rules.map((r) => r.name));
});

test('other options or paths do not take them', async () => {
  const prepared = await preparedFor([DEFAULT_RULES_FILE]);
  assert.equal(prepared.take(loadConfig({ overrides: ['priority=error'] }), [DEFAULT_RULES_FILE], false), undefined);
  assert.equal(prepared.take(loadConfig(), [DEFAULT_RULES_FILE, DEFAULT_RULES_FILE], false), undefined);
  assert.ok(prepared.take(loadConfig(), [DEFAULT_RULES_FILE], false));
});

test('validation takes a load without errors, not one that stopped at a failing file', async () => {
  const ok = await preparedFor([DEFAULT_RULES_FILE]);
  const validated = await loadRules(loadConfig(), [DEFAULT_RULES_FILE], true);
  const taken = ok.take(loadConfig(), [DEFAULT_RULES_FILE], true);
  assert.ok(taken);
  assert.deepEqual(taken.results.map((r) => r.toText(true, taken.contents)), validated.results.map((r) => r.toText(true, validated.contents)));
  const dir = mkdtempSync(join(tmpdir(), 'saker-prepared-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '- rule: r\n  condition: no.such.field = 1\n  output: o\n  desc: d\n  priority: INFO\n');
    const failing = await preparedFor([bad]);
    assert.equal(failing.take(loadConfig(), [bad], true), undefined);
    assert.equal(failing.take(loadConfig(), [bad], false)?.successful, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rules file changed since is compiled from what it holds now', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-prepared-'));
  try {
    const file = join(dir, 'rules.yaml');
    copyFileSync(DEFAULT_RULES_FILE, file);
    const prepared = await preparedFor([file]);
    appendFileSync(file, '\n- rule: Added after the snapshot\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n');
    const loaded = await loadRules(loadConfig(), [file], false, prepared);
    assert.ok(loaded.compiled?.rules.some((r) => r.name === 'Added after the snapshot'));
    assert.equal(prepared.take(loadConfig(), [file], false), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory is never taken (its files may have changed in number)', async () => {
  const prepared = await preparedFor([join(DEFAULT_RULES_FILE, '..')]);
  assert.equal(prepared.take(loadConfig(), [join(DEFAULT_RULES_FILE, '..')], false), undefined);
});
