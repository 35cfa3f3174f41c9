import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileWatcher } from './watch.js';

function next(w: { calls: string[] }, n: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (w.calls.length >= n) resolve();
      else if (Date.now() > deadline) reject(new Error(`no change seen (calls: ${JSON.stringify(w.calls)})`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

test('a watched file edited in place or replaced by rename, and a file added to a watched directory, each call back once per burst', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'saker-watch-'));
  mkdirSync(join(d, 'rules.d'));
  writeFileSync(join(d, 'saker.yaml'), 'a: 1\n');
  writeFileSync(join(d, 'other.txt'), 'x');
  const seen = { calls: [] as string[] };
  const w = new FileWatcher([join(d, 'saker.yaml')], [join(d, 'rules.d')], (what) => seen.calls.push(what), 100);
  t.after(() => {
    w.close();
    rmSync(d, { recursive: true, force: true });
  });
  writeFileSync(join(d, 'other.txt'), 'y'); // not watched
  writeFileSync(join(d, 'saker.yaml'), 'a: 2\n');
  writeFileSync(join(d, 'saker.yaml'), 'a: 3\n');
  await next(seen, 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(seen.calls.length, 1, 'one call for a burst of writes');
  writeFileSync(join(d, 'new.yaml'), 'a: 4\n');
  renameSync(join(d, 'new.yaml'), join(d, 'saker.yaml'));
  await next(seen, 2);
  writeFileSync(join(d, 'rules.d', 'extra.yaml'), '- list: x\n  items: []\n');
  await next(seen, 3);
  assert.ok(seen.calls.every((c) => !c.endsWith('other.txt')), JSON.stringify(seen.calls));
});
