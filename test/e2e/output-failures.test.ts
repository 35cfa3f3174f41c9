// Outputs that fail under the real `saker run`: a stdout whose reader stops, and file_output on a
// filesystem that fills up. Either way detection goes on (the other output gets every alert, the
// event counters move), memory stays bounded, and what the failing output lost is counted: the
// count the agent reports equals what the output is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { agentMissing, firstMissing } from './helpers/env.js';
import { burst, fileLines as lines, LiveAgent, settled, until } from './helpers/live-agent.js';
import { python3, scratchDir } from './helpers/triggers.js';

const BURST = 50_000;
const QUEUE = 2000;
/** Alerts/s of the bursts: what file_output keeps up with on a loaded machine. */
const PACE = 5000;
/**
 * RSS growth allowed over a second burst: the stdout queue holds QUEUE alerts, not BURST. RSS read
 * once after a burst swung by +-30 MiB with when V8 last collected (108 MiB grown once in CI with
 * the bounded queue); its lowest over a few seconds of rest is what the agent keeps. Measured with
 * a queue holding every alert of a burst: 112-133 MiB.
 */
const RSS_BOUND = 72 * 1024 * 1024;
/** How long RSS is watched after a burst, the lowest reading kept: the alerts a burst promoted to
 *  V8's old generation are collected by its memory reducer once allocation has stopped for a while
 *  (measured: RSS held at 162-230 MiB for 9-11 s after each burst, then fell to 107-134 MiB; with 6 s
 *  of rest the second burst failed the bound in 4 of 7 runs, on this tree and on the one before). */
const REST_MS = 16_000;

/** The agent's lowest RSS over REST_MS: garbage V8 has not collected yet is not what it keeps. */
async function restingRss(agent: LiveAgent): Promise<number> {
  let low = agent.rss();
  for (const end = Date.now() + REST_MS; Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 250));
    low = Math.min(low, agent.rss());
  }
  return low;
}

test('a stdout reader that stops: detection goes on, memory stays bounded, stdout\'s losses are counted exactly', { timeout: 300_000 }, async (t) => {
  const py = python3();
  const missing = firstMissing(agentMissing, () => (py ? undefined : 'needs python3 (the trigger)'));
  if (missing) return t.skip(missing);
  const { dir, cleanup } = scratchDir('blocked-stdout');
  t.after(cleanup);
  const fileOut = join(dir, 'events.json');
  const readerOut = join(dir, 'reader.json');
  // the reader: cat into a file, stopped before the agent writes anything
  const outFd = openSync(readerOut, 'w');
  const reader = spawn('cat', [], { stdio: ['pipe', outFd, 'ignore'] });
  closeSync(outFd);
  reader.kill('SIGSTOP');
  t.after(() => reader.kill('SIGKILL'));
  const agent = await LiveAgent.start(['json_output=true', 'file_output.enabled=true', `file_output.filename=${fileOut}`, 'file_output.keep_alive=true',
    `stdout_output.queue.capacity=${QUEUE}`, 'file_output.queue.capacity=1000000'], reader.stdin!);
  t.after(() => agent.kill());

  // two bursts of the same size: the first grows the heap to its working size (the web API's
  // alert ring, V8's young generation), the second must not grow it by what a queue holding every
  // alert the blocked stdout could not take would need (BURST alerts of about 1 KiB each)
  const eventsBefore = (await agent.status()).events;
  burst(py!, BURST, PACE);
  const first = await settled(() => lines(fileOut).length, 2000, 120_000);
  const rssFirst = await restingRss(agent);
  burst(py!, BURST, PACE);
  const total = await settled(() => lines(fileOut).length, 2000, 120_000);
  const rssSecond = await restingRss(agent);
  const st = await agent.status();
  assert.ok(first >= BURST && total >= 2 * BURST, `file_output got every alert of the bursts (${first}, ${total} of ${2 * BURST}; kernel drops ${st.drops})`);
  assert.equal(total, st.alerts, 'file_output has every alert the rules raised');
  assert.ok(st.events > eventsBefore + 2 * BURST, 'the event counters moved through the bursts');
  const grew = rssSecond - rssFirst;
  t.diagnostic(`RSS ${(rssFirst / 1048576).toFixed(0)} MiB after the first burst, ${(rssSecond / 1048576).toFixed(0)} MiB after the second`);
  assert.ok(grew < RSS_BOUND, `RSS grew ${(grew / 1048576).toFixed(1)} MiB over the second burst (bound ${RSS_BOUND / 1048576} MiB; ${(rssSecond / 1048576).toFixed(0)} MiB in all)`);

  // detection goes on after the burst while stdout is still blocked
  burst(py!, 100);
  await until(() => lines(fileOut).length >= total + 100, 30_000, 'the alerts after the burst in file_output');
  const all = await settled(() => lines(fileOut).length, 1000, 30_000);
  const dropped = await agent.dropped('stdout');
  assert.ok(dropped > 0, 'a stopped reader cannot have taken everything');
  assert.ok(dropped <= all - QUEUE, `at most what did not fit the queue is dropped (${dropped} of ${all})`);

  // the reader resumes: it gets everything that was not counted as lost
  reader.kill('SIGCONT');
  const arrived = await settled(() => lines(readerOut).length, 2000, 60_000);
  assert.equal(arrived + dropped, all, `stdout delivered ${arrived} and counted ${dropped} lost, of ${all}`);
  for (const l of lines(readerOut)) JSON.parse(l);

  const status = await agent.stop();
  assert.deepEqual(status, { code: 0, signal: null }, agent.stderr);
  assert.match(agent.stderr, new RegExp(`output stdout: ${arrived} alert\\(s\\) delivered, ${dropped} dropped \\(queue full ${dropped}\\), 0 failed`), 'the exit lines say what stdout lost');
});

test('file_output on a filesystem that fills up: ENOSPC is that output\'s error, detection and stdout go on, the losses are counted exactly', { timeout: 300_000 }, async (t) => {
  const py = python3();
  const missing = firstMissing(agentMissing, () => (py ? undefined : 'needs python3 (the trigger)'));
  if (missing) return t.skip(missing);
  const { dir, cleanup } = scratchDir('full-disk');
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    cleanup();
    return t.skip(`cannot mount a small tmpfs (${m.stderr.trim()})`);
  }
  t.after(() => {
    spawnSync('umount', ['-l', mnt]);
    cleanup();
  });
  const fileOut = join(mnt, 'events.json');
  const agent = await LiveAgent.start(['json_output=true', 'file_output.enabled=true', `file_output.filename=${fileOut}`, 'file_output.keep_alive=true'], 'pipe');
  t.after(() => agent.kill());
  let stdoutLines = 0;
  /** the agent's own alerts (a drop report under the burst): on the outputs, not counted as the rules' */
  let internalLines = 0;
  let partial = '';
  agent.child.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    stdoutLines += parts.length;
    for (const l of parts) if (/"rule":"(Falco|Saker) internal:/.test(l)) internalLines++;
  });

  const n = 5000;
  burst(py!, n);
  await until(() => stdoutLines >= n, 60_000, `${n} alerts on stdout`);
  const total = await settled(() => stdoutLines, 2000, 60_000);
  const st = await agent.status();
  assert.equal(total - internalLines, st.alerts, 'stdout has every alert the rules raised');
  const failed = await settled(() => agent.metric('saker_outputs_failed_total', { destination: 'file' }), 1000, 30_000);
  const inFile = lines(fileOut);
  assert.ok(inFile.length < total, `the filesystem filled up (${inFile.length} of ${total} alerts in the file)`);
  for (const l of inFile) JSON.parse(l); // whole alerts only, no line cut by the full disk
  // Read stdout again once the file's count settled: an internal alert raised meanwhile (a drop
  // report under the burst) goes to both outputs.
  const offered = await settled(() => stdoutLines, 1000, 30_000);
  assert.equal(inFile.length + failed, offered, `file_output wrote ${inFile.length} and counted ${failed} failed, of ${offered} alerts on stdout`);
  assert.match(agent.stderr, /output file: \d+ alert\(s\) not delivered: .*ENOSPC/);

  // still detecting, still writing to stdout, the file output still counting
  burst(py!, 100);
  await until(() => stdoutLines >= total + 100, 30_000, 'the alerts after the disk filled on stdout');
  await until(async () => (await agent.metric('saker_outputs_failed_total', { destination: 'file' })) >= failed + 100, 30_000, 'the later alerts counted as failed');
  const status = await agent.stop();
  assert.deepEqual(status, { code: 0, signal: null }, agent.stderr);
});
