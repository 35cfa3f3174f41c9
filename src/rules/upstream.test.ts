// The upstream Falco rules files (../shared/peers/falco-rules) load without errors or warnings,
// alone and together, with the counts, priorities, tags, enabled flags and per-rule event
// types computed independently in ../shared/reference/data/rules_analysis.json (falco-spec §4).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TABLE } from '../events/index.js';
import { sharedDir } from '../testing/shared.js';
import type { CompiledRule } from './rule-compiler.js';
import { loadRulesFiles, type LoadedRules } from './loader.js';
import { formatPriority } from './priority.js';

interface FileAnalysis {
  rules: number;
  macros: number;
  lists: number;
  enabled_rules: number;
  disabled_rules: string[];
  priorities: Record<string, number>;
  rule_evttypes: Record<string, string>;
  tags: Record<string, number>;
}

const FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
const shared = sharedDir();
const analysis: Record<string, FileAnalysis> = shared
  ? JSON.parse(readFileSync(join(shared, 'reference/data/rules_analysis.json'), 'utf8')).per_file
  : {};
const paths = FILES.map((f) => (shared ? join(shared, 'peers/falco-rules', f) : f));


function eventTypes(rule: CompiledRule<never>): string {
  const names = new Set<string>();
  for (const code of rule.conditionEventCodes ?? []) names.add(EVENT_TABLE[code]!.name);
  return [...names].sort().join(',');
}

function assertClean<Ctx>(loaded: LoadedRules<Ctx>): void {
  const text = loaded.results.map((r) => r.toText(true, loaded.contents)).join('\n');
  assert.ok(loaded.successful, text);
  assert.deepEqual(loaded.results.flatMap((r) => r.warnings.map((w) => `${w.code}: ${w.message}`)), [], text);
}

/** Priority names as the rules files spell them (INFO for Informational). */
function priorityCounts(rules: readonly CompiledRule<never>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rules) {
    const name = formatPriority(r.priority, true).toUpperCase();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

test('each upstream rules file loads alone with its counts and per-rule event types', async (t) => {
  if (!shared) return t.skip('../shared (upstream rules) is absent');
  for (const [i, file] of FILES.entries()) {
    await t.test(file, async () => {
      const expected = analysis[file]!;
      const loaded = await loadRulesFiles([paths[i]!]);
      assertClean(loaded);
      const compiled = loaded.compiled!;
      assert.equal(compiled.rules.length, expected.rules);
      assert.equal(compiled.macros.size, expected.macros);
      assert.equal(compiled.lists.size, expected.lists);
      assert.equal(loaded.ruleset.enabledCount, expected.enabled_rules);
      assert.deepEqual(
        compiled.rules.filter((r) => !r.enabled).map((r) => r.name).sort(),
        [...expected.disabled_rules].sort(),
      );
      assert.deepEqual(priorityCounts(compiled.rules), expected.priorities);
      const types = Object.fromEntries(compiled.rules.map((r) => [r.name, eventTypes(r)]));
      assert.deepEqual(types, expected.rule_evttypes);
      const tagCounts: Record<string, number> = {};
      for (const r of compiled.rules) for (const tag of r.tags) tagCounts[tag] = (tagCounts[tag] ?? 0) + 1;
      assert.deepEqual(tagCounts, expected.tags);
    });
  }
});

test('the three upstream files load together: 93 rules (81 enabled), 315 macros, 118 lists', async (t) => {
  if (!shared) return t.skip('../shared (upstream rules) is absent');
  const start = performance.now();
  const loaded = await loadRulesFiles(paths);
  const elapsed = performance.now() - start;
  t.diagnostic(`load + compile of the three files: ${elapsed.toFixed(0)} ms`);
  assertClean(loaded);
  assert.equal(loaded.results.length, 3);
  const compiled = loaded.compiled!;
  assert.equal(compiled.rules.length, 93);
  assert.equal(compiled.macros.size, 315);
  assert.equal(compiled.lists.size, 118);
  assert.equal(loaded.ruleset.enabledCount, 81);
  // Rules keep their file order; event types do not depend on the other files.
  const expectedOrder = FILES.flatMap((f) => Object.keys(analysis[f]!.rule_evttypes));
  assert.deepEqual(compiled.rules.map((r) => r.name), expectedOrder);
  for (const r of compiled.rules) {
    const file = FILES.find((f) => r.name in analysis[f]!.rule_evttypes)!;
    assert.equal(eventTypes(r), analysis[file]!.rule_evttypes[r.name], r.name);
  }
  // Every enabled rule is indexed under its event codes, plus the async meta-event.
  const async = EVENT_TABLE.findIndex((e) => e.id === 'PPME_ASYNCEVENT_E');
  assert.ok(loaded.ruleset.enabledEventCodes().has(async));
  const openat = EVENT_TABLE.findIndex((e) => e.name === 'openat');
  assert.ok(loaded.ruleset.enabledEventCodes().has(openat));
});
