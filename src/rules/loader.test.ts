// Ports of Falco's engine unit tests (falco unit_tests/engine/test_rule_loader.cpp): the
// rules texts and expected outcomes are Falco's; the helpers mirror its test fixture
// (messages are matched as substrings, conditions in libsinsp's canonical string form).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { astToString } from '../filter/index.js';
import { ERROR_NO_PREVIOUS_LIST, ERROR_NO_PREVIOUS_MACRO, ERROR_NO_PREVIOUS_RULE_APPEND, ERROR_NO_PREVIOUS_RULE_REPLACE, ERROR_OVERRIDE_APPEND } from './collector.js';
import { loadRulesContents, type LoadedRules } from './loader.js';
import { WARNING_APPEND, WARNING_ENABLED } from './reader.js';
import type { LoadRulesOptions } from './loader.js';

type Loaded = LoadedRules<unknown>;

function load(content: string, options: LoadRulesOptions<unknown> = {}): Loaded {
  return loadRulesContents<unknown>([{ name: 'rules.yaml', content }], options);
}

const last = (l: Loaded) => l.results[l.results.length - 1]!;
const ok = (l: Loaded): boolean => last(l).successful;
const hasWarnings = (l: Loaded): boolean => last(l).hasWarnings;
const errorMessage = (l: Loaded, text: string): boolean => last(l).errors.some((e) => e.message.includes(text));
const warningMessage = (l: Loaded, text: string): boolean => last(l).warnings.some((w) => w.message.includes(text));
const enabledRules = (l: Loaded): number => l.ruleset.enabledCount;
function rule(l: Loaded, name: string) {
  const r = l.compiled?.rules.find((x) => x.name === name);
  assert.ok(r, `rule ${name} compiled`);
  return r;
}
const condition = (l: Loaded, name: string): string => astToString(rule(l, name).condition);
const dump = (l: Loaded): string => l.results.map((r) => r.toText(true, l.contents)).join('\n');

const legitRule = `
- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`;

test('list_append: override items append', () => {
  const l = load(`
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]

- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open and proc.name in (shell_binaries)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- list: shell_binaries
  items: [pwsh]
  override:
    items: append
`);
  assert.ok(ok(l), dump(l));
  assert.equal(condition(l, 'legit_rule'), '(evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, pwsh))');
});

test('condition_append: macro override condition append', () => {
  const l = load(`
- macro: interactive
  condition: >
    ((proc.aname=sshd and proc.name != sshd) or
    proc.name=systemd-logind or proc.name=login)

- rule: legit_rule
  desc: legit rule description
  condition: evt.type=open and interactive
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- macro: interactive
  condition: or proc.name = ssh
  override:
    condition: append
`);
  assert.ok(ok(l), dump(l));
  assert.equal(
    condition(l, 'legit_rule'),
    '(evt.type = open and (((proc.aname = sshd and proc.name != sshd) or proc.name = systemd-logind or proc.name = login) or proc.name = ssh))',
  );
});

test('rule_override_append: desc, condition and output appended, no deprecation warning', () => {
  const l = load(`${legitRule}
- rule: legit_rule
  desc: with append
  condition: and proc.name = cat
  output: proc=%proc.name
  override:
    desc: append
    condition: append
    output: append
`);
  assert.ok(ok(l), dump(l));
  assert.ok(!warningMessage(l, WARNING_APPEND));
  const info = l.loader.collector.rules.get('legit_rule')!;
  assert.equal(info.condition, 'evt.type=open and proc.name = cat');
  assert.equal(info.output, 'user=%user.name command=%proc.cmdline file=%fd.name proc=%proc.name');
  assert.equal(info.desc, 'legit rule description with append');
  assert.equal(rule(l, 'legit_rule').description, 'legit rule description with append');
});

test('rule_append: legacy append flag warns and appends', () => {
  const l = load(`${legitRule}
- rule: legit_rule
  condition: and proc.name = cat
  append: true
`);
  assert.ok(ok(l), dump(l));
  assert.ok(warningMessage(l, WARNING_APPEND));
  assert.equal(condition(l, 'legit_rule'), '(evt.type = open and proc.name = cat)');
});

test('rule_override_replace', () => {
  const l = load(`${legitRule}
- rule: legit_rule
  desc: a replaced legit description
  condition: evt.type = close
  override:
    desc: replace
    condition: replace
`);
  assert.ok(ok(l), dump(l));
  const info = l.loader.collector.rules.get('legit_rule')!;
  assert.equal(info.condition, 'evt.type = close');
  assert.equal(info.output, 'user=%user.name command=%proc.cmdline file=%fd.name');
  assert.equal(info.desc, 'a replaced legit description');
});

test('rule_override_append_replace: priority replaced', () => {
  const l = load(`
- rule: legit_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: legit_rule
  desc: a replaced legit description
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: replace
`);
  assert.ok(ok(l), dump(l));
  const r = rule(l, 'legit_rule');
  assert.equal(l.loader.collector.rules.get('legit_rule')!.condition, 'evt.type = close and proc.name = cat');
  assert.equal(r.description, 'a replaced legit description');
  assert.equal(r.priority, 4);
});

test('rule_incorrect_override_type: priority cannot be appended; snippet shows the key', () => {
  const l = load(`
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
    priority: append
`);
  assert.ok(!ok(l));
  assert.ok(errorMessage(l, "Key 'priority' cannot be appended to, use 'replace' instead"));
  const json = last(l).toFalcoJson(l.contents);
  assert.ok(json.errors[0]!.context.snippet.includes('priority: append'), json.errors[0]!.context.snippet);
});

test('rule_incorrect_append_override: append flag and override together', () => {
  const l = load(`
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  append: true
  override:
    desc: replace
    condition: append
`);
  assert.ok(!ok(l));
  assert.ok(warningMessage(l, WARNING_APPEND));
  assert.ok(errorMessage(l, ERROR_OVERRIDE_APPEND));
});

const openSimpleRule = `
- rule: test_rule
  desc: simple rule
  condition: open_simple
  output: command=%proc.cmdline
  priority: INFO
`;

test('macro append/override before and after the definition', () => {
  const appendBefore = (how: string) => `
- macro: open_simple
  condition: or evt.type = openat2
${how}

- macro: open_simple
  condition: evt.type in (open,openat)
${openSimpleRule}`;
  for (const how of ['  override:\n    condition: append', '  append: true']) {
    const l = load(appendBefore(how));
    assert.ok(!ok(l));
    assert.ok(errorMessage(l, ERROR_NO_PREVIOUS_MACRO));
  }
  const replaceBefore = load(appendBefore('  override:\n    condition: replace'));
  assert.ok(ok(replaceBefore), dump(replaceBefore));
  assert.equal(condition(replaceBefore, 'test_rule'), 'evt.type in (open, openat)');

  for (const how of ['  override:\n    condition: append', '  append: true']) {
    const l = load(`
- macro: open_simple
  condition: evt.type in (open,openat)

- macro: open_simple
  condition: or evt.type = openat2
${how}
${openSimpleRule}`);
    assert.ok(ok(l), dump(l));
    assert.equal(condition(l, 'test_rule'), '(evt.type in (open, openat) or evt.type = openat2)');
  }
});

test('rule append/override before and after the definition', () => {
  const def = `
- rule: test_rule
  desc: simple rule
  condition: evt.type in (open,openat)
  output: command=%proc.cmdline
  priority: INFO
`;
  const update = (how: string) => `
- rule: test_rule
  condition: and proc.name = cat
${how}
`;
  const cases: Array<[string, string]> = [
    ['  override:\n    condition: append', ERROR_NO_PREVIOUS_RULE_APPEND],
    ['  override:\n    condition: replace', ERROR_NO_PREVIOUS_RULE_REPLACE],
    ['  append: true', ERROR_NO_PREVIOUS_RULE_APPEND],
  ];
  for (const [how, err] of cases) {
    const l = load(update(how) + def);
    assert.ok(!ok(l));
    assert.ok(errorMessage(l, err), dump(l));
  }
  for (const how of ['  override:\n    condition: append', '  append: true']) {
    const l = load(def + update(how));
    assert.ok(ok(l), dump(l));
    assert.equal(condition(l, 'test_rule'), '(evt.type in (open, openat) and proc.name = cat)');
  }
});

const devRule = `
- rule: test_rule
  desc: simple rule
  condition: evt.type = execve and proc.name in (dev_creation_binaries)
  output: command=%proc.cmdline
  priority: INFO
`;

test('list_override_append_wrong_key: a misspelled override key is ignored (warned)', () => {
  const l = load(`
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
  override_written_wrong:
    items: append

- list: dev_creation_binaries
  items: [blkid]
${devRule}`);
  assert.ok(ok(l), dump(l));
  assert.ok(warningMessage(l, "Unknown key 'override_written_wrong'"));
  assert.equal(condition(l, 'test_rule'), '(evt.type = execve and proc.name in (blkid))');
});

test('list append/override before and after the definition', () => {
  const first = (how: string) => `
- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
${how}

- list: dev_creation_binaries
  items: [blkid]
${devRule}`;
  for (const how of ['  override:\n    items: append', '  append: true']) {
    const l = load(first(how));
    assert.ok(!ok(l));
    assert.ok(errorMessage(l, ERROR_NO_PREVIOUS_LIST));
  }
  const replaced = load(first('  override:\n    items: replace'));
  assert.ok(ok(replaced), dump(replaced));
  assert.equal(condition(replaced, 'test_rule'), '(evt.type = execve and proc.name in (blkid))');
  for (const how of ['  override:\n    items: append', '  append: true']) {
    const l = load(`
- list: dev_creation_binaries
  items: [blkid]

- list: dev_creation_binaries
  items: ["csi-provisioner", "csi-attacher"]
${how}
${devRule}`);
    assert.ok(ok(l), dump(l));
    assert.equal(condition(l, 'test_rule'), '(evt.type = execve and proc.name in (blkid, csi-provisioner, csi-attacher))');
  }
});

const failingRule = `
- rule: failing_rule
  desc: legit rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`;

test('rule_override_without_field / rule_override_extra_field', () => {
  const without = load(`${failingRule}
- rule: failing_rule
  desc: an appended incorrect field
  override:
    desc: replace
    condition: append
`);
  assert.ok(!ok(without));
  assert.ok(errorMessage(without, "An append override for 'condition' was specified but 'condition' is not defined"));
  const extra = load(`${failingRule}
- rule: failing_rule
  desc: an appended incorrect field
  condition: and proc.name = cat
  priority: WARNING
  override:
    desc: replace
    condition: append
`);
  assert.ok(!ok(extra));
  assert.ok(errorMessage(extra, "Unexpected key 'priority'"));
});

const disabledRule = `
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false
`;

test('missing_enabled_key_with_override / rule_override_with_enabled', () => {
  const missing = load(`${disabledRule}
- rule: test_rule
  desc: missing enabled key
  condition: and proc.name = cat
  override:
    desc: replace
    condition: append
    enabled: replace
`);
  assert.ok(!ok(missing));
  assert.ok(errorMessage(missing, "'enabled' was specified but 'enabled' is not defined"));
  const withEnabled = load(`${disabledRule}
- rule: test_rule
  desc: correct override
  condition: and proc.name = cat
  enabled: true
  override:
    desc: replace
    condition: append
    enabled: replace
`);
  assert.ok(ok(withEnabled), dump(withEnabled));
  assert.ok(!hasWarnings(withEnabled), dump(withEnabled));
  assert.equal(enabledRules(withEnabled), 1);
});

test('rule_override_exceptions_required_fields: replaced exceptions must be complete', () => {
  const l = load(`
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  exceptions:
    - name: test_exception
      fields: proc.name
      comps: in
      values: ["cat"]

# when appending, it's fine to provide partial exception definitions
- rule: test_rule
  exceptions:
    - name: test_exception
      values: [echo]
  override:
    exceptions: append

# when replacing, we don't allow partial exception definitions
- rule: test_rule
  exceptions:
    - name: test_exception
      values: [id]
  override:
    exceptions: replace
`);
  assert.ok(!ok(l));
  assert.ok(!hasWarnings(l), dump(l));
  assert.ok(errorMessage(l, "Item has no mapping for key 'fields'"));
});

test('rule_not_enabled / rule_enabled_warning / rule_enabled_is_ignored_by_append', () => {
  const notEnabled = load(disabledRule);
  assert.ok(ok(notEnabled));
  assert.ok(!hasWarnings(notEnabled), dump(notEnabled));
  assert.equal(enabledRules(notEnabled), 0);

  const standalone = load(`${disabledRule}
- rule: test_rule
  enabled: true
`);
  assert.ok(ok(standalone));
  assert.ok(warningMessage(standalone, WARNING_ENABLED));
  assert.equal(enabledRules(standalone), 1);

  const viaAppend = load(`${disabledRule}
- rule: test_rule
  condition: and proc.name = cat
  append: true
  enabled: true
`);
  assert.ok(ok(viaAppend), dump(viaAppend));
  assert.equal(enabledRules(viaAppend), 0);
});

test('rewrite_rule: a second full definition replaces the first', () => {
  const l = load(`${disabledRule}
- rule: test_rule
  desc: redefined rule syntax
  condition: proc.name = cat
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: WARNING
  enabled: true
`);
  assert.ok(ok(l));
  assert.equal(enabledRules(l), 1);
  assert.equal(condition(l, 'test_rule'), 'proc.name = cat');
});

test('LOAD_NO_EVTTYPE: broad conditions warn, narrow, unsatisfiable and disabled ones do not', () => {
  const NO_EVTTYPE = 'Rule matches too many evt.type values';
  const ruleWith = (cond: string, extra = '') => `
- rule: test_rule
  desc: d
  condition: ${cond}
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
${extra}`;
  assert.ok(!warningMessage(load(ruleWith('evt.type = close')), NO_EVTTYPE));
  assert.ok(warningMessage(load(ruleWith('proc.name = cat')), NO_EVTTYPE));
  assert.ok(!warningMessage(load(ruleWith('proc.name = cat', '  warn_evttypes: false')), NO_EVTTYPE));
  const unsatisfiable = load(ruleWith('evt.num = 0'));
  assert.ok(!warningMessage(unsatisfiable, NO_EVTTYPE));
  assert.equal(enabledRules(unsatisfiable), 1);
  assert.ok(!warningMessage(load(ruleWith('evt.type = open and evt.type = close')), NO_EVTTYPE));

  const neverTrue = load(`
- macro: never_true
  condition: (evt.num=0)

- macro: user_known_activity
  condition: (never_true)

- rule: anchored_rule_with_placeholder
  desc: anchored rule negating a never_true placeholder
  condition: evt.type = open and not user_known_activity
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO

- rule: placeholder_only_rule
  desc: rule whose condition reduces entirely to never_true
  condition: never_true
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
`);
  assert.ok(ok(neverTrue));
  assert.ok(!warningMessage(neverTrue, NO_EVTTYPE), dump(neverTrue));
  assert.equal(enabledRules(neverTrue), 2);
});

test('required_engine_version: semver, bare number and invalid', () => {
  const withVersion = (v: string) => `
- required_engine_version: ${v}
${disabledRule}`;
  for (const v of ['0.26.0', '26']) {
    const l = load(withVersion(v));
    assert.ok(ok(l), dump(l));
    assert.ok(!hasWarnings(l), dump(l));
  }
  const invalid = load(withVersion('seven'));
  assert.ok(!ok(invalid));
  assert.ok(errorMessage(invalid, 'Unable to parse engine version'));
  const tooNew = load(withVersion('9999999'));
  assert.ok(errorMessage(tooNew, 'Rules require engine version 0.9999999.0, but engine version is 0.63.0'));
  assert.equal(l0(tooNew).code, 'LOAD_ERR_VALIDATE');
});

const l0 = (l: Loaded) => last(l).errors[0]!;

test('list_value_with_escaping: items are kept as written; the unused list warns', () => {
  const l = load(`
- list: my_list
  items: [non_escaped_val, "escaped val"]
`);
  assert.ok(ok(l));
  assert.ok(hasWarnings(l));
  assert.equal(l.compiled!.rules.length, 0);
  assert.equal(l.compiled!.macros.size, 0);
  assert.deepEqual(l.compiled!.lists.get('my_list')!.items, ['non_escaped_val', 'escaped val']);
  assert.equal(last(l).warnings[0]!.code, 'LOAD_UNUSED_LIST');
});

const testRuleBase = `
- rule: test_rule
  desc: test rule
  condition: evt.type = open
  output: command=%proc.cmdline
  priority: INFO
`;

test('exceptions_condition', () => {
  const l = load(`
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl or proc.cmdline contains wget
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]
`);
  assert.ok(ok(l), dump(l));
  assert.equal(
    condition(l, 'test_rule'),
    '((proc.cmdline contains curl or proc.cmdline contains wget) and not proc.cmdline contains "curl 127.0.0.1")',
  );
  assert.deepEqual(rule(l, 'test_rule').exceptionFields, ['proc.cmdline']);
});

test('macro_name_invalid / list_name_invalid', () => {
  const macro = load(`
- macro: test-macro
  condition: evt.type = close
`);
  assert.ok(ok(macro));
  assert.ok(warningMessage(macro, 'Macro has an invalid name. Macro names should match a regular expression'));
  const list = load(`
- list: test list
  items: [open, openat, openat2]

- rule: test_rule
  desc: test rule description
  condition: evt.type in (test list)
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
  enabled: false
`);
  assert.ok(ok(list), dump(list));
  assert.ok(warningMessage(list, 'List has an invalid name. List names should match a regular expression'));
});

test('exceptions appended or overridden without values warn', () => {
  for (const how of ['  append: true', '  override:\n    exceptions: append']) {
    const l = load(`
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]

- rule: test_rule
  exceptions:
    - name: test_exception
      value: curl 1.1.1.1
${how}
`);
    assert.ok(ok(l), dump(l));
    assert.ok(warningMessage(l, 'Overriding/appending exception with no values'));
  }
});

test('exceptions_names_not_unique', () => {
  const l = load(`
- rule: test_rule
  desc: test rule
  condition: proc.cmdline contains curl
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
    - name: test_exception
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]
    - name: test_exception
      fields: [proc.cmdline]
      comps: [endswith]
      values:
        - [curl 127.0.0.1]
`);
  assert.ok(ok(l));
  assert.ok(warningMessage(l, 'Multiple definitions of exception'));
});

test('exception values and fields with fields and transformers', async (t) => {
  const cases: Array<[string, string, string | undefined]> = [
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - [proc.pname]', '(evt.type = open and not proc.name = proc.pname)', "'proc.pname' may be a valid field misused as a const string value"],
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - ["proc.pname"]', '(evt.type = open and not proc.name = proc.pname)', "'proc.pname' may be a valid field misused as a const string value"],
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - ["proc.pname "]', '(evt.type = open and not proc.name = "proc.pname ")', "'proc.pname ' may be a valid field misused as a const string value"],
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - [toupper(proc.pname)]', '(evt.type = open and not proc.name = toupper(proc.pname))', undefined],
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - ["toupper(proc.pname)"]', '(evt.type = open and not proc.name = toupper(proc.pname))', undefined],
    ['fields: [proc.name]\n      comps: [=]\n      values:\n        - [toupper( proc.pname)]', '(evt.type = open and not proc.name = "toupper( proc.pname)")', "'toupper( proc.pname)' may be a valid field transformer misused as a const string value"],
    ['fields: [tolower(proc.name)]\n      comps: [=]\n      values:\n        - [test]', '(evt.type = open and not tolower(proc.name) = test)', undefined],
    ['fields: ["tolower( proc.name)"]\n      comps: [=]\n      values:\n        - [test]', '(evt.type = open and not tolower(proc.name) = test)', undefined],
  ];
  for (const [exception, expected] of cases) {
    const l = load(`${testRuleBase}  exceptions:\n    - name: test_exception\n      ${exception}\n`);
    assert.ok(ok(l), dump(l));
    assert.equal(condition(l, 'test_rule'), expected);
  }
  await t.test(
    "libsinsp's value warnings (LOAD_COMPILE_CONDITION)",
    () => {
      for (const [exception, , warning] of cases) {
        const l = load(`${testRuleBase}  exceptions:\n    - name: test_exception\n      ${exception}\n`);
        if (warning) assert.ok(warningMessage(l, warning), dump(l));
        else assert.ok(!hasWarnings(l), dump(l));
      }
    },
  );
});

test('rules with a different source cannot be redefined, appended or replaced', () => {
  const k8s = `
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: ka.verb = GET
  output: some output
  priority: INFO
  source: k8s_audit
`;
  for (const second of [
    '- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n  output: Some output\n  priority: INFO\n  source: syscall',
    '- rule: LD_PRELOAD trick\n  desc: Some desc\n  condition: and 1 = 2\n  output: Some output\n  priority: INFO\n  source: syscall\n  append: true',
    '- rule: LD_PRELOAD trick\n  condition: 1 = 2\n  override:\n    condition: replace\n  source: syscall',
  ]) {
    const l = load(`${k8s}\n${second}\n`);
    assert.ok(!ok(l));
    assert.ok(errorMessage(l, 'Rule has been re-defined with a different source'), dump(l));
  }
});

test('an empty source on an append matches any source', () => {
  for (const src of ['source:', 'source: ""']) {
    const l = load(`
- rule: LD_PRELOAD trick
  desc: Some desc
  condition: evt.type=execve
  output: some output
  priority: INFO
  source: syscall

- rule: LD_PRELOAD trick
  desc: Some desc
  condition: and proc.name=apache
  output: Some output
  priority: INFO
  ${src}
  append: true
`);
    assert.ok(ok(l), dump(l));
  }
});

test('valid rule properties and replace overrides load cleanly', () => {
  for (const extra of ['  warn_evttypes: false', '  skip-if-unknown-filter: true']) {
    const l = load(`
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
${extra}
`);
    assert.ok(ok(l), dump(l));
  }
  for (const [base, override] of [
    ['  warn_evttypes: true', '  warn_evttypes: false\n  override:\n    warn_evttypes: replace'],
    ['', '  capture: true\n  override:\n    capture: replace'],
    ['  tags: [filesystem]', '  tags: [network]\n  override:\n    tags: replace'],
  ] as const) {
    const l = load(`
- rule: test_rule
  desc: test rule description
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name
  priority: INFO
${base}

- rule: test_rule
${override}
`);
    assert.ok(ok(l), dump(l));
  }
});

test('unknown keys warn on rules, lists and macros', () => {
  const cases = [
    `${testRuleBase}  typo_field: some_value\n`,
    `- list: my_list\n  items: [cat, bash]\n  typo_field: some_value\n- rule: r\n  desc: d\n  condition: evt.type = close and proc.name in (my_list)\n  output: o\n  priority: INFO\n`,
    `- macro: my_macro\n  condition: evt.type = close\n  typo_field: some_value\n- rule: r\n  desc: d\n  condition: my_macro\n  output: o\n  priority: INFO\n`,
  ];
  for (const content of cases) {
    const l = load(content);
    assert.ok(ok(l), dump(l));
    assert.ok(warningMessage(l, "Unknown key 'typo_field'"), dump(l));
  }
  const crossType = load(`- list: my_list\n  items: [cat, bash]\n  priority: INFO\n- rule: r\n  desc: d\n  condition: evt.type = close and proc.name in (my_list)\n  output: o\n  priority: INFO\n`);
  assert.ok(warningMessage(crossType, "Unknown key 'priority'"));
});

test('deprecated fields in outputs and conditions', () => {
  const inOutput = load(`
- rule: test_rule_with_evt_dir_in_output
  desc: test rule with evt.dir in output
  condition: evt.type = close
  output: user=%user.name command=%proc.cmdline file=%fd.name evt.dir=%evt.dir
  priority: INFO
`);
  assert.ok(ok(inOutput), dump(inOutput));
  assert.ok(warningMessage(inOutput, "usage of deprecated field 'evt.dir' has been detected in the rule output"));
  assert.equal(enabledRules(inOutput), 1);
  assert.ok(!warningMessage(load(testRuleBase), 'evt.dir'));

  // The snippet shows the condition text, not the `condition: >` line.
  const folded = load(`
- rule: test_rule
  desc: test rule
  condition: >
    evt.type = close and evt.dir = <
  output: user=%user.name
  priority: INFO
`);
  assert.ok(ok(folded), dump(folded));
  const json = last(folded).toFalcoJson(folded.contents);
  const w = json.warnings.find((x) => x.context.snippet.includes('evt.dir'));
  assert.ok(w, dump(folded));
  assert.ok(!w.context.snippet.includes('condition: >'));
  assert.equal(w.code, 'LOAD_DEPRECATED_ITEM');
  assert.equal(w.deprecated_field, 'evt.dir');

  const viaMacro = load(`
- macro: spawned_process
  condition: evt.type in (execve, execveat) and evt.dir = <

- rule: test_rule
  desc: test rule
  condition: >
    spawned_process and proc.name = bash
  output: command=%proc.cmdline
  priority: INFO
`);
  const dw = last(viaMacro).toFalcoJson(viaMacro.contents).warnings.find((x) => x.code === 'LOAD_DEPRECATED_ITEM');
  assert.ok(dw, dump(viaMacro));
  assert.ok(!dw.context.snippet.includes('condition: >'));
  assert.ok(dw.context.snippet.includes('spawned_process'));
});

test('capture and capture_duration, with replace overrides and type errors', () => {
  const base = `
- rule: test_rule
  desc: test rule
  condition: evt.type = close
  output: user=%user.name
  priority: WARNING
`;
  assert.equal(rule(load(`${base}  capture: true\n`), 'test_rule').capture, true);
  const defaults = rule(load(base), 'test_rule');
  assert.equal(defaults.capture, false);
  assert.equal(defaults.captureDuration, 0);
  assert.equal(rule(load(`${base}  capture: true\n  capture_duration: 10000\n`), 'test_rule').captureDuration, 10000);
  assert.equal(rule(load(`${base}  capture: true\n\n- rule: test_rule\n  capture: false\n  override:\n    capture: replace\n`), 'test_rule').capture, false);
  assert.equal(
    rule(load(`${base}  capture: true\n  capture_duration: 5000\n\n- rule: test_rule\n  capture_duration: 15000\n  override:\n    capture_duration: replace\n`), 'test_rule').captureDuration,
    15000,
  );
  assert.ok(!ok(load(`${base}  capture_duration: "not_a_number"\n`)));
  // yaml-cpp decodes the string "yes" as a boolean: the rule loads.
  assert.ok(ok(load(`${base}  capture: "yes"\n`)));
});

test('exception comps with modifiers', () => {
  const withExceptions = (cond: string, exceptions: string) => `
- rule: test_rule
  desc: test rule
  condition: ${cond}
  output: command=%proc.cmdline
  priority: INFO
  exceptions:
${exceptions}`;
  const good: Array<[string, string, string | undefined]> = [
    ['evt.type = open', '    - name: ex\n      fields: [proc.name]\n      comps: [startswith oneof]\n      values:\n        - [[sshd, sudo, systemd]]', '(evt.type = open and not proc.name startswith oneof (sshd, sudo, systemd))'],
    ['evt.type = execve', '    - name: ex\n      fields: [proc.cmdline]\n      comps: [contains allof]\n      values:\n        - [[curl, bash]]', '(evt.type = execve and not proc.cmdline contains allof (curl, bash))'],
    ['evt.type = open', '    - name: ex\n      fields: [fd.name]\n      comps: [endswith anyof]\n      values:\n        - [[.sh, .py, .pl]]', '(evt.type = open and not fd.name endswith anyof (.sh, .py, .pl))'],
    ['evt.type = open', '    - name: ex\n      fields: [fd.name]\n      comps: [glob oneof]\n      values:\n        - [["/tmp/*.sh", "/tmp/*.py", "/dev/shm/*.sh"]]', undefined],
    ['evt.type = execve', '    - name: ex\n      fields: [proc.cmdline]\n      comps: [icontains oneof]\n      values:\n        - [[MONITOR, HEALTHCHECK, PROBE]]', undefined],
    ['evt.type = open', '    - name: ex\n      fields: [proc.name, fd.name]\n      comps: [startswith oneof, startswith]\n      values:\n        - [[sshd, sudo], /etc/]', '(evt.type = open and not (proc.name startswith oneof (sshd, sudo) and fd.name startswith /etc/))'],
    ['evt.type = open', '    - name: ex\n      fields: [proc.exepath, fd.name]\n      comps: [endswith anyof, glob oneof]\n      values:\n        - [[/dpkg, /rpm, /pip], ["/tmp/*.deb", "/tmp/*.rpm"]]', undefined],
    ['evt.type = open', '    - name: ex_in\n      fields: proc.name\n      comps: in\n      values:\n        - cat\n        - grep\n    - name: ex_pmatch\n      fields: proc.exepath\n      comps: pmatch\n      values:\n        - /usr/bin/\n        - /usr/local/bin/', undefined],
    ['evt.type = execve', '    - name: ex\n      fields: [proc.name]\n      comps: [= oneof]\n      values:\n        - [[nmap, masscan, nikto]]', '(evt.type = execve and not proc.name = oneof (nmap, masscan, nikto))'],
    ['evt.type = execve', '    - name: ex\n      fields: [proc.name]\n      comps: [regex oneof]\n      values:\n        - [["research[0-9]+", "pentest-[0-9]{2,4}"]]', undefined],
    ['evt.type = open', '    - name: ex\n      fields: [proc.name]\n      comps: [startswith oneof]\n      values:\n        - [sshd]', '(evt.type = open and not proc.name startswith oneof (sshd))'],
    ['evt.type = execve', '    - name: ex_oneof\n      fields: [proc.name]\n      comps: [startswith oneof]\n      values:\n        - [[ssh, su]]\n    - name: ex_anyof\n      fields: [proc.name]\n      comps: [startswith anyof]\n      values:\n        - [[ssh, su]]\n    - name: ex_allof\n      fields: [proc.cmdline]\n      comps: [contains allof]\n      values:\n        - [[curl, ci.internal]]', '(evt.type = execve and not proc.name startswith oneof (ssh, su) and not proc.name startswith anyof (ssh, su) and not proc.cmdline contains allof (curl, ci.internal))'],
    ['evt.type = open', '    - name: ex_single\n      fields: [proc.name]\n      comps: ["  startswith oneof  "]\n      values:\n        - [[sshd, sudo]]\n    - name: ex_multi\n      fields: [proc.name, fd.name]\n      comps: ["  contains  ", "  startswith anyof  "]\n      values:\n        - [agent, [/etc/, /var/]]', '(evt.type = open and not proc.name startswith oneof (sshd, sudo) and not (proc.name contains agent and fd.name startswith anyof (/etc/, /var/)))'],
    ['evt.type = open', '    - name: ex\n      fields: [proc.name, fd.name, proc.exepath]\n      comps: [contains, startswith, =]\n      values:\n        - [agent, /var/log/, /usr/bin/prometheus]', '(evt.type = open and not (proc.name contains agent and fd.name startswith /var/log/ and proc.exepath = /usr/bin/prometheus))'],
  ];
  for (const [cond, exceptions, expected] of good) {
    const l = load(withExceptions(cond, exceptions));
    assert.ok(ok(l), dump(l));
    if (expected) assert.equal(condition(l, 'test_rule'), expected);
  }
  const bad: Array<[string, string]> = [
    ['    - name: ex\n      fields: [proc.name]\n      comps: [frobulate oneof]\n      values:\n        - [[bash]]', "'frobulate oneof' is not a supported comparison operator"],
    ['    - name: ex\n      fields: proc.name\n      comps: frobulate oneof\n      values:\n        - [bash]', 'comps must be one of'],
    ['    - name: ex\n      fields: [proc.name]\n      comps: [in oneof]\n      values:\n        - [[bash]]', "'in oneof' is not a supported comparison operator"],
    ['    - name: ex\n      fields: [proc.pid]\n      comps: [">= oneof"]\n      values:\n        - [[1000]]', "'>= oneof' is not a supported comparison operator"],
    ['    - name: ex\n      fields: [proc.name]\n      comps: [oneof]\n      values:\n        - [[bash]]', "'oneof' is not a supported comparison operator"],
  ];
  for (const [exceptions, message] of bad) {
    const l = load(withExceptions('evt.type = open', exceptions));
    assert.ok(!ok(l));
    assert.ok(errorMessage(l, message), dump(l));
  }
});
