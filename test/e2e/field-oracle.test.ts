// The field oracle: every field Saker implements (ORACLE_FIELDS, all but the container plugin's),
// on every event of the peer captures (../shared/peers/scap) and of captures Saker recorded live
// (test/fixtures/oracle/captures), printed by `saker inspect` and compared with what libs master's
// sinsp-example printed for the same capture and format. libs' answers are fixtures
// (test/fixtures/oracle/fields, made by scripts/oracle/generate.ts where Falco is built), so this
// runs anywhere. A value that differs must be named in helpers/oracle-differences.ts, with why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers/env.js';
import {
  CAPTURES_DIR, ORACLE_DIR, oracleFormat, parseOracleOutput, readGzJson, sha256, type FieldFixture, type OracleMeta,
} from './helpers/oracle.js';
import { NAMED_DIFFERENCES, type Row } from './helpers/oracle-differences.js';
import { sharedDir } from '../../src/testing/shared.js';

const SAKER = join(repoRoot, 'bin', 'saker.js');
const FIELDS_DIR = join(ORACLE_DIR, 'fields');
const fixtures = existsSync(FIELDS_DIR) ? readdirSync(FIELDS_DIR).filter((f) => f.endsWith('.json.gz')).sort() : [];

/** Where the fixture's capture is, or why it is not here. */
function captureOf(fx: FieldFixture): string | { skip: string } {
  if (fx.origin === 'saker') return join(CAPTURES_DIR, fx.capture);
  const shared = sharedDir();
  const p = shared && join(shared, 'peers/scap', fx.capture);
  return p && existsSync(p) ? p : { skip: `../shared/peers/scap/${fx.capture} is absent` };
}

const toRow = (fields: readonly string[], values: readonly string[]): Row => Object.fromEntries(fields.map((f, i) => [f, values[i]!]));

interface Outcome {
  events: number;
  values: number;
  explained: Map<string, number>;
  unexplained: string[];
}

/**
 * Keys that match an event across the tools: time, thread and type, and which of the events with
 * those three it is (evt.num is compared as a value: converted captures number differently).
 */
function keyed(rows: readonly string[][], fields: readonly string[]): Map<string, string[]> {
  const [t, tid, type] = ['evt.rawtime', 'thread.tid', 'evt.type'].map((f) => fields.indexOf(f));
  const seen = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const k = `${r[t!]} ${r[tid!]} ${r[type!]}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    out.set(`${k} #${n}`, r);
  }
  return out;
}

/** Compares Saker's rows with libs' for one capture, event by event. */
function compare(fx: FieldFixture, sakerRows: string[][]): Outcome {
  const o: Outcome = { events: 0, values: 0, explained: new Map(), unexplained: [] };
  const mine = keyed(sakerRows, fx.fields);
  const seen = new Set<string>();
  for (const [key, values] of keyed(fx.rows, fx.fields)) {
    const num = values[0]!;
    seen.add(key);
    const s = mine.get(key);
    if (!s) {
      const libs = toRow(fx.fields, values);
      const named = NAMED_DIFFERENCES.find((n) => n.fields.includes('(event)') && n.holds({ capture: fx.capture, field: '(event)', libs, saker: {} }));
      if (named) o.explained.set(named.name, (o.explained.get(named.name) ?? 0) + 1);
      else o.unexplained.push(`evt.num ${num} (${values[1]}): libs has the event, saker does not`);
      continue;
    }
    o.events++;
    const libs = toRow(fx.fields, values);
    const saker = toRow(fx.fields, s);
    for (const field of fx.fields) {
      o.values++;
      if (libs[field] === saker[field]) continue;
      const d = { capture: fx.capture, field, libs, saker };
      const named = NAMED_DIFFERENCES.find((n) => n.fields.includes(field) && n.holds(d));
      if (named) o.explained.set(named.name, (o.explained.get(named.name) ?? 0) + 1);
      else o.unexplained.push(`evt.num ${num} ${libs['evt.type']} ${field}: libs '${libs[field]}' saker '${saker[field]}'`);
    }
  }
  for (const [key, r] of mine) if (!seen.has(key)) o.unexplained.push(`evt.num ${r[0]} (${r[1]}): saker has the event, libs does not`);
  return o;
}

const used = new Map<string, number>();
let compared = 0;

test('the oracle fixtures say where they came from', (t) => {
  if (fixtures.length === 0) return t.skip('no oracle fixtures: run scripts/oracle/generate.ts where Falco is built');
  const meta = JSON.parse(readFileSync(join(ORACLE_DIR, 'meta.json'), 'utf8')) as OracleMeta;
  assert.match(meta.libsCommit, /^[0-9a-f]{7,40}$/);
  assert.match(meta.falcoCommit, /^[0-9a-f]{7,40}$/);
  assert.ok(meta.script.includes('scripts/oracle/generate.ts'));
  assert.match(meta.falco, /^Falco version: /);
  assert.ok(Object.keys(meta.commands).some((k) => k.startsWith('alerts/')) && Object.keys(meta.commands).some((k) => k.startsWith('fields/')), 'meta.json names the command of every fixture');
});

for (const name of fixtures) {
  test(`${name.replace(/\.json\.gz$/, '')}: every field of every event equals libs master's, or a named difference`, (t) => {
    const fx = readGzJson<FieldFixture>(join(FIELDS_DIR, name));
    const file = captureOf(fx);
    if (typeof file !== 'string') return t.skip(file.skip);
    assert.equal(sha256(file), fx.sha256, `${fx.capture} is not the capture the fixture was made from: regenerate (scripts/oracle/generate.ts)`);
    assert.ok(fx.fields.length >= 80, `${fx.fields.length} fields`);
    const out = execFileSync(process.execPath, [SAKER, 'inspect', '-v', file, ...(fx.filter ? [fx.filter] : []), '-p', oracleFormat(fx.fields)], {
      encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TZ: 'UTC' },
    });
    const o = compare(fx, parseOracleOutput(out, fx.fields));
    for (const [k, n] of o.explained) used.set(k, (used.get(k) ?? 0) + n);
    t.diagnostic(`${o.events} events, ${o.values} values, ${fx.fields.length} fields, every one asserted equal; named differences: ${[...o.explained].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
    assert.deepEqual(o.unexplained.slice(0, 40), [], `${o.unexplained.length} unexplained differences`);
    assert.ok(o.events > 10);
    compared++;
  });
}

test('every named difference explains something', (t) => {
  if (compared < fixtures.length) return t.skip('not every fixture was compared here (captures absent)');
  for (const n of NAMED_DIFFERENCES) assert.ok(used.has(n.name), `${n.name} explains no difference: drop it`);
});
