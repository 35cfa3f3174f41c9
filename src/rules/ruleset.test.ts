import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from '../filter/index.js';
import type { CompiledRule } from './rule-compiler.js';
import { Priority } from './priority.js';
import { matchesWildcard, parseRuleMatching, Ruleset, type RulesetOptions } from './ruleset.js';

/** Events in these tests are plain strings; a rule matches when the event contains `needle`. */
function rule(id: number, name: string, opts: { codes?: number[]; needle?: string; tags?: string[]; priority?: Priority; enabled?: boolean } = {}): CompiledRule<string> {
  const needle = opts.needle ?? name;
  return {
    id,
    name,
    source: 'syscall',
    description: '',
    output: '',
    priority: opts.priority ?? Priority.WARNING,
    tags: [...(opts.tags ?? [])].sort(),
    capture: false,
    captureDuration: 0,
    enabled: opts.enabled ?? true,
    conditionText: 'evt.num > 0',
    condition: parseCondition('evt.num > 0'),
    filter: (event: string) => event.includes(needle),
    eventCodes: opts.codes ?? [2, 3],
    conditionEventCodes: new Set(opts.codes ?? [2, 3]),
    exceptionFields: [],
  };
}

function matches(rs: Ruleset<string>, code: number, event: string): string[] {
  const out: string[] = [];
  rs.evaluate(code, event, (r) => out.push(r.name));
  return out;
}

test("matches_wildcard: '*' runs, greedy left-to-right like Falco", () => {
  assert.ok(matchesWildcard('*', 'anything'));
  assert.ok(matchesWildcard('***', ''));
  assert.ok(matchesWildcard('open_*', 'open_12'));
  assert.ok(matchesWildcard('*_1', 'open_1'));
  assert.ok(matchesWildcard('o*n_*2', 'open_12'));
  assert.ok(matchesWildcard('exact', 'exact'));
  assert.ok(!matchesWildcard('exact', 'exactly'));
  assert.ok(!matchesWildcard('open_*', 'close_1'));
  assert.ok(matchesWildcard('Open From Cat ($\\.*', 'Open From Cat ($\\.*+?()[]{}|^)'));
  // The search takes the first occurrence and never backtracks.
  assert.ok(!matchesWildcard('*a', 'aXa'));
  assert.ok(!matchesWildcard('*.yaml', 'x.yaml.bak.yaml'));
});

test('rule_matching values', () => {
  assert.equal(parseRuleMatching('first'), 'first');
  assert.equal(parseRuleMatching('ALL'), 'all');
  assert.throws(() => parseRuleMatching('some'), /Unknown rule matching strategy "some"--must be one of first, all/);
});

test('only rules indexed under the event code run, in rule order; first stops at the first match', () => {
  const rs = new Ruleset([rule(0, 'a', { needle: 'x' }), rule(1, 'b', { needle: 'x' }), rule(2, 'c', { needle: 'x', codes: [4] })]);
  assert.deepEqual(matches(rs, 2, 'x'), ['a']);
  assert.deepEqual(matches(rs, 4, 'x'), ['c']);
  assert.deepEqual(matches(rs, 6, 'x'), []);
  assert.equal(rs.firstMatch(3, 'x')?.name, 'a');
  assert.deepEqual([...rs.enabledEventCodes()].sort((a, b) => a - b), [2, 3, 4]);
});

test('all collects every matching rule', () => {
  const rs = new Ruleset([rule(0, 'open_1', { needle: 'shadow' }), rule(1, 'open_2', { needle: 'shadow' }), rule(2, 'other')], { ruleMatching: 'all' });
  assert.deepEqual(matches(rs, 2, '/etc/shadow'), ['open_1', 'open_2']);
  assert.equal(rs.evaluate(2, 'nothing', () => assert.fail('no match expected')), 0);
});

test('rules less severe than the minimum priority are not loaded', () => {
  const rs = new Ruleset([rule(0, 'warn', { priority: Priority.WARNING }), rule(1, 'err', { priority: Priority.ERROR })], { minPriority: Priority.ERROR });
  assert.deepEqual(rs.rules.map((r) => r.name), ['err']);
  rs.enable('*');
  assert.deepEqual(rs.enabledRules().map((r) => r.name), ['err']);
});

test('enabled flags, then selections by name pattern and tag, in order', () => {
  const tags = [['a'], ['b'], ['c'], ['a', 'b'], ['a', 'c'], ['b', 'c'], ['a', 'b', 'c'], ['b', 'a'], ['c', 'a'], ['b', 'c', 'a'], ['d'], [], []];
  const rules = tags.map((t, i) => rule(i, `open_${i + 1}`, { tags: t }));
  const enableA = new Ruleset(rules);
  enableA.applySelections([{ action: 'disable', rule: '*' }, { action: 'enable', tag: 'a' }]);
  assert.deepEqual(enableA.enabledRules().map((r) => r.name), ['open_1', 'open_4', 'open_5', 'open_7', 'open_8', 'open_9', 'open_10']);
  const disableB = new Ruleset(rules);
  disableB.applySelections([{ action: 'disable', tag: 'b' }]);
  assert.deepEqual(disableB.enabledRules().map((r) => r.name), ['open_1', 'open_3', 'open_5', 'open_9', 'open_11', 'open_12', 'open_13']);

  const flagged = new Ruleset([rule(0, 'on'), rule(1, 'off', { enabled: false })]);
  assert.deepEqual(flagged.enabledRules().map((r) => r.name), ['on']);
  flagged.enable('off');
  assert.equal(flagged.enabledCount, 2);
  flagged.disableTags(['none']);
  assert.equal(flagged.enabledCount, 2);
});

test('a rule enabled again goes to the end of its event lists (Falco order)', () => {
  const rs = new Ruleset([rule(0, 'a', { needle: 'x' }), rule(1, 'b', { needle: 'x' })]);
  rs.disable('a');
  rs.enable('a');
  assert.deepEqual(matches(rs, 2, 'x'), ['b']);
  rs.disable('b');
  assert.deepEqual(matches(rs, 2, 'x'), ['a']);
});

/** A rule of a source that does not index by event type: no event codes. */
function anyCodeRule(id: number, name: string, needle: string): CompiledRule<string> {
  return { ...rule(id, name, { needle }), eventCodes: undefined };
}

/**
 * A group compiler whose groups run the rules' own filters (the real one compiles conditions;
 * these tests' rules match by needle), recording what each group was built from.
 */
function ownFilterGroups(built: Array<{ code: number; size: number; first: boolean }> = []): RulesetOptions<string>['compileGroup'] {
  return (conditions, code, first) => {
    built.push({ code, size: conditions.length, first });
    return <R>(event: string, rules: readonly R[], onMatch: (r: R) => void): number => {
      let n = 0;
      for (const r of rules) {
        if (!(r as CompiledRule<string>).filter(event)) continue;
        onMatch(r);
        n++;
        if (first) break;
      }
      return n;
    };
  };
}

for (const grouped of [false, true]) {
  const how = grouped ? 'compiled groups' : 'per-rule filters';
  const options = (ruleMatching: 'first' | 'all'): RulesetOptions<string> => (grouped ? { ruleMatching, compileGroup: ownFilterGroups() } : { ruleMatching });

  test(`all: rules without event codes run for every event, with the indexed ones, in enable order (${how})`, () => {
    const rs = new Ruleset([rule(0, 'indexed', { needle: 'y' }), anyCodeRule(1, 'any', 'x'), rule(2, 'later', { needle: 'y' })], options('all'));
    assert.deepEqual(matches(rs, 2, 'xy'), ['indexed', 'any', 'later']);
    assert.deepEqual(matches(rs, 2, 'x'), ['any']);
    assert.deepEqual(matches(rs, 2, 'y'), ['indexed', 'later']);
    assert.deepEqual(matches(rs, 99, 'xy'), ['any']);
    assert.equal(rs.evaluate(2, 'xy', () => {}), 3);
  });

  test(`first: the matching rule enabled first wins, with or without event codes (${how})`, () => {
    const anyFirst = new Ruleset([anyCodeRule(0, 'any', 'x'), rule(1, 'indexed', { needle: 'x' })], options('first'));
    assert.deepEqual(matches(anyFirst, 2, 'x'), ['any']);
    assert.equal(anyFirst.firstMatch(2, 'x')?.name, 'any');
    const indexedFirst = new Ruleset([rule(0, 'indexed', { needle: 'x' }), anyCodeRule(1, 'any', 'x')], options('first'));
    assert.deepEqual(matches(indexedFirst, 2, 'x'), ['indexed']);
    assert.equal(indexedFirst.firstMatch(2, 'x')?.name, 'indexed');
    // the earlier rule does not match: the later one is reported
    const both = new Ruleset([anyCodeRule(0, 'any', 'x'), rule(1, 'indexed', { needle: 'y' }), anyCodeRule(2, 'any2', 'y')], options('first'));
    assert.deepEqual(matches(both, 2, 'y'), ['indexed']);
    assert.deepEqual(matches(both, 99, 'y'), ['any2']);
    assert.deepEqual(matches(both, 2, 'z'), []);
    // enabled again, a rule goes after the others
    anyFirst.disable('any');
    anyFirst.enable('any');
    assert.deepEqual(matches(anyFirst, 2, 'x'), ['indexed']);
    assert.equal(anyFirst.firstMatch(2, 'x')?.name, 'indexed');
  });
}

test('with a group compiler, each code runs its group, rebuilt when the enabled rules change', () => {
  const built: Array<{ code: number; size: number; first: boolean }> = [];
  const compileGroup = ownFilterGroups(built);
  const rs = new Ruleset([rule(0, 'a', { needle: 'x' }), rule(1, 'b', { needle: 'y' }), rule(2, 'c', { needle: 'x', codes: [4] })], { ruleMatching: 'all', compileGroup });
  assert.deepEqual(matches(rs, 2, 'xy'), ['a', 'b']);
  assert.deepEqual(matches(rs, 2, 'y'), ['b']);
  assert.deepEqual(matches(rs, 4, 'x'), ['c']);
  assert.deepEqual(built, [{ code: 2, size: 2, first: false }, { code: 4, size: 1, first: false }], 'one group per code, on its first event');
  rs.disable('a');
  assert.deepEqual(matches(rs, 2, 'xy'), ['b']);
  assert.deepEqual(built.at(-1), { code: 2, size: 1, first: false });
});

test('a group that cannot be compiled leaves each rule to its own filter', () => {
  const rs = new Ruleset([rule(0, 'a', { needle: 'x' }), rule(1, 'b', { needle: 'x' })], {
    compileGroup: () => {
      throw new Error('no group');
    },
  });
  assert.deepEqual(matches(rs, 2, 'x'), ['a']);
  assert.deepEqual(matches(rs, 3, 'nothing'), []);
});
