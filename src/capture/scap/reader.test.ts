import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EC, PT, type EventView, eventName, renderArgs, renderParamParts, type ParamResolver } from '../../events/index.js';
import { hasSysdig, peerCapture, sysdigLines } from '../../testing/shared.js';
import { ScapFormatError, type ScapTables } from './file-format.js';
import { readScap, scapItems, type ScapReadOptions } from './reader.js';

const PEERS = ['curl_google.scap', 'curl_google_comments.scap', 'single_ipv6_conn.scap', 'test_ipv6_client.scap'];
// sysdig 0.29 cannot read curl_google_comments.scap: its section header carries pcapng options.
const SYSDIG_READABLE = ['curl_google.scap', 'single_ipv6_conn.scap', 'test_ipv6_client.scap'];
const FORMAT = '%evt.num %evt.rawtime %thread.tid %evt.type %evt.args';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function usersResolver(tables: ScapTables | undefined): ParamResolver {
  const users = new Map(tables?.users.map((u) => [u.uid, u.name]));
  const groups = new Map(tables?.groups.map((g) => [g.gid, g.name]));
  return { userName: (uid) => users.get(uid), groupName: (gid) => groups.get(gid) };
}

/**
 * The sysdig line this event must produce, as a regex: exact for every parameter whose rendering
 * needs no thread state; for fds, pids, fd lists and relative paths sysdig's "(resolved)" part
 * (from its thread table) is allowed but not checked.
 */
/** A non-negative error-number parameter (mmap's res): libs master prints it in decimal, sysdig
 *  0.29 in hex where the event table marked it so. */
function sysdigHex(decimal: string): string {
  return BigInt(decimal).toString(16).toUpperCase();
}

function expectedLine(evt: EventView, resolver: ParamResolver): RegExp {
  const parts: string[] = [];
  const r = { raw: '', resolved: '' };
  for (let i = 0; i < evt.nparams; i++) {
    const info = evt.info.params[i]!;
    renderParamParts(evt, i, resolver, { maxBufLen: 80 }, r);
    const name = esc(info.name);
    const stateful =
      (info.type === PT.FD && r.resolved === '') || info.type === PT.PID ||
      ((info.type === PT.FSPATH || info.type === PT.FSRELPATH) && r.raw !== '' && !r.raw.startsWith('/') && r.raw !== '<NA>');
    if (info.type === PT.FDLIST && evt.paramLength(i) > 0) parts.push(`${name}=.*?`);
    else if (stateful) parts.push(`${name}=${esc(r.raw)}(?:\\(.*?\\))?`);
    // A value an enum table names twice (AF_LOCAL|AF_UNIX) prints both names as libs master does;
    // sysdig 0.29 prints the first only.
    else if (r.resolved.includes('|') && (info.type === PT.ENUMFLAGS8 || info.type === PT.ENUMFLAGS16 || info.type === PT.ENUMFLAGS32)) {
      parts.push(`${name}=${esc(r.raw)}\\((?:${esc(r.resolved)}|${esc(r.resolved.slice(0, r.resolved.indexOf('|')))})\\)`);
    } else if (info.type === PT.ERRNO && /^\d+$/.test(r.raw)) {
      parts.push(`${name}=(?:${r.raw}|${sysdigHex(r.raw)})`);
    } else if ((r.raw === 'NULL' || r.raw === '<NA>') && evt.paramLength(i) === 0) {
      // An empty parameter: libs master prints NULL (buffers) or <NA>, sysdig 0.29 nothing.
      parts.push(`${name}=(?:${esc(r.raw)})?`);
    } else parts.push(`${name}=${esc(r.raw)}${r.resolved ? `\\(${esc(r.resolved)}\\)` : ''}`);
  }
  const args = evt.type <= 1 ? '' : parts.join(' ');
  return new RegExp(`^${evt.num} ${evt.ts} ${evt.tid} ${esc(eventName(evt))} ${args} ?$`);
}

test('every peer capture reads to the end, converted and raw', async (t) => {
  for (const name of PEERS) {
    const file = peerCapture(name);
    if (!file) {
      t.skip('../shared/peers/scap is absent');
      return;
    }
    for (const convert of [true, false]) {
      let tables = 0;
      let last = 0;
      const s = await readScap(file, {
        tables: () => void tables++,
        event: (e) => {
          assert.ok(e.num > last, 'evt.num increases');
          last = e.num;
          assert.ok(e.len >= 26 && e.info !== undefined);
        },
      }, { convert });
      assert.equal(tables, 1, `${name}: one table item`);
      assert.ok(s.events > 0 && s.unknown === 0, `${name}: events read`);
      assert.equal(s.records, s.events + s.dropped);
      if (!convert) assert.equal(s.dropped, 0);
    }
  }
});

test('a capture with pcapng options reads like the same capture without them', async (t) => {
  const a = peerCapture('curl_google.scap');
  const b = peerCapture('curl_google_comments.scap');
  if (!a || !b) return t.skip('../shared/peers/scap is absent');
  const lines = async (f: string) => {
    const out: string[] = [];
    await readScap(f, { event: (e) => void out.push(`${e.num} ${e.ts} ${e.tid} ${eventName(e)} ${renderArgs(e)}`) });
    return out;
  };
  assert.deepEqual(await lines(b), await lines(a));
});

test('raw events match sysdig line by line (stateless renderings exactly)', async (t) => {
  if (!hasSysdig()) return t.skip('sysdig is not installed');
  for (const name of SYSDIG_READABLE) {
    const file = peerCapture(name);
    if (!file) return t.skip('../shared/peers/scap is absent');
    const expected = new Map<number, { re: RegExp; category: number }>();
    let resolver: ParamResolver = {};
    await readScap(file, {
      tables: (tb) => void (resolver = usersResolver(tb)),
      event: (e) => void expected.set(e.num, { re: expectedLine(e, resolver), category: e.info.category }),
    }, { convert: false });
    const seen = new Set<number>();
    for (const line of sysdigLines(file, FORMAT)) {
      const num = Number(line.slice(0, line.indexOf(' ')));
      const exp = expected.get(num);
      assert.ok(exp, `${name}: sysdig event ${num} was not read`);
      assert.match(line, exp.re, `${name}: event ${num}`);
      seen.add(num);
    }
    // What sysdig does not print is its internal events (procinfo).
    for (const [num, e] of expected) if (!seen.has(num)) assert.ok(e.category & EC.INTERNAL, `${name}: ${num} missing from sysdig`);
  }
});

test('converted events keep sysdig numbering and carry the enter parameters', async (t) => {
  if (!hasSysdig()) return t.skip('sysdig is not installed');
  const file = peerCapture('curl_google.scap');
  if (!file) return t.skip('../shared/peers/scap is absent');
  const sd = new Map<number, string>();
  for (const l of sysdigLines(file, FORMAT)) sd.set(Number(l.slice(0, l.indexOf(' '))), l);
  let checked = 0;
  let merged = 0;
  await readScap(file, {
    event: (e) => {
      if (e.info.category & EC.INTERNAL) return;
      const line = sd.get(e.num);
      assert.ok(line, `event ${e.num} is numbered as sysdig numbers it`);
      assert.ok(line.startsWith(`${e.num} ${e.ts} ${e.tid} ${eventName(e)} `), `event ${e.num} header: ${line.slice(0, 80)}`);
      // The enter event sysdig printed just before (same thread), whose parameters moved here.
      let enter = '';
      for (let n = e.num - 1; n > 0 && n > e.num - 50; n--) {
        const l = sd.get(n);
        if (l && l.split(' ')[2] === String(e.tid)) {
          if (l.split(' ')[3] === eventName(e)) enter = l;
          break;
        }
      }
      const r = { raw: '', resolved: '' };
      for (let i = 0; i < e.nparams; i++) {
        const name = e.info.params[i]!.name;
        renderParamParts(e, i, undefined, { maxBufLen: 80 }, r);
        if (e.paramLength(i) === 0 || e.info.params[i]!.type === PT.FDLIST) continue;
        const inExit = line.includes(` ${name}=`);
        const inEnter = enter.includes(` ${name}=`);
        if (!inExit && !inEnter) continue; // a parameter this event version did not have
        const tokens = [` ${name}=${r.raw}`];
        if (e.info.params[i]!.type === PT.ERRNO && /^\d+$/.test(r.raw)) tokens.push(` ${name}=${sysdigHex(r.raw)}`);
        const found = tokens.some((token) => `${line} `.includes(token) || `${enter} `.includes(token) || `${line}(`.includes(token));
        assert.ok(found, `event ${e.num}: ${tokens[0]} in\n${line}\n${enter}`);
        if (!inExit) merged++;
        checked++;
      }
    },
  });
  assert.ok(checked > 1000 && merged > 100, `checked ${checked} params, ${merged} from enter events`);
});

test('delivered numbering counts only delivered events', async (t) => {
  const file = peerCapture('curl_google.scap');
  if (!file) return t.skip('../shared/peers/scap is absent');
  let n = 0;
  const s = await readScap(file, { event: (e) => assert.equal(e.num, ++n) }, { numbering: 'delivered' });
  assert.equal(n, s.events);
});

async function readAll(data: Buffer, opts: ScapReadOptions = {}): Promise<{ events: number; error?: unknown }> {
  let events = 0;
  try {
    await readScap(data, { event: () => void events++ }, opts);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

test('truncated captures fail with ScapFormatError after every complete event', async (t) => {
  const file = peerCapture('test_ipv6_client.scap');
  if (!file) return t.skip('../shared/peers/scap is absent');
  const gz = readFileSync(file);
  const plain = gunzipSync(gz);
  const full = (await readAll(plain)).events;
  let prev = 0;
  const cuts = 60;
  for (let k = 1; k < cuts; k++) {
    const cut = Math.floor((plain.length * k) / cuts) + (k % 5);
    const r = await readAll(plain.subarray(0, cut));
    assert.ok(r.error instanceof ScapFormatError, `cut at ${cut}: ${String(r.error)}`);
    assert.ok(r.error.offset <= cut && r.error.offset >= 0, `offset ${r.error.offset} within the file`);
    assert.ok(r.events >= prev && r.events <= full, 'events before the cut are delivered');
    prev = r.events;
  }
  for (let k = 1; k < 20; k++) {
    const cut = Math.floor((gz.length * k) / 20);
    const r = await readAll(gz.subarray(0, cut));
    assert.ok(r.error instanceof ScapFormatError, `gzip cut at ${cut}: ${String(r.error)}`);
    assert.match(r.error.message, /truncated/);
  }
  // A cut exactly between blocks is a complete, shorter capture.
  assert.equal((await readAll(gzipSync(plain))).events, full);
});

test('corrupt captures never throw anything but ScapFormatError', async (t) => {
  const file = peerCapture('curl_google.scap');
  if (!file) return t.skip('../shared/peers/scap is absent');
  const plain = gunzipSync(readFileSync(file));
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let failures = 0;
  for (let k = 0; k < 150; k++) {
    const b = Buffer.from(plain);
    for (let j = 0; j < 4; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    for (const convert of [true, false]) {
      const r = await readAll(b, { convert });
      if (r.error !== undefined) {
        failures++;
        assert.ok(r.error instanceof ScapFormatError, `mutation ${k}: ${String((r.error as Error).stack)}`);
      }
    }
  }
  assert.ok(failures > 0, 'some mutations are detected');
  const notScap = await readAll(Buffer.from('hello world, not a capture'));
  assert.ok(notScap.error instanceof ScapFormatError && /not a scap file/.test(notScap.error.message));
});

test('the async iterator yields tables first, then events through one view', async (t) => {
  const file = peerCapture('single_ipv6_conn.scap');
  if (!file) return t.skip('../shared/peers/scap is absent');
  let first: string | undefined;
  let view: EventView | undefined;
  let events = 0;
  for await (const it of scapItems(file)) {
    first ??= it.kind;
    if (it.kind === 'tables') {
      assert.equal(it.tables.processes.length, 154);
      const p = it.tables.processes.find((x) => x.fds.length > 0)!;
      assert.ok(p.comm.length > 0 && p.fds[0]!.fd >= 0);
      assert.ok(it.tables.users.some((u) => u.uid === 0 && u.name === 'root'));
      assert.ok(it.tables.interfaces.some((i) => i.name === 'lo' && i.addr === '127.0.0.1'));
      assert.equal(it.tables.machine?.hostname, 'ubuntu');
      continue;
    }
    view ??= it.evt;
    assert.equal(it.evt, view, 'the same view every time');
    events++;
  }
  assert.equal(first, 'tables');
  assert.equal(events, 1717);
});
