// A load of the same files taken from its compile record gives what compiling them gives: the
// same results (every warning, in its file and place), the same rules with the same event codes,
// outputs, conditions and filters, the same ruleset; it compiles a rule only when the rule is
// first used; and any change to the files, their order or the options compiles them anew.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../testing/shared.js';
import { loadRulesContents, type LoadedRules, type LoadRulesOptions, type RulesInput } from './loader.js';
import { RulesCache } from './rules-cache.js';
import type { EventContext } from '../state/index.js';

const repo = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** Two files with a warning of each kind the compile gives, and overrides of the first by the second. */
const FIRST = `- required_engine_version: 0.26.0
- required_plugin_versions:
  - name: container
    version: 0.1.0
- list: shells
  items: [bash, sh]
- list: unused_list
  items: [x]
- macro: spawned
  condition: evt.type = execve and evt.dir = <
- macro: unused_macro
  condition: proc.name = foo
- macro: m_first
  condition: proc.pid > 1
- macro: m_second
  condition: proc.name = b
- rule: Shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: shell %proc.name %container.info
  priority: WARNING
- rule: Anything
  desc: no event type
  condition: proc.name = x
  output: x %proc.name
  priority: INFO
- rule: Unknown field
  desc: skipped
  condition: evt.type = open and proc.nobody = 1
  output: y
  priority: INFO
  skip-if-unknown-filter: true
- rule: Other source
  desc: an audit rule
  condition: ka.verb = create
  output: z
  priority: INFO
  source: k8s_audit
- rule: Deprecated
  desc: a deprecated field
  condition: evt.type = open and evt.dir = < and fd.name = /etc/shadow
  output: read %fd.name by %proc.name (%evt.latency)
  priority: ERROR
`;
const SECOND = `- list: shells
  items: [zsh]
  override:
    items: append
- macro: spawned
  condition: and proc.pid > 0
  override:
    condition: append
- rule: Shell
  exceptions:
    - name: trusted
      fields: [proc.pname]
      values: [[sshd]]
  override:
    exceptions: append
- rule: Anything
  enabled: false
- macro: m_third
  condition: fd.num = 3
- macro: m_second
  condition: and m_third
  override:
    condition: append
- macro: m_first
  condition: or m_second
  override:
    condition: append
- rule: Closes
  desc: a macro appended with a later macro, itself appended with one defined after it
  condition: evt.type = close and m_first
  output: close %fd.num
  priority: INFO
- rule: Open etc
  desc: opens
  condition: evt.type in (open, openat) and fd.name startswith /etc and not proc.name in (shells)
  output: open %fd.name
  priority: ERROR
  tags: [filesystem, b, a]
`;

function tempCache(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'saker-compile-record-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const records = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.record.json'));

/** Everything a load gives that a user or the engine can see. */
function view(l: LoadedRules<EventContext>): unknown {
  return {
    successful: l.successful,
    text: l.results.map((r) => r.toText(true, l.contents)),
    json: l.results.map((r) => r.toFalcoJson(l.contents)),
    macros: l.compiled?.macros.size,
    lists: l.compiled?.lists.size,
    rules: (l.compiled?.rules ?? []).map((r) => ({
      id: r.id, name: r.name, source: r.source, description: r.description, priority: r.priority, tags: r.tags, capture: r.capture,
      captureDuration: r.captureDuration, enabled: r.enabled, output: r.output, conditionText: r.conditionText,
      // as it is before its filter is compiled (a recorded rule compiles that apart)
      condition: JSON.stringify(r.condition),
      eventCodes: r.eventCodes, conditionEventCodes: r.conditionEventCodes && [...r.conditionEventCodes], exceptionFields: r.exceptionFields,
      filter: typeof r.filter, inRuleset: l.ruleset.isEnabled(r),
    })),
    enabledEventCodes: [...l.ruleset.enabledEventCodes()],
    plugins: l.loader.collector.requiredPluginVersions,
    engine: l.loader.collector.requiredEngineVersion,
  };
}

function sameThrough(t: TestContext, inputs: RulesInput[], options: LoadRulesOptions<EventContext> = {}): void {
  const dir = tempCache(t);
  const plain = loadRulesContents(inputs, options);
  const first = loadRulesContents(inputs, { ...options, cache: new RulesCache(dir) });
  assert.equal(records(dir).length, 1, 'the load is recorded');
  const again = loadRulesContents(inputs, { ...options, cache: new RulesCache(dir) });
  assert.equal(again.loader.collector.parsedConditions.size, 0, 'nothing compiled at load');
  assert.deepEqual(view(first), view(plain), 'a load that records is a plain load');
  assert.deepEqual(view(again), view(plain), 'a load from the record gives the same');
}

test('a recorded load gives the results, rules and ruleset of a compiling load: warnings of every kind, overrides, skipped rules', (t) => {
  const inputs = [{ name: 'first.yaml', content: FIRST }, { name: 'second.yaml', content: SECOND }];
  const plain = loadRulesContents(inputs);
  // the fixture has what it is meant to have
  const codes = plain.results.flatMap((r) => r.warnings.map((w) => w.code));
  for (const c of ['LOAD_UNUSED_LIST', 'LOAD_UNUSED_MACRO', 'LOAD_NO_EVTTYPE', 'LOAD_UNKNOWN_FILTER', 'LOAD_UNKNOWN_SOURCE', 'LOAD_DEPRECATED_ITEM']) {
    assert.ok(codes.includes(c as never), `a ${c} warning in ${codes.join(' ')}`);
  }
  assert.ok(plain.results[1]!.warnings.length > 0, 'the second file has its own results');
  assert.deepEqual(plain.compiled?.rules.map((r) => r.name), ['Shell', 'Anything', 'Deprecated', 'Closes', 'Open etc']);
  assert.match(JSON.stringify(plain.compiled.rules[3]!.condition), /"fd\.num".*"3"/, 'm_third reached through m_first and m_second');
  sameThrough(t, inputs);
  sameThrough(t, inputs, { continueOnError: true, extraOutputFormats: [{ format: 'extra=%proc.pid', tags: ['filesystem'] }] });
});

test('Saker\'s rules and the upstream Falco files load alike from their record', (t) => {
  const upstream = sharedDir() && join(sharedDir()!, 'peers', 'falco-rules');
  const files = [join(repo, 'rules', 'saker_rules.yaml')];
  if (upstream) files.push(...['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(upstream, f)));
  else t.diagnostic('../shared is not there: Saker\'s rules only');
  for (const f of files) sameThrough(t, [{ name: f, content: readFileSync(f, 'utf8') }]);
  if (upstream) sameThrough(t, files.slice(1).map((f) => ({ name: f, content: readFileSync(f, 'utf8') })));
});

test('a recorded load compiles a rule when it is first used, and only that rule', (t) => {
  const dir = tempCache(t);
  const inputs = [{ name: 'first.yaml', content: FIRST }, { name: 'second.yaml', content: SECOND }];
  loadRulesContents(inputs, { cache: new RulesCache(dir) });
  const l = loadRulesContents(inputs, { cache: new RulesCache(dir) });
  const parsed = l.loader.collector.parsedConditions;
  assert.equal(parsed.size, 0);
  assert.equal(l.ruleset.enabledCount, 4, 'the ruleset is built from the recorded event codes');
  const open = l.compiled!.rules.find((r) => r.name === 'Open etc')!;
  assert.match(open.conditionText, /^evt\.type in \(open, openat\) and fd\.name startswith \/etc and not proc\.name in \( *bash, sh, zsh *\)/);
  // this rule's condition (it names no macro), not the other rules' or the macros'
  assert.deepEqual([...parsed.keys()], [open.conditionText]);
  // a rule naming a macro: the macro's condition too, not the unused one's
  const shell = l.compiled!.rules.find((r) => r.name === 'Shell')!;
  assert.match(JSON.stringify(shell.condition), /"execve"/);
  assert.deepEqual([...parsed.keys()].slice(1).sort(), ['evt.type = execve and evt.dir = < and proc.pid > 0', shell.conditionText].sort());
});

test('another content, order or option compiles anew and is recorded apart', (t) => {
  const dir = tempCache(t);
  const a = { name: 'first.yaml', content: FIRST };
  const b = { name: 'second.yaml', content: SECOND };
  const compiledAtLoad = (inputs: RulesInput[], options: LoadRulesOptions<EventContext> = {}): boolean =>
    loadRulesContents(inputs, { ...options, cache: new RulesCache(dir) }).loader.collector.parsedConditions.size > 0;
  assert.equal(compiledAtLoad([a, b]), true);
  assert.equal(compiledAtLoad([a, b]), false);
  assert.equal(compiledAtLoad([a, { ...b, content: `${SECOND} ` }]), true, 'one byte more');
  assert.equal(compiledAtLoad([{ ...a, name: 'elsewhere.yaml' }, b]), true, 'another file name');
  assert.equal(compiledAtLoad([a]), true, 'one file less');
  assert.equal(compiledAtLoad([a, b], { extraOutputFormats: [{ format: 'x=%proc.pid' }] }), true, 'append_output');
  assert.equal(compiledAtLoad([a, b], { engineVersion: { major: 0, minor: 50, patch: 0 } }), true, 'another engine version');
  assert.equal(records(dir).length, 6);
  assert.equal(compiledAtLoad([a, b], { minPriority: 'error', ruleMatching: 'all' }), false, 'the ruleset\'s options are not the compile\'s');
});

test('a load with an error is not recorded: it fails alike every time', (t) => {
  const dir = tempCache(t);
  const bad = [{ name: 'first.yaml', content: FIRST }, { name: 'bad.yaml', content: '- rule: Broken\n  desc: d\n  condition: evt.type = open and nomacro\n  output: o\n  priority: INFO\n' }];
  const plain = loadRulesContents(bad, { continueOnError: true });
  assert.equal(plain.successful, false);
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(view(loadRulesContents(bad, { continueOnError: true, cache: new RulesCache(dir) })), view(plain));
    assert.deepEqual(records(dir), []);
  }
});

test('a record cut short, or of other rules, is passed over: the files compile as they are', (t) => {
  const dir = tempCache(t);
  const inputs = [{ name: 'first.yaml', content: FIRST }, { name: 'second.yaml', content: SECOND }];
  const plain = view(loadRulesContents(inputs));
  loadRulesContents(inputs, { cache: new RulesCache(dir) });
  const file = join(dir, records(dir)[0]!);
  const good = readFileSync(file, 'utf8');
  const tampered = [
    good.slice(0, good.length >> 1),
    good.replace('"name":"Open etc"', '"name":"Open somewhere"'),
    JSON.stringify({ ...JSON.parse(good), format: 0 }),
    JSON.stringify({ ...JSON.parse(good), rules: (JSON.parse(good) as { rules: unknown[] }).rules.slice(1) }),
    JSON.stringify({ ...JSON.parse(good), results: [] }),
  ];
  for (const text of tampered) {
    writeFileSync(file, text);
    const l = loadRulesContents(inputs, { cache: new RulesCache(dir) });
    assert.ok(l.loader.collector.parsedConditions.size > 0, 'compiled at load');
    assert.deepEqual(view(l), plain);
    assert.equal(readFileSync(file, 'utf8'), good, 'and recorded again');
  }
});
