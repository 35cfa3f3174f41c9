// A short fuzz run of every input-facing module (bench/fuzz.ts runs 100,000+ inputs each): no
// exception but the module's own typed error, no input slower than the hang threshold, and the
// mutator itself produces what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_TARGETS, mutate, runFuzz } from './fuzz-targets.js';

/** Inputs per target: a few seconds each on this machine. */
const SHORT_RUN: Record<string, number> = { 'rules loader': 600, 'condition parser + compiler': 2000 };

for (const target of FUZZ_TARGETS) {
  test(`fuzz: ${target.name} survives a short run`, () => {
    const inputs = SHORT_RUN[target.name] ?? 3000;
    // A fixed seed: npm test is reproducible (bench/fuzz.ts varies it). A hang is an input over
    // 10 s: on a loaded shared machine a slow-but-finite input takes seconds.
    const r = runFuzz(target, { inputs, seed: 20261207, hangMs: 10_000 });
    assert.equal(r.inputs, inputs);
    assert.deepEqual(r.crashes, [], `crashes of ${target.name}`);
    assert.deepEqual(r.slow, [], `inputs of ${target.name} slower than 10 s`);
    assert.ok(r.maxHeapGrowthMiB < 256, `heap grew ${r.maxHeapGrowthMiB.toFixed(1)} MiB over one batch`);
  });
}

test('mutate sets, flips, deletes, duplicates and inserts bytes', () => {
  const seed = Buffer.from('abcdef');
  assert.equal(mutate(seed, [{ op: 0, pos: 1, len: 1, byte: 0x5a }]).toString(), 'aZcdef');
  assert.equal(mutate(seed, [{ op: 1, pos: 0, len: 1, byte: 5 }]).toString(), 'Abcdef');
  assert.equal(mutate(seed, [{ op: 2, pos: 2, len: 2, byte: 0 }]).toString(), 'abef');
  assert.equal(mutate(seed, [{ op: 3, pos: 1, len: 2, byte: 0 }]).toString(), 'abcbcdef');
  assert.equal(mutate(seed, [{ op: 4, pos: 6 + 3, len: 1, byte: 0x21 }]).toString(), 'abc!def');
  assert.equal(seed.toString(), 'abcdef', 'the seed itself is untouched');
});
