// Crafted captures that try to make the reader hold gigabytes: each must be refused (or read)
// with a bounded peak of memory, and fail only with ScapFormatError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGzip, gzipSync } from 'node:zlib';
import { BLOCK, ScapFormatError } from './file-format.js';
import { readScap } from './reader.js';
import { sectionHeaderBlock } from './writer.js';

const sectionHeader = sectionHeaderBlock;

function blockHeader(type: number, len: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  return b;
}

/** gzip of the pieces `gen` yields (compressed as they come: the plain bytes never exist at once). */
async function gzipOf(gen: () => Iterable<Buffer>): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  for (const piece of gen()) if (!gz.write(piece)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}

/** Reads `gz` and returns the error (if any) and the peak of external + array-buffer memory. */
async function readMeasured(gz: Buffer): Promise<{ err: unknown; peakMiB: number; ms: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base));
  const timer = setInterval(sample, 5);
  const t0 = Date.now();
  let err: unknown;
  try {
    await readScap(gz, { event() {}, chunkDone: () => void sample() });
  } catch (e) {
    err = e;
  } finally {
    clearInterval(timer);
  }
  sample();
  return { err, peakMiB: peak / (1 << 20), ms: Date.now() - t0 };
}

const zeros = Buffer.alloc(1 << 20);

test('a 1 GiB block declared in a small gzip is refused at its header', async () => {
  const gz = await gzipOf(function* () {
    yield sectionHeader();
    yield blockHeader(BLOCK.PROCLIST_V1, 0x3fffff00);
    for (let i = 0; i < 64; i++) yield zeros;
  });
  const r = await readMeasured(gz);
  assert.ok(r.err instanceof ScapFormatError, String(r.err));
  assert.match((r.err as Error).message, /exceeds the table block limit/);
  assert.ok(r.peakMiB < 64, `peak ${r.peakMiB.toFixed(1)} MiB`);
});

test('a 1 MiB gzip expanding to 1 GiB of allowed blocks is read with bounded memory, no quadratic copying', async () => {
  const len = (60 << 20) + 12;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(len, 0);
  // One gzip member per block, the same bytes 17 times (a gzip stream may hold many members).
  const block = await gzipOf(function* () {
    yield blockHeader(0x7777, len); // an unknown table block: skipped, as libscap does
    for (let i = 0; i < 60; i++) yield zeros;
    yield trailer;
  });
  const gz = Buffer.concat([gzipSync(sectionHeader()), ...Array<Buffer>(17).fill(block)]);
  assert.ok(gz.length < 1.5 * (1 << 20), `the crafted file is ${gz.length} bytes`);
  const r = await readMeasured(gz);
  assert.equal(r.err, undefined);
  assert.ok(r.peakMiB < 400, `peak ${r.peakMiB.toFixed(1)} MiB for 1 GiB of blocks`);
  assert.ok(r.ms < 30_000, `${r.ms} ms`);
});

test('a process list of millions of tiny entries stops at the process limit', async () => {
  // PROCLIST_V1 entries of 52 bytes: tid, pid, ptid, four empty strings/lists, fdlimit, flags, uid, gid.
  const entry = Buffer.alloc(52);
  const n = 300_000;
  const len = 12 + entry.length * n;
  const gz = await gzipOf(function* () {
    yield sectionHeader();
    yield blockHeader(BLOCK.PROCLIST_V1, len);
    const batch = Buffer.alloc(entry.length * 20_000);
    for (let i = 0; i < n / 20_000; i++) yield batch;
    const t = Buffer.alloc(4);
    t.writeUInt32LE(len, 0);
    yield t;
  });
  const r = await readMeasured(gz);
  assert.ok(r.err instanceof ScapFormatError, String(r.err));
  assert.match((r.err as Error).message, /more than 262144 process entries/);
});
