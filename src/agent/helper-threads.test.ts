import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SCHED_BATCH, SCHED_OTHER } from '../testing/thread-sched.js';

const MODULE = fileURLToPath(new URL('./helper-threads.ts', import.meta.url));
const SCHED = fileURLToPath(new URL('../testing/thread-sched.ts', import.meta.url));

test('V8\'s helper threads become batch threads; the event thread and the thread pool stay as they were', { skip: process.platform !== 'linux' && 'needs Linux (/proc)' }, () => {
  const script = `
    const { threadScheds } = await import(${JSON.stringify(SCHED)});
    const { readlink } = await import('node:fs/promises');
    // the function's own timers do not hold Node up (an agent that stops does not wait for them)
    const alive = setInterval(() => {}, 1000);
    const batched = await (await import(${JSON.stringify(MODULE)})).batchHelperThreads();
    // the pool's threads, as many as jobs run at once reach
    const pool = new Set(await Promise.all(Array.from({ length: 64 }, async () => Number((await readlink('/proc/thread-self')).split('/')[2]))));
    const threads = Object.fromEntries(threadScheds());
    console.log('RESULT ' + JSON.stringify({ batched, main: process.pid, pool: [...pool], threads }));
    clearInterval(alive);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(/^RESULT (.*)$/m.exec(r.stdout)![1]!) as { batched: number | string; main: number; pool: number[]; threads: Record<string, { policy: number; nice: number }> };
  const all = JSON.stringify(out);
  assert.equal(typeof out.batched, 'number', `none batched: ${out.batched}`);
  assert.ok((out.batched as number) >= 5, `Node starts 4 V8 worker threads and a delayed-task thread: ${all}`);
  assert.equal(Object.values(out.threads).filter((t) => t.policy === SCHED_BATCH).length, out.batched, all);
  assert.deepEqual(out.threads[out.main], { policy: SCHED_OTHER, nice: 0 }, all);
  for (const tid of out.pool) assert.equal(out.threads[tid]?.policy, SCHED_OTHER, `pool thread ${tid} made batch: ${all}`);
  for (const t of Object.values(out.threads)) assert.equal(t.nice, 0, `a nice value changed: ${all}`);
});
