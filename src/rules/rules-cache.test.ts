// The parsed-rules cache gives back the very tree parseYaml makes — values, positions and every
// source-map position — for Saker's rules and the upstream Falco files, loads the same rules and
// diagnostics through it, and refuses a directory others may write to.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../testing/shared.js';
import { loadRulesContents } from './loader.js';
import { RulesCache } from './rules-cache.js';
import { documentsFromJson, documentsToJson, parseYaml, type YamlValue } from './yaml-source.js';

const repo = join(fileURLToPath(import.meta.url), '..', '..', '..');
const upstream = sharedDir() && join(sharedDir()!, 'peers', 'falco-rules');
const FILES = [
  join(repo, 'rules', 'saker_rules.yaml'),
  ...(upstream ? ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map((f) => join(upstream, f)) : []),
];
// anchors, block and quoted scalars, CRLF, an empty document
const ODD = "- list: a\n  items: &x [\"q\\\"1\", 'b''c']\n- macro: m\n  condition: >\n    proc.name in (a)\r\n    and fd.num=1\n- list: b\n  items: *x\n---\n";

function scalars(v: YamlValue | undefined, out: Array<Extract<YamlValue, { kind: 'scalar' }>> = []): typeof out {
  if (v?.kind === 'scalar') out.push(v);
  else if (v?.kind === 'seq') for (const i of v.items) scalars(i, out);
  else if (v?.kind === 'map') for (const e of v.entries) scalars(e.value, out);
  return out;
}

function assertSameTree(text: string, name: string): void {
  const fresh = parseYaml(text);
  assert.equal(fresh.error, undefined, name);
  const back = documentsFromJson(documentsToJson(fresh.documents), text);
  assert.equal(documentsToJson(back), documentsToJson(fresh.documents), `${name}: values and positions`);
  const a = fresh.documents.flatMap((d) => scalars(d));
  const b = back.flatMap((d) => scalars(d));
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    for (let k = 0; k <= a[i]!.text.length; k += Math.max(1, a[i]!.text.length >> 3)) {
      assert.deepEqual(b[i]!.sourceMap.sourcePosition(k), a[i]!.sourceMap.sourcePosition(k), `${name}: scalar ${i} index ${k}`);
    }
  }
}

test('a tree read back from the cache is the tree parseYaml makes, source maps included', () => {
  assertSameTree(ODD, 'odd');
  for (const f of FILES) assertSameTree(readFileSync(f, 'utf8'), f);
  if (!upstream) console.log('upstream rules absent (../shared): Saker\'s rules only');
});

test('rules load through the cache as without it, from a cold and from a warm cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-parse-cache-'));
  try {
    const inputs = FILES.map((f) => ({ name: f, content: readFileSync(f, 'utf8') }));
    inputs.push({ name: 'bad.yaml', content: '- rule: x\n  condition: evt.type=open\n  output: [\n' });
    const plain = loadRulesContents(inputs, { continueOnError: true });
    const view = (l: typeof plain) => JSON.stringify({ results: l.results.map((r) => r.toText(true, l.contents)), rules: l.ruleset?.rules.map((r) => [r.name, r.enabled, r.output]) });
    for (const round of ['cold', 'warm']) {
      const cached = loadRulesContents(inputs, { continueOnError: true, cache: new RulesCache(dir) });
      assert.equal(view(cached), view(plain), round);
    }
    // one entry per file that parsed; the syntax error is parsed anew each time
    assert.equal(readdirSync(dir).length, FILES.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache directory others may write to is not used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-parse-cache-'));
  try {
    chmodSync(dir, 0o777);
    new RulesCache(dir).parse(ODD);
    assert.deepEqual(readdirSync(dir), []);
    chmodSync(dir, 0o700);
    new RulesCache(dir).parse(ODD);
    const [entry] = readdirSync(dir);
    assert.ok(entry);
    // an entry others may write to is parsed anew, not read
    writeFileSync(join(dir, entry), '[{"kind":"null","pos":{"offset":0,"line":0,"column":0}}]');
    chmodSync(join(dir, entry), 0o666);
    assert.equal(documentsToJson(new RulesCache(dir).parse(ODD).documents), documentsToJson(parseYaml(ODD).documents));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
