// The live agent may read the sensor's stream into one reused buffer: a record is then valid only
// during the onEvent call that hands it out, and whatever the state, the rules, the alerts or the
// recorder's file writer keep of it must be a copy. This replays a recorded live capture through
// the live path's pieces (RecordSplitter -> EventView.load -> State + Engine, and ScapWriter as
// `saker capture` uses it) twice: each read in a buffer of its own (as Node's 'data' chunks are),
// and every read into one buffer that is scribbled over as soon as the read's records have been
// handed out. The alerts and the written file must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readScap, ScapWriter, type ScapTables } from '../capture/scap/index.js';
import type { Alert } from '../outputs/index.js';
import { packageRoot } from '../package-root.js';
import { loadRulesFiles } from '../rules/index.js';
import { loadScapTables, State } from '../state/index.js';
import { recordFeed } from '../testing/record-feed.js';
import { upstreamRulesFiles } from '../testing/shared.js';
import { Engine } from './engine.js';

const CAPTURE = join(packageRoot(), 'test', 'fixtures', 'oracle', 'captures', 'live-alerts.scap.gz');
const BUILTIN = [join(packageRoot(), 'rules', 'saker_rules.yaml')];
/** Not a multiple of any record size: most reads end inside a record (the splitter's copy). */
const READ_SIZE = 4093;

async function readCapture(): Promise<{ tables: ScapTables; stream: Buffer }> {
  let tables: ScapTables | undefined;
  const records: Buffer[] = [];
  await readScap(CAPTURE, { tables: (t) => (tables ??= t), event: (e) => void records.push(Buffer.from(e.record())) }, { numbering: 'delivered' });
  assert.ok(tables);
  return { tables, stream: Buffer.concat(records) };
}

/** The reads of `stream`, READ_SIZE bytes each: fresh buffers, or one buffer filled again for
 *  each read and overwritten with garbage once the read's records are out. */
function* reads(stream: Buffer, reuse: boolean): Generator<Buffer> {
  const shared = Buffer.alloc(READ_SIZE);
  for (let at = 0; at < stream.length; at += READ_SIZE) {
    const n = Math.min(READ_SIZE, stream.length - at);
    if (!reuse) {
      yield Buffer.from(stream.subarray(at, at + n));
      continue;
    }
    stream.copy(shared, 0, at, at + n);
    yield shared.subarray(0, n);
    shared.fill(0xa5);
  }
}

async function replay(tables: ScapTables, stream: Buffer, rules: string[], reuse: boolean, file: string): Promise<string[]> {
  const loaded = await loadRulesFiles(rules);
  const state = new State({ hostUsers: false, containerLookup: false });
  loadScapTables(state, tables);
  const alerts: Alert[] = [];
  const engine = new Engine(loaded.ruleset, state, (a) => alerts.push(a), { isoTime: false, hostname: 'test' });
  const writer = new ScapWriter(file, { overwrite: true });
  writer.writeTables(tables);
  const feed = recordFeed((view) => {
    engine.process(view);
    writer.writeEvent(view, view.cpu);
  });
  for (const chunk of reads(stream, reuse)) feed(chunk);
  await writer.close();
  state.close();
  return alerts.map((a) => `${a.ts} ${a.rule}: ${a.output} ${JSON.stringify(a.outputFields, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}

for (const [name, rules] of [['built-in', BUILTIN], ['upstream', upstreamRulesFiles()]] as const) {
  test(`records read into one reused buffer give the same alerts and the same capture file (${name} rules)`, async (t) => {
    if (!existsSync(CAPTURE)) return t.skip(`${CAPTURE} is absent`);
    if (!rules) return t.skip('../shared/peers/falco-rules is absent');
    const { tables, stream } = await readCapture();
    const dir = mkdtempSync(join(tmpdir(), 'saker-reused-read-'));
    try {
      const fresh = await replay(tables, stream, rules, false, join(dir, 'fresh.scap'));
      const reused = await replay(tables, stream, rules, true, join(dir, 'reused.scap'));
      t.diagnostic(`${stream.length} bytes in ${Math.ceil(stream.length / READ_SIZE)} reads; ${fresh.length} alerts`);
      assert.ok(fresh.length > 0, 'the capture raises alerts');
      assert.deepEqual(reused, fresh);
      assert.ok(readFileSync(join(dir, 'reused.scap')).equals(readFileSync(join(dir, 'fresh.scap'))), 'the written captures differ');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
