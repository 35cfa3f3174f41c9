import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Metrics } from '../metrics/index.js';
import { createOutputs } from './index.js';
import { deadPort, Receiver, testAlert, testConfig, waitFor } from './test-support.js';
import { RateLimiter } from './rate-limit.js';
import { backoffDelay } from './backoff.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'saker-outputs-'));
const uuids = (r: Receiver) => r.requests.map((q) => (JSON.parse(q.body) as { uuid: string }).uuid);
const ns = (r: Receiver) => r.requests.map((q) => (JSON.parse(q.body) as { output_fields: { n: number } }).output_fields.n);

async function dropped(m: Metrics, destination: string, reason: string): Promise<number> {
  return (await m.samples('saker_outputs_dropped_total')).find((s) => s.labels.destination === destination && s.labels.reason === reason)?.value ?? 0;
}

test('a destination down: alerts queue, overflow to the spool, and all arrive in order once it is back, none twice', async () => {
  const rx = new Receiver();
  const port = await deadPort();
  const state = tmp();
  const opts = [`destinations[0].name=hook`, 'destinations[0].type=webhook', `destinations[0].url=http://127.0.0.1:${port}/`,
    'destinations[0].queue.capacity=50', 'destinations[0].retry.initial_delay=20', 'destinations[0].retry.max_delay=100'];
  const metrics = new Metrics();
  const out = createOutputs(testConfig(...opts), { metrics, log: () => undefined, stateDir: state });
  for (let i = 0; i < 300; i++) out.write(testAlert(i));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await metrics.value('saker_outputs_spooled_total')) >= 250, 'the full queue went to the spool');
  assert.ok((await metrics.value('saker_outputs_retries_total')) > 0);
  await rx.start(port);
  await waitFor(() => rx.requests.length >= 300, 10_000, '300 requests');
  await out.close();
  assert.deepEqual(ns(rx), [...Array(300).keys()]);
  assert.equal(new Set(uuids(rx)).size, 300);
  assert.equal(await metrics.value('saker_outputs_sent_total'), 300);
  await rx.stop();
});

test('the agent stops during an outage: the queue and the batch in flight are spooled and replayed first on the next start', async () => {
  const rx = new Receiver();
  const port = await deadPort();
  const state = tmp();
  const opts = ['destinations[0].name=hook', 'destinations[0].type=webhook', `destinations[0].url=http://127.0.0.1:${port}/`,
    'destinations[0].queue.capacity=40', 'destinations[0].retry.initial_delay=20', 'destinations[0].retry.max_delay=50', 'output_timeout=200'];
  const first = createOutputs(testConfig(...opts), { metrics: new Metrics(), log: () => undefined, stateDir: state });
  for (let i = 0; i < 100; i++) first.write(testAlert(i));
  await first.close();
  assert.ok(readdirSync(join(state, 'spool', 'hook')).some((f) => f.endsWith('.jsonl')));
  await rx.start(port);
  const second = createOutputs(testConfig(...opts), { metrics: new Metrics(), log: () => undefined, stateDir: state });
  for (let i = 100; i < 120; i++) second.write(testAlert(i));
  await waitFor(() => rx.requests.length >= 120, 10_000, '120 requests');
  await second.close();
  assert.deepEqual(ns(rx), [...Array(120).keys()]);
  assert.equal(new Set(uuids(rx)).size, 120);
  await rx.stop();
});

test('a state_dir the spool cannot use (a file in its place): said once, the destination runs on its memory queue, counting what it cannot hold', async () => {
  const notDir = join(tmp(), 'state');
  writeFileSync(notDir, '');
  const port = await deadPort();
  const logs: string[] = [];
  const metrics = new Metrics();
  const out = createOutputs(testConfig('destinations[0].name=hook', 'destinations[0].type=webhook', `destinations[0].url=http://127.0.0.1:${port}/`,
    'destinations[0].queue.capacity=10', 'output_timeout=0'), { metrics, log: (m) => logs.push(m), stateDir: notDir });
  assert.ok(logs.some((l) => l.startsWith(`spool ${notDir}/spool/hook: `) && l.endsWith('keeps only its memory queue')), logs.join('\n'));
  for (let i = 0; i < 30; i++) out.write(testAlert(i));
  await out.close();
  assert.equal(await metrics.value('saker_outputs_spooled_total'), 0);
  assert.ok((await dropped(metrics, 'hook', 'queue_full')) >= 19, 'the overflow is counted as dropped');
});

test('a 4xx answer is final: counted as failed, not retried; 5xx is retried', async () => {
  const rx = await new Receiver().start();
  let calls = 0;
  rx.respond = (r) => {
    calls++;
    if (r.body.includes('"n":1,')) return { status: 400 };
    if (r.body.includes('"n":2,') && calls < 6) return { status: 503 };
    return { status: 200 };
  };
  const metrics = new Metrics();
  const out = createOutputs(testConfig('destinations[0].name=h', 'destinations[0].type=webhook', `destinations[0].url=${rx.url}/`, 'destinations[0].retry.initial_delay=10'),
    { metrics, log: () => undefined });
  for (let i = 0; i < 4; i++) out.write(testAlert(i));
  await waitFor(() => rx.requests.length === 3, 5000, 'three delivered');
  await out.close();
  assert.deepEqual(ns(rx), [0, 2, 3]);
  assert.equal(await metrics.value('saker_outputs_failed_total'), 1);
  assert.ok((await metrics.value('saker_outputs_retries_total')) >= 1);
  await rx.stop();
});

test('file_output: created 0600, a symlink at its path is refused (counted), reopen() follows a rotation', async () => {
  const dir = tmp();
  const file = join(dir, 'events.txt');
  const metrics = new Metrics();
  const out = createOutputs(testConfig('file_output.enabled=true', `file_output.filename=${file}`, 'file_output.keep_alive=true', 'json_output=true'), { metrics, log: () => undefined });
  out.write(testAlert(1));
  await waitFor(() => { try { return readFileSync(file, 'utf8').split('\n').length === 2; } catch { return false; } }, 5000, 'first line');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  renameSync(file, `${file}.1`);
  out.write(testAlert(2));
  await waitFor(() => readFileSync(`${file}.1`, 'utf8').includes('"n":2'), 5000, 'kept writing the open file');
  out.reopen();
  out.write(testAlert(3));
  await waitFor(() => { try { return readFileSync(file, 'utf8').includes('"n":3'); } catch { return false; } }, 5000, 'reopened');
  await out.close();

  const target = join(dir, 'target');
  writeFileSync(target, '');
  const link = join(dir, 'link.txt');
  symlinkSync(target, link);
  const m2 = new Metrics();
  const logs: string[] = [];
  const o2 = createOutputs(testConfig('file_output.enabled=true', `file_output.filename=${link}`), { metrics: m2, log: (l) => logs.push(l) });
  o2.write(testAlert(4));
  await waitFor(async () => (await m2.value('saker_outputs_failed_total')) === 1, 5000, 'failure counted');
  await o2.close();
  assert.equal(readFileSync(target, 'utf8'), '');
  assert.match(logs.join('\n'), /symbolic link, not followed/);
});

test('a stdout reader that stops: write() stays instant, memory bounded by the queue, losses counted', async () => {
  let accepted = 0;
  const stuck = new Writable({ write(_chunk, _enc, cb) { accepted++; if (accepted === 1) cb(); /* then never again */ } });
  const metrics = new Metrics();
  const out = createOutputs(testConfig('stdout_output.enabled=true', 'outputs_queue.capacity=1000', 'output_timeout=100'), { metrics, log: () => undefined, stdout: stuck });
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) out.write(testAlert(i));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await new Promise((r) => setTimeout(r, 50));
  const queued = await metrics.value('saker_outputs_queue_length');
  assert.ok(queued <= 1000, `queue bounded (${queued})`);
  const drops = await dropped(metrics, 'stdout', 'queue_full');
  assert.ok(drops >= 17_000, `drops counted (${drops})`);
  assert.ok(ms < 2000, `writes did not wait (${ms} ms)`);
  await out.close();
});

test('a full disk under file_output: write errors (ENOSPC) are counted, writing goes on when there is room again', { skip: process.getuid?.() !== 0 ? 'needs root to mount a small tmpfs' : false }, async (t) => {
  const dir = tmp();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  } catch (e) {
    t.skip(`cannot mount a tmpfs: ${(e as Error).message}`);
    return;
  }
  try {
    const metrics = new Metrics();
    const file = join(dir, 'events.txt');
    const out = createOutputs(testConfig('file_output.enabled=true', `file_output.filename=${file}`, 'file_output.keep_alive=true'), { metrics, log: () => undefined });
    for (let i = 0; i < 2000; i++) out.write(testAlert(i));
    await waitFor(async () => (await metrics.value('saker_outputs_sent_total')) + (await metrics.value('saker_outputs_failed_total')) === 2000, 10_000, 'every alert accounted for');
    assert.ok((await metrics.value('saker_outputs_failed_total')) > 0, 'ENOSPC counted');
    assert.ok(statSync(file).size <= 64 * 1024);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('\n'), 'no line cut by the full disk');
    assert.equal(text.split('\n').length - 1, await metrics.value('saker_outputs_sent_total'), 'the lines in the file are the alerts counted as sent');
    execFileSync('truncate', ['-s', '0', file]);
    out.write(testAlert(5000));
    await waitFor(() => readFileSync(file, 'utf8').includes('n=5000'), 5000, 'written after room came back');
    await out.close();
  } finally {
    execFileSync('umount', [dir]);
  }
});

test('dedup: 1,000 identical alerts become one message with count 1000 at the deduplicating destination; the file has all 1,000', async () => {
  const rx = await new Receiver().start();
  const dir = tmp();
  const file = join(dir, 'events.txt');
  const out = createOutputs(testConfig('file_output.enabled=true', `file_output.filename=${file}`, 'json_output=true',
    'destinations[0].name=chat', 'destinations[0].type=webhook', `destinations[0].url=${rx.url}/`, 'destinations[0].dedup.window=1s', 'destinations[0].dedup.fields[]=proc.name'),
  { metrics: new Metrics(), log: () => undefined });
  for (let i = 0; i < 1000; i++) out.write(testAlert(i, { outputFields: { 'proc.name': 'cat', 'evt.time': 1n + BigInt(i) } }));
  out.write(testAlert(0, { rule: 'Other rule' }));
  await waitFor(() => rx.requests.length === 2, 5000, 'two folded messages');
  await out.close();
  const folded = rx.requests.map((r) => JSON.parse(r.body) as { rule: string; output: string; output_fields: Record<string, number> }).find((a) => a.rule === 'Read sensitive file')!;
  assert.equal(folded.output_fields['dedup.count'], 1000);
  const raw = rx.requests.find((r) => r.body.includes('dedup.count'))!.body;
  assert.match(raw, /"dedup.first_time":1765000000000000000,"dedup.last_time":1765000000000999000/);
  assert.match(folded.output, /\(seen 1000 times\)$/);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1001);
  await rx.stop();
});

test('rate limit: a token bucket per rule (rate per second, max_burst), the rest counted as dropped', async () => {
  let now = 0;
  const rl = new RateLimiter(2, 3, true, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => rl.take('a')), [true, true, true, false]);
  assert.equal(rl.take('b'), true, 'another rule has its own bucket');
  now = 500;
  assert.deepEqual([rl.take('a'), rl.take('a')], [true, false]);

  const rx = await new Receiver().start();
  const metrics = new Metrics();
  const out = createOutputs(testConfig('destinations[0].name=r', 'destinations[0].type=webhook', `destinations[0].url=${rx.url}/`, 'destinations[0].rate_limit.rate=1', 'destinations[0].rate_limit.max_burst=5'),
    { metrics, log: () => undefined });
  for (let i = 0; i < 100; i++) out.write(testAlert(i));
  await out.close();
  assert.equal(rx.requests.length, 5);
  assert.equal(await dropped(metrics, 'r', 'rate_limit'), 95);
  await rx.stop();
});

test('per destination: minimum priority, rule wildcards and tags choose the alerts', async () => {
  const rx = await new Receiver().start();
  const out = createOutputs(testConfig('destinations[0].name=f', 'destinations[0].type=webhook', `destinations[0].url=${rx.url}/`,
    'destinations[0].minimum_priority=error', 'destinations[0].rules[]=Shell*', 'destinations[0].tags[]=container'), { metrics: new Metrics(), log: () => undefined });
  out.write(testAlert(1, { rule: 'Shell in container', priority: 3, tags: ['container'] }));
  out.write(testAlert(2, { rule: 'Shell in container', priority: 4, tags: ['container'] }));
  out.write(testAlert(3, { rule: 'Read file', priority: 0, tags: ['container'] }));
  out.write(testAlert(4, { rule: 'Shell on host', priority: 1, tags: ['host'] }));
  await out.close();
  assert.deepEqual(ns(rx), [1]);
  await rx.stop();
});

test('program_output keep_alive: one program for all alerts, restarted with backoff when it exits', async () => {
  const dir = tmp();
  const file = join(dir, 'got');
  const logs: string[] = [];
  const out = createOutputs(testConfig('program_output.enabled=true', 'program_output.keep_alive=true', `program_output.program=cat >> ${file}`), { metrics: new Metrics(), log: (l) => logs.push(l) });
  for (let i = 0; i < 10; i++) out.write(testAlert(i));
  await waitFor(() => { try { return readFileSync(file, 'utf8').split('\n').length === 11; } catch { return false; } }, 5000, 'ten lines');
  await out.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.match(lines[9]!, /n=9\)$/);

  const m = new Metrics();
  const o2 = createOutputs(testConfig('program_output.enabled=true', 'program_output.keep_alive=true', 'program_output.program=head -n 1 > /dev/null'), { metrics: m, log: (l) => logs.push(l) });
  for (let i = 0; i < 5; i++) {
    o2.write(testAlert(i));
    await new Promise((r) => setTimeout(r, 100));
  }
  await o2.close();
  assert.match(logs.join('\n'), /exited \(code 0\); restarting in 1 s/);
  assert.ok((await m.value('saker_outputs_failed_total')) >= 1, 'alerts while it was down counted as failed');
});

test('backoff: exponential with jitter between half and all of the ceiling', () => {
  assert.equal(backoffDelay(0, 100, 10_000, () => 0), 50);
  assert.equal(backoffDelay(3, 100, 10_000, () => 1), 800);
  assert.equal(backoffDelay(20, 100, 10_000, () => 1), 10_000);
});
