// Every macro and rule condition of the upstream Falco rules files must parse. Conditions are
// taken as written: list names stand where values go (`proc.name in (shell_binaries)`), which
// the grammar accepts as bare values, so no list substitution is needed to check the syntax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { astToString } from './ast-string.js';
import { forEachNode } from './ast-walk.js';
import { FilterSyntaxError, parseCondition } from './condition-parser.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// ../shared beside the repository; SAKER_SHARED points elsewhere (e.g. from a git worktree).
const sharedDir = process.env['SAKER_SHARED'] ?? resolve(repoRoot, '../shared');
const rulesDir = join(sharedDir, 'peers/falco-rules');
const RULES_FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];

interface Condition { file: string; item: string; text: string }

function loadConditions(): Condition[] {
  const out: Condition[] = [];
  for (const file of RULES_FILES) {
    for (const doc of parseAllDocuments(readFileSync(join(rulesDir, file), 'utf8'))) {
      const items: unknown = doc.toJS();
      if (!Array.isArray(items)) continue;
      for (const item of items as Array<Record<string, unknown>>) {
        const name = item['macro'] ?? item['rule'];
        if (typeof name !== 'string' || typeof item['condition'] !== 'string') continue;
        out.push({ file, item: `${'macro' in item ? 'macro' : 'rule'} ${name}`, text: item['condition'] });
      }
    }
  }
  return out;
}

test('all macro and rule conditions of the upstream rules files parse', (t) => {
  if (!existsSync(rulesDir)) {
    t.skip(`upstream rules not found at ${rulesDir}`);
    return;
  }
  const conditions = loadConditions();
  const macros = conditions.filter((c) => c.item.startsWith('macro ')).length;
  const rules = conditions.length - macros;
  // 87 + 82 + 183 macro items (315 distinct names) and 25 + 31 + 37 rules
  assert.equal(macros, 352);
  assert.equal(rules, 93);

  const errors: string[] = [];
  const started = process.hrtime.bigint();
  for (const c of conditions) {
    try {
      parseCondition(c.text);
    } catch (e) {
      if (!(e instanceof FilterSyntaxError)) throw e;
      errors.push(`${c.file} ${c.item} at ${e.pos.line}:${e.pos.col}: ${e.message}`);
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.deepEqual(errors, []);
  t.diagnostic(`parsed ${conditions.length} conditions in ${ms.toFixed(1)} ms`);
  // generous bound: a shared 2-core machine; typical runs are far below it
  assert.ok(ms < 1000, `parsing took ${ms} ms`);
});

test('the canonical form of every upstream condition re-parses to itself', (t) => {
  if (!existsSync(rulesDir)) {
    t.skip(`upstream rules not found at ${rulesDir}`);
    return;
  }
  let checked = 0;
  for (const c of loadConditions()) {
    const expr = parseCondition(c.text);
    // escape_str prints "" as nothing and a trailing backslash as `\\"`, which the lexer reads
    // as an escaped quote: libsinsp cannot re-read those either (4 upstream items have them).
    let representable = true;
    forEachNode(expr, (n) => {
      const values = n.kind === 'value' ? [n.value] : n.kind === 'list' ? n.values.map((v) => v.value) : [];
      if (values.some((v) => v === '' || v.endsWith('\\'))) representable = false;
    });
    if (!representable) continue;
    const once = astToString(expr);
    assert.equal(astToString(parseCondition(once)), once, `${c.file} ${c.item}`);
    checked++;
  }
  assert.equal(checked, 445 - 4);
});
