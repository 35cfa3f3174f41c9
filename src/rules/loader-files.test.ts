// Loading several files and directories, per-file results, and the compile steps around
// outputs, visibility and unused items.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { astToString } from '../filter/index.js';
import { expandRulesPaths, loadRulesContents, loadRulesFiles, RulesLoader, toFalcoValidationJson, toSakerValidation } from './loader.js';

const rule = (name: string, cond: string, extra = '') =>
  `- rule: ${name}\n  desc: d\n  condition: ${cond}\n  output: "o %proc.name"\n  priority: WARNING\n${extra}`;

test('later files see, append to and override earlier definitions; one result per file', () => {
  const loaded = loadRulesContents([
    { name: 'a.yaml', content: `- list: bins\n  items: [cat]\n- macro: is_cat\n  condition: proc.name in (bins)\n${rule('r1', 'evt.type=open and is_cat')}` },
    { name: 'b.yaml', content: '- list: bins\n  items: [dog]\n  append: true\n- macro: is_cat\n  condition: or proc.name = cow\n  override:\n    condition: append\n' },
    { name: 'c.yaml', content: `${rule('r0', 'evt.type=close')}${rule('r1', 'evt.type=openat')}` },
  ]);
  assert.ok(loaded.successful);
  assert.deepEqual(loaded.results.map((r) => r.name), ['a.yaml', 'b.yaml', 'c.yaml']);
  assert.equal(loaded.results[1]!.warnings[0]!.code, 'LOAD_DEPRECATED_ITEM');
  // r1 was redefined in c.yaml but keeps its first position.
  assert.deepEqual(loaded.compiled!.rules.map((r) => r.name), ['r1', 'r0']);
  assert.equal(astToString(loaded.compiled!.rules[0]!.condition), 'evt.type = openat');
  // After b.yaml, the rule used the appended list and macro.
  const afterB = new RulesLoader();
  afterB.load(loaded.contents.get('a.yaml')!, 'a.yaml');
  afterB.load(loaded.contents.get('b.yaml')!, 'b.yaml');
  assert.equal(astToString(afterB.compiled!.rules[0]!.condition), '(evt.type = open and (proc.name in (cat, dog) or proc.name = cow))');
});

test('each file is compiled with everything collected so far: unused warnings go to the file being loaded', () => {
  const loaded = loadRulesContents([
    { name: 'a.yaml', content: '- macro: m\n  condition: evt.type=execve\n' },
    { name: 'b.yaml', content: rule('r', 'm') },
  ]);
  assert.deepEqual(loaded.results[0]!.warnings.map((w) => [w.code, w.context.item.itemName]), [['LOAD_UNUSED_MACRO', 'm']]);
  assert.deepEqual(loaded.results[1]!.warnings, []);
});

test('the first file with an error stops loading unless validating', () => {
  const inputs = [
    { name: 'a.yaml', content: '- list: l\n  items: [a]\n- list:\n' },
    { name: 'b.yaml', content: rule('r', 'evt.type=open') },
  ];
  const stop = loadRulesContents(inputs);
  assert.equal(stop.successful, false);
  assert.deepEqual(stop.results.map((r) => r.name), ['a.yaml']);
  assert.equal(stop.ruleset.enabledCount, 0);
  const validate = loadRulesContents(inputs, { continueOnError: true });
  assert.deepEqual(validate.results.map((r) => r.successful), [false, true]);
  // Items read before the error stay collected (Falco does the same): b.yaml saw list l.
  assert.deepEqual(validate.results[1]!.warnings.map((w) => w.code), ['LOAD_UNUSED_LIST']);
  assert.equal(validate.compiled!.rules.length, 1);
});

test('macros only see macros defined before their latest change; rules see all', () => {
  const early = loadRulesContents([{ name: 'f.yaml', content: `- macro: a\n  condition: b\n- macro: b\n  condition: evt.type=open\n${rule('r', 'a')}` }]);
  assert.equal(early.results[0]!.errors[0]!.message, "Undefined macro 'b' used in filter.");
  assert.equal(early.results[0]!.errors[0]!.context.item.itemName, 'a');
  const appended = loadRulesContents([
    { name: 'f.yaml', content: `- macro: a\n  condition: evt.type=open\n- macro: b\n  condition: proc.name=cat\n- macro: a\n  condition: and b\n  append: true\n${rule('r', 'a')}` },
  ]);
  assert.ok(appended.successful, appended.results[0]!.toText(true, appended.contents));
  assert.equal(astToString(appended.compiled!.rules[0]!.condition), '(evt.type = open and proc.name = cat)');
  const ruleSeesLater = loadRulesContents([{ name: 'f.yaml', content: `${rule('r', 'm')}- macro: m\n  condition: evt.type=open\n` }]);
  assert.ok(ruleSeesLater.successful);
});

test('reference loops between macros are errors', () => {
  const loaded = loadRulesContents([
    { name: 'f.yaml', content: '- macro: macro_a\n  condition: evt.type=open\n- macro: macro_b\n  condition: macro_a\n- macro: macro_a\n  condition: macro_b\n' },
  ]);
  const e = loaded.results[0]!.errors[0]!;
  assert.equal(e.code, 'LOAD_ERR_VALIDATE');
  assert.equal(e.message, "reference loop in macro 'macro_b'");
});

test('outputs: extra formats by source/tags/rule, %container.info dropped with a warning', () => {
  const loaded = loadRulesContents(
    [{ name: 'f.yaml', content: `${rule('a', 'evt.type=open', '  tags: [x, y]\n')}${rule('b', 'evt.type=open', '  tags: [x]\n')}- rule: c\n  desc: d\n  condition: evt.type=open\n  output: "o %container.info"\n  priority: INFO\n` }],
    {
      extraOutputFormats: [
        { format: 'all=%proc.pid' },
        { format: 'xy=%user.name', tags: ['x', 'y'] },
        { format: 'only_b=%fd.name', rule: 'b' },
        { format: 'k8s=%proc.name', source: 'k8s_audit' },
      ],
    },
  );
  assert.ok(loaded.successful, loaded.results[0]!.toText(true, loaded.contents));
  const outputs = Object.fromEntries(loaded.compiled!.rules.map((r) => [r.name, r.output]));
  assert.deepEqual(outputs, {
    a: 'o %proc.name all=%proc.pid xy=%user.name',
    b: 'o %proc.name all=%proc.pid only_b=%fd.name',
    c: 'o  all=%proc.pid',
  });
  const w = loaded.results[0]!.warnings.find((x) => x.code === 'LOAD_DEPRECATED_ITEM')!;
  assert.match(w.message, /^%container.info is deprecated/);
  assert.equal(w.context.item.itemName, 'c');
});

test('skip-if-unknown-filter turns unknown fields into warnings and drops the rule', () => {
  const loaded = loadRulesContents([
    {
      name: 'f.yaml',
      content: `${rule('skipped', 'evt.type=open and proc.nobody=cat', '  skip-if-unknown-filter: true\n')}${rule('kept', 'evt.type=open')}`,
    },
  ]);
  assert.ok(loaded.successful);
  assert.deepEqual(loaded.compiled!.rules.map((r) => r.name), ['kept']);
  assert.deepEqual(loaded.results[0]!.warnings.map((w) => [w.code, w.message]), [['LOAD_UNKNOWN_FILTER', 'filter_check called with nonexistent field proc.nobody']]);
  // Other compile errors are not skipped.
  const bad = loadRulesContents([{ name: 'f.yaml', content: rule('r', 'evt.type=open and proc.pid=abc', '  skip-if-unknown-filter: true\n') }]);
  assert.equal(bad.results[0]!.errors[0]!.code, 'LOAD_ERR_COMPILE_CONDITION');
});

test('rules of unknown sources are collected (appends work) but not compiled', () => {
  const loaded = loadRulesContents([
    { name: 'f.yaml', content: `${rule('r', 'ct.name=x', '  source: aws_cloudtrail\n')}- rule: r\n  condition: or ct.name=y\n  append: true\n` },
  ]);
  assert.ok(loaded.successful);
  assert.equal(loaded.compiled!.rules.length, 0);
  assert.equal(loaded.loader.collector.rules.get('r')!.condition, 'ct.name=x or ct.name=y');
  assert.deepEqual(loaded.results[0]!.warnings.map((w) => w.code), ['LOAD_UNKNOWN_SOURCE', 'LOAD_DEPRECATED_ITEM']);
});

test('errors in conditions point at the real line and column in the file', () => {
  const content = '- rule: r\n  desc: d\n  condition: >\n    evt.type=open and\n    proc.name=cat foo\n  output: o\n  priority: INFO\n';
  const loaded = loadRulesContents([{ name: 'f.yaml', content }]);
  const [flat] = toSakerValidation(loaded).errors;
  assert.deepEqual(flat, {
    file: 'f.yaml',
    line: 5,
    column: 19,
    code: 'LOAD_ERR_COMPILE_CONDITION',
    message: "unexpected token after 'cat', expecting 'or', 'and'",
    item_type: 'rule',
    item_name: 'r',
  });
  // After a list substitution the file position is the condition's start.
  const subst = loadRulesContents([{ name: 'f.yaml', content: '- list: l\n  items: [a]\n- macro: m\n  condition: proc.name in (l) x\n' }]);
  const e = toSakerValidation(subst).errors[0]!;
  assert.deepEqual([e.line, e.column, e.item_type, e.item_name], [4, 14, 'macro', 'm']);
  const undefinedMacro = loadRulesContents([{ name: 'f.yaml', content: rule('r', 'evt.type=open and not nope') }]);
  const u = toSakerValidation(undefinedMacro).errors[0]!;
  assert.deepEqual([u.line, u.column, u.message], [3, 36, "Undefined macro 'nope' used in filter."]);
});

test('validation documents: Falco JSON and Saker flat JSON', () => {
  const loaded = loadRulesContents(
    [
      { name: 'ok.yaml', content: `${rule('a', 'evt.type=open')}${rule('b', 'evt.type=open', '  enabled: false\n')}- list: unused\n  items: [x]\n` },
      { name: 'bad.yaml', content: '- rule: no output rule\n  desc: some desc\n  condition: evt.type=fork\n  priority: INFO' },
    ],
    { continueOnError: true },
  );
  const falco = toFalcoValidationJson(loaded);
  assert.deepEqual(falco.falco_load_results.map((r) => [r.name, r.successful, r.errors.length, r.warnings.length]), [
    ['ok.yaml', true, 0, 1],
    ['bad.yaml', false, 1, 0],
  ]);
  assert.equal(falco.falco_load_results[1]!.errors[0]!.context.snippet, '- rule: no output rule\n  ^\n');
  assert.deepEqual(toSakerValidation(loaded), {
    rules: 2,
    enabled_rules: 1,
    macros: 0,
    lists: 1,
    errors: [
      { file: 'bad.yaml', line: 1, column: 3, code: 'LOAD_ERR_YAML_VALIDATE', message: "Item has no mapping for key 'output'", item_type: 'rule', item_name: 'no output rule' },
    ],
    warnings: [
      { file: 'ok.yaml', line: 12, column: 3, code: 'LOAD_UNUSED_LIST', message: 'List not referred to by any other rule/macro', item_type: 'list', item_name: 'unused' },
    ],
  });
});

test('minimum priority, rule matching and selections apply to the ruleset', () => {
  const content = `${rule('w', 'evt.type=open', '  tags: [t]\n')}- rule: e\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: ERROR\n`;
  const loaded = loadRulesContents([{ name: 'f.yaml', content }], { minPriority: 'error', ruleMatching: 'all' });
  assert.deepEqual(loaded.ruleset.enabledRules().map((r) => r.name), ['e']);
  assert.equal(loaded.ruleset.ruleMatching, 'all');
  const selected = loadRulesContents([{ name: 'f.yaml', content }], { selections: [{ action: 'disable', rule: '*' }, { action: 'enable', tag: 't' }] });
  assert.deepEqual(selected.ruleset.enabledRules().map((r) => r.name), ['w']);
  assert.throws(() => loadRulesContents([], { minPriority: 'loud' }), /Unknown priority value: loud/);
});

test('files and directories: *.yaml/*.yml in alphabetical order, unreadable files reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-rules-'));
  try {
    const rulesDir = join(dir, 'rules.d');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, '001-b.yml'), rule('b', 'evt.type=open'));
    writeFileSync(join(rulesDir, '000-a.yaml'), `- macro: m\n  condition: evt.type=execve\n${rule('a', 'm')}`);
    writeFileSync(join(rulesDir, 'notes.txt'), 'not rules');
    writeFileSync(join(rulesDir, 'x.yaml.bak'), 'not rules');
    mkdirSync(join(rulesDir, 'sub.yaml'));
    writeFileSync(join(dir, 'linked.yaml'), rule('l', 'evt.type=close'));
    symlinkSync(join(dir, 'linked.yaml'), join(rulesDir, '002-link.yaml'));
    const extra = join(dir, 'extra.rules');
    writeFileSync(extra, rule('c', 'evt.type=connect'));

    assert.deepEqual(await expandRulesPaths([rulesDir, extra]), [
      join(rulesDir, '000-a.yaml'),
      join(rulesDir, '001-b.yml'),
      join(rulesDir, '002-link.yaml'),
      extra,
    ]);
    const loaded = await loadRulesFiles([rulesDir, extra]);
    assert.ok(loaded.successful);
    assert.deepEqual(loaded.compiled!.rules.map((r) => r.name), ['a', 'b', 'l', 'c']);

    const missing = join(dir, 'missing.yaml');
    const failed = await loadRulesFiles([missing, extra]);
    assert.deepEqual(failed.results.map((r) => [r.name, r.errors[0]?.code]), [[missing, 'LOAD_ERR_FILE_READ']]);
    assert.equal(failed.results[0]!.errors[0]!.message, `Could not open file ${missing} for reading: ENOENT`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
