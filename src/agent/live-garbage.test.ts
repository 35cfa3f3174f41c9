// The live agent's per-event path (state, then rules) makes no garbage once V8 has optimised it:
// garbage per event is paid in young-generation collections, which at 800k events/s came 75
// times in 5.5 s (a heap number for each event's time, a key string for each open whose text and
// kernel path differ) and pause the event thread each time. This drives a live State and the
// engine with the built-in rules and a rule reading the names of opens that failed (fd.nameraw,
// fd.directory: a process probing paths, as ld.so's search does) with opens through a symbolic
// link (their fd keeps the text; the check that allows it is remembered), failed opens and
// closes as the sensor sends them, and measures the young generation's growth over batches. It
// fails with a key string made per open or a failed open's name made per event (both checked);
// the boxed time came from a getter V8 left un-inlined in the agent and inlines here, so that
// one is seen by bench/agent-throughput's scavenge column instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { encodeEvent, eventCode } from '../events/index.js';
import type { Alert } from '../outputs/index.js';
import { packageRoot } from '../package-root.js';
import { loadRulesContents } from '../rules/index.js';
import { State } from '../state/index.js';
import { PPM_O } from '../state/model/index.js';
import { recordFeed } from '../testing/record-feed.js';
import { Engine } from './engine.js';

const BUILTIN = join(packageRoot(), 'rules', 'saker_rules.yaml');
/** Reads both names of every failed openat and matches none. */
const FAILED_OPENS = `
- rule: Probe below a directory nobody has
  desc: reads fd.nameraw and fd.directory of failed opens
  condition: evt.type = openat and evt.res != 0 and (fd.nameraw = /nowhere/x or fd.directory = /nowhere)
  output: probe of %fd.nameraw in %fd.directory
  priority: NOTICE
`;

/** `rec` with one more parameter, as the sensor appends the opened file's path to an open. */
function withExtraParam(rec: Buffer, text: string): Buffer {
  const n = rec.readUInt32LE(22);
  const lens = 26 + n * 2;
  const value = Buffer.from(`${text}\0`);
  const out = Buffer.concat([rec.subarray(0, lens), Buffer.alloc(2), rec.subarray(lens), value]);
  out.writeUInt32LE(n + 1, 22);
  out.writeUInt16LE(value.length, lens);
  out.writeUInt32LE(out.length, 16);
  return out;
}

function newSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

test('live agent: opens through a link, failed opens and closes allocate nothing per event once optimised', (t) => {
  if (process.platform !== 'linux') return t.skip('reads /proc');
  const rules = loadRulesContents([{ name: BUILTIN, content: readFileSync(BUILTIN, 'utf8') }, { name: 'failed-opens.yaml', content: FAILED_OPENS }]);
  assert.equal(rules.successful, true);
  const dir = mkdtempSync(join(tmpdir(), 'saker-live-garbage-'));
  const state = new State({ live: true, containerLookup: false, hostUsers: false });
  try {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'file'), 'x');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const text = join(dir, 'link', 'file');
    const st = statSync(text);
    state.bootstrapFromProc();
    const alerts: Alert[] = [];
    const engine = new Engine(rules.ruleset, state, (a) => alerts.push(a), { isoTime: false, hostname: 'test' });
    const tid = process.pid;
    const records = [
      withExtraParam(encodeEvent({ ts: 1_700_000_000_000_000_000n, tid, type: eventCode('openat'), params: [7, -100, text, PPM_O.RDONLY, 0, st.dev, st.ino] }), join(dir, 'real', 'file')),
      encodeEvent({ ts: 1_700_000_000_000_001_000n, tid, type: eventCode('close'), params: [0, 7] }),
      withExtraParam(encodeEvent({ ts: 1_700_000_000_000_002_000n, tid, type: eventCode('openat'), params: [8, -100, '/dev/null', PPM_O.RDONLY, 0, 0, 0] }), '/dev/null'),
      encodeEvent({ ts: 1_700_000_000_000_003_000n, tid, type: eventCode('close'), params: [0, 8] }),
      withExtraParam(encodeEvent({ ts: 1_700_000_000_000_004_000n, tid, type: eventCode('openat'), params: [-2, -100, '/usr/lib//x86_64-linux-gnu/tls/libc.so.6', PPM_O.RDONLY, 0, 0, 0] }), ''),
      withExtraParam(encodeEvent({ ts: 1_700_000_000_000_005_000n, tid, type: eventCode('openat'), params: [-2, -100, '/lib/x86_64-linux-gnu/haswell/libm.so.6', PPM_O.RDONLY, 0, 0, 0] }), ''),
    ];
    // As the live agent reads them: records split out of reads of the rings' bytes, each loaded
    // into one view and handed to the engine (what V8 inlines depends on the way there).
    const feed = recordFeed((view) => engine.process(view));
    const cycle = Buffer.concat(records);
    const run = (events: number): void => {
      for (let i = 0; i < events; i += records.length) feed(cycle);
    };
    run(records.length);
    assert.equal(state.thread(tid)?.shared.fds.get(7), undefined, 'closed');
    feed(records[0]!);
    assert.equal(state.thread(tid)?.shared.fds.get(7)?.name, text, 'the text is kept: it leads to the file opened');
    assert.equal(state.parser.stats.openNamesCorrected, 0);
    feed(records[1]!);

    run(400_000); // optimised by now, on a quiet machine
    // The least growth of the young generation over batches that saw no collection (its use
    // then shrinks): a few KB of the measurement's own, against 16 bytes and more per event when
    // something on the path allocates. Batches go on until one is under the bound, for 20 s at
    // most: on a loaded machine V8's compiler thread may take seconds to optimise the path, and
    // code not yet optimised boxes numbers everywhere.
    const BATCH = 24_000;
    const until = Date.now() + 20_000;
    let least = Infinity;
    let batches = 0;
    while (least >= BATCH && Date.now() < until) {
      const before = newSpaceUsed();
      run(BATCH);
      const grown = newSpaceUsed() - before;
      if (grown >= 0) least = Math.min(least, grown);
      batches++;
    }
    assert.ok(least < BATCH, `the young generation grew ${least} bytes over ${BATCH} events, at least, in ${batches} batches`);
    assert.deepEqual(alerts, []);
  } finally {
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
