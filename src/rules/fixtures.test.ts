// Falco's acceptance suite (falcosecurity/testing), rules-loading part: the Go test bodies in
// ../shared/reference/data/tests.json are read and their rule-validation assertions are
// evaluated against Saker's results for the same YAML fixtures (rules_fixtures.json). Inputs
// and expected codes, item types, item names and messages are all taken from those files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../testing/shared.js';
import { loadRulesContents, type LoadedRules } from './loader.js';
import { parseRuleMatching } from './ruleset.js';
import type { LoadContext } from './context.js';

interface Fixture {
  filename: string;
  content: string;
}
interface GoTest {
  file: string;
  name: string;
  body: string;
}

const shared = sharedDir();
const fixtures: Record<string, Fixture> = shared ? JSON.parse(readFileSync(join(shared, 'reference/data/rules_fixtures.json'), 'utf8')) : {};
const goTests: GoTest[] = shared ? JSON.parse(readFileSync(join(shared, 'reference/data/tests.json'), 'utf8')) : [];

/** Run tests whose rules must load without error (falco-spec §7.2 rows 33, 36 and 44). */
const LOAD_ONLY = [
  'ListAppendFalse', 'ListOrder', 'ListOverriding', 'NestedListOverriding', 'RuleAppendSkipped',
  'ListSubBare', 'ListSubWhitespace', 'ListSubMid', 'ListSubFront', 'ListSubEnd', 'ListSubstring',
].map((n) => `TestFalco_Legacy_${n}`);

// ---- a tiny reader for the Go assertions used by the validation tests ----

/** The text of a call's arguments: from `open` (an opening parenthesis) to its match. */
function callArgs(src: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === '`') {
      const close = c === '`' ? src.indexOf('`', i + 1) : stringEnd(src, i);
      i = close;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(src.slice(start, i).trim());
        return { args: args.filter((a) => a !== ''), end: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push(src.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`unbalanced call at ${open}`);
}

function stringEnd(src: string, open: number): number {
  for (let i = open + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '"') return i;
  }
  throw new Error('unterminated string');
}

function goString(lit: string): string {
  return lit.startsWith('`') ? lit.slice(1, -1) : (JSON.parse(lit) as string);
}

/** The expression without whitespace outside string literals (none is meaningful there). */
function withoutBlanks(expr: string): string {
  let out = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === '`') {
      const close = c === '`' ? expr.indexOf('`', i + 1) : stringEnd(expr, i);
      out += expr.slice(i, close + 1);
      i = close;
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

interface Diagnostic {
  code: string;
  message: string;
  context: LoadContext;
}

type GoValue = Diagnostic[] | number | boolean | string | { successful: boolean } | undefined;

/** Evaluates `res.RuleValidation().AllErrors().OfCode("X")…`-style chains. */
function evaluate(expr: string, loaded: LoadedRules<unknown>, vars: Map<string, Diagnostic[]>): GoValue {
  const compact = withoutBlanks(expr);
  if (compact === 'res.Err()') return loaded.results.every((r) => r.successful) ? undefined : 'error';
  if (compact === 'res.ExitCode()') return loaded.results.every((r) => r.successful) ? 0 : 1;
  if (/^-?\d+$/.test(compact)) return Number(compact);
  const at = /^res\.RuleValidation\(\)\.At\((\d+)\)\.Successful$/.exec(compact);
  if (at) return loaded.results[Number(at[1])]!.successful;

  let value: Diagnostic[];
  let rest: string;
  const head = /^(?:res\.RuleValidation\(\)\.(AllErrors|AllWarnings)\(\)|(\w+))/.exec(compact);
  if (!head) throw new Error(`cannot evaluate ${expr}`);
  if (head[1]) value = loaded.results.flatMap((r): Diagnostic[] => (head[1] === 'AllErrors' ? r.errors : r.warnings));
  else if (vars.has(head[2]!)) value = vars.get(head[2]!)!;
  else throw new Error(`cannot evaluate ${expr}`);
  rest = compact.slice(head[0].length);
  while (rest !== '') {
    const m = /^\.(\w+)\(/.exec(rest);
    if (!m) throw new Error(`cannot evaluate ${expr} at ${rest}`);
    const { args, end } = callArgs(rest, m[0].length - 1);
    rest = rest.slice(end + 1);
    const arg = args[0] !== undefined ? goString(args[0]) : '';
    switch (m[1]) {
      case 'OfCode':
        value = value.filter((d) => d.code.toLowerCase() === arg.toLowerCase());
        break;
      case 'OfItemType':
        value = value.filter((d) => d.context.locations.some((l) => l.itemType.toLowerCase() === arg.toLowerCase()));
        break;
      case 'OfItemName':
        value = value.filter((d) => d.context.locations.some((l) => l.itemName === arg));
        break;
      case 'OfMessage':
        value = value.filter((d) => d.message === arg);
        break;
      case 'Count':
        if (rest !== '') throw new Error(`cannot evaluate ${expr}`);
        return value.length;
      default:
        throw new Error(`unsupported method ${m[1]} in ${expr}`);
    }
  }
  return value;
}

function describe(d: Diagnostic[]): string {
  return d.map((x) => `${x.code} [${x.context.locations.map((l) => `${l.itemType}:${l.itemName}`).join(' > ')}] ${x.message}`).join('\n');
}

/** Runs every `assert.X(t, ...)` and `v := ...` statement of a test body, in order. */
function runAssertions(body: string, loaded: LoadedRules<unknown>): number {
  const vars = new Map<string, Diagnostic[]>();
  const all = () => describe(loaded.results.flatMap((r) => [...r.errors, ...r.warnings]));
  let checked = 0;
  const stmt = /(\w+) := (res\.RuleValidation\(\))|assert\.(\w+)\(/g;
  for (let m = stmt.exec(body); m; m = stmt.exec(body)) {
    if (m[1]) {
      // `name := <chain>`: the chain ends at the first newline outside parentheses not followed by '.'.
      let end = m.index + m[0].length;
      while (end < body.length) {
        if (body[end] === '(') end = callArgs(body, end).end + 1;
        else if (body[end] === '\n' && !/^\s*\./.test(body.slice(end)) && !body.slice(0, end).trimEnd().endsWith('.')) break;
        else end++;
      }
      const value = evaluate(body.slice(m.index + m[1].length + 4, end), loaded, vars);
      assert.ok(Array.isArray(value));
      vars.set(m[1], value);
      stmt.lastIndex = end;
      continue;
    }
    const { args, end } = callArgs(body, m.index + m[0].length - 1);
    stmt.lastIndex = end;
    const fn = m[3]!;
    const [, a, b] = args;
    checked++;
    switch (fn) {
      case 'NotNil': {
        const v = evaluate(a!, loaded, vars);
        if (a!.trim().startsWith('res.Stderr')) break;
        assert.ok(Array.isArray(v) && v.length > 0, `no match for ${a}\nall diagnostics:\n${all()}`);
        break;
      }
      case 'Equal':
        assert.equal(evaluate(b!, loaded, vars), evaluate(a!, loaded, vars), `${b}\nall diagnostics:\n${all()}`);
        break;
      case 'True':
        assert.equal(evaluate(a!, loaded, vars), true, `${a}\nall diagnostics:\n${all()}`);
        break;
      case 'Error':
        assert.notEqual(evaluate(a!, loaded, vars), undefined, `expected an error\n${all()}`);
        break;
      case 'NoError':
        assert.equal(evaluate(a!, loaded, vars), undefined, `expected no error\n${all()}`);
        break;
      default:
        throw new Error(`unsupported assertion ${fn}`);
    }
  }
  return checked;
}

/** `falco.WithRulesValidation(rules.A, rules.B)` / `falco.WithRules(...)` fixture names, in order. */
function rulesOf(body: string, option: 'WithRulesValidation' | 'WithRules'): string[] {
  const names: string[] = [];
  const re = new RegExp(`falco\\.${option}\\(`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) {
    for (const arg of callArgs(body, m.index + m[0].length - 1).args) names.push(arg.replace(/^rules\./, ''));
  }
  return names;
}

function loadFixtures(names: string[], options: { continueOnError?: boolean; minPriority?: string } = {}): LoadedRules<unknown> {
  return loadRulesContents<unknown>(
    names.map((n) => {
      const f = fixtures[n];
      assert.ok(f, `fixture ${n}`);
      return { name: f.filename, content: f.content };
    }),
    options,
  );
}

test('Falco acceptance suite: rules validation (falco -V)', async (t) => {
  if (!shared) return t.skip('../shared (reference data) is absent');
  const cases = goTests.filter((g) => g.body.includes('falco.WithRulesValidation('));
  assert.ok(cases.length >= 35, `found ${cases.length} validation tests`);
  for (const g of cases) {
    await t.test(g.name, () => {
      // `falco -V a -V b` keeps validating after a file with errors.
      const loaded = loadFixtures(rulesOf(g.body, 'WithRulesValidation'), { continueOnError: true });
      assert.ok(runAssertions(g.body, loaded) > 0);
    });
  }
});

test('Falco acceptance suite: TestWarnings flags exactly the expected rules with LOAD_NO_EVTTYPE', (t) => {
  if (!shared) return t.skip('../shared (reference data) is absent');
  const g = goTests.find((x) => x.name === 'TestFalco_Legacy_TestWarnings')!;
  const expected = [...g.body.matchAll(/warnings\.OfItemName\("([^"]+)"\)/g)].map((m) => m[1]!).sort();
  assert.equal(expected.length, 9);
  const loaded = loadFixtures(rulesOf(g.body, 'WithRulesValidation'));
  const flagged = loaded.results[0]!.warnings.filter((w) => w.code === 'LOAD_NO_EVTTYPE').map((w) => w.context.item.itemName).sort();
  assert.deepEqual(flagged, expected);
  assert.deepEqual(loaded.results[0]!.warnings.filter((w) => w.code !== 'LOAD_NO_EVTTYPE'), []);
});

test('Falco acceptance suite: rules of run tests load without error', async (t) => {
  if (!shared) return t.skip('../shared (reference data) is absent');
  for (const name of LOAD_ONLY) {
    const g = goTests.find((x) => x.name === name);
    assert.ok(g, name);
    await t.test(name, () => {
      assert.match(g.body, /assert\.NoError\(t, res\.Err\(\)/);
      const minPriority = /falco\.WithMinRulePriority\("(\w+)"\)/.exec(g.body)?.[1];
      const loaded = loadFixtures(rulesOf(g.body, 'WithRules'), { minPriority });
      assert.ok(loaded.successful, loaded.results.map((r) => r.toText(true, loaded.contents)).join('\n'));
      if (minPriority) {
        // The rule is below the minimum priority: loaded, but not in the ruleset.
        assert.ok(loaded.compiled!.rules.length > 0);
        assert.equal(loaded.ruleset.enabledCount, 0);
      } else {
        assert.ok(loaded.ruleset.enabledCount > 0);
      }
    });
  }
});

test('Falco acceptance suite: a wrong rule_matching value is refused', (t) => {
  if (!shared) return t.skip('../shared (reference data) is absent');
  const g = goTests.find((x) => x.name === 'TestFalco_Config_RuleMatchingWrongValue')!;
  const expected = /assert\.Contains\(t, res\.Stderr\(\), "([^"]+)"\)/.exec(g.body)![1]!;
  assert.throws(() => parseRuleMatching('some_wrong_value'), (err: Error) => err.message.includes(expected));
  const shadowing = fixtures['ShadowingRules']!;
  assert.throws(
    () => loadRulesContents([{ name: shadowing.filename, content: shadowing.content }], { ruleMatching: 'some_wrong_value' }),
    (err: Error) => err.message.includes(expected),
  );
});
