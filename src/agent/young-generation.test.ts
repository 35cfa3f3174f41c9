import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./young-generation.ts', import.meta.url));

/** The young generation's size (MiB) before and after a burst of short-lived garbage with some
 *  survivors, in a fresh Node, with or without keepYoungGenerationSmall() before the burst. */
function youngGenerationMb(keepSmall: boolean): { before: number; after: number } {
  const script = `
    const { getHeapSpaceStatistics } = await import('node:v8');
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    if (${keepSmall}) (await import(${JSON.stringify(MODULE)})).keepYoungGenerationSmall();
    const before = size();
    let keep = [];
    for (let i = 0; i < 2e7; i++) { keep.push({ a: i, b: [i] }); if (keep.length > 20000) keep = []; }
    console.log(JSON.stringify({ before, after: size() }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { before: number; after: number };
}

test('the young generation keeps the size it had under a burst of garbage, and grows without', () => {
  const kept = youngGenerationMb(true);
  const grown = youngGenerationMb(false);
  assert.equal(kept.after, kept.before, `kept: ${JSON.stringify(kept)}`);
  assert.ok(grown.after >= 4 * grown.before, `without it V8 grows it (${JSON.stringify(grown)}): else this test shows nothing`);
});
