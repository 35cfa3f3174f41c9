import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeEvent, eventCode } from '../../events/index.js';
import { RecordSplitter, RecordStreamError } from './record-splitter.js';

// Three records of different sizes, back to back, as the sensor writes them.
function stream(): { bytes: Buffer; lengths: number[] } {
  const records = [
    encodeEvent({ ts: 1n, tid: 10, type: eventCode('close'), params: [0, 3] }),
    encodeEvent({ ts: 2n, tid: 11, type: eventCode('openat'), params: [3, -100, '/etc/hostname', 1, 0, 0, 42] }),
    encodeEvent({ ts: 3n, tid: 12, type: eventCode('close'), params: [-9, 77] }),
  ];
  return { bytes: Buffer.concat(records), lengths: records.map((r) => r.length) };
}

function collect(chunks: Buffer[]): Array<{ tid: number; len: number }> {
  const out: Array<{ tid: number; len: number }> = [];
  const splitter = new RecordSplitter();
  for (const c of chunks) {
    splitter.push(c, (buf, start) => out.push({ tid: Number(buf.readBigInt64LE(start + 8)), len: buf.readUInt32LE(start + 16) }));
  }
  return out;
}

test('records in one chunk come out in order, in place', () => {
  const { bytes, lengths } = stream();
  const seen: number[] = [];
  new RecordSplitter().push(bytes, (buf, start) => {
    assert.equal(buf, bytes); // no copy
    seen.push(start);
  });
  assert.deepEqual(seen, [0, lengths[0], lengths[0]! + lengths[1]!]);
});

test('every split point, including inside the length field, reassembles the same records', () => {
  const { bytes, lengths } = stream();
  for (let cut = 1; cut < bytes.length; cut++) {
    const got = collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(got.map((r) => r.tid), [10, 11, 12], `cut at ${cut}`);
    assert.deepEqual(got.map((r) => r.len), lengths, `cut at ${cut}`);
  }
});

test('one byte at a time', () => {
  const { bytes } = stream();
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  assert.deepEqual(collect(chunks).map((r) => r.tid), [10, 11, 12]);
});

test('a partial record is held until the rest arrives', () => {
  const { bytes, lengths } = stream();
  const splitter = new RecordSplitter();
  const tids: number[] = [];
  const sink = (buf: Buffer, start: number): void => void tids.push(Number(buf.readBigInt64LE(start + 8)));
  splitter.push(bytes.subarray(0, lengths[0]! + 5), sink);
  assert.deepEqual(tids, [10]);
  splitter.push(bytes.subarray(lengths[0]! + 5), sink);
  assert.deepEqual(tids, [10, 11, 12]);
});

test('a corrupt length is reported with its stream offset', () => {
  const bad = Buffer.alloc(40);
  bad.writeUInt32LE(3, 16); // shorter than a header
  assert.throws(() => new RecordSplitter().push(bad, () => {}), (err: unknown) => {
    assert.ok(err instanceof RecordStreamError);
    assert.match(err.message, /record length 3 at byte 0/);
    return true;
  });
});

test('reads into one reused buffer: a record cut by a read is copied, its bytes survive the next read', () => {
  const { bytes, lengths } = stream();
  const shared = Buffer.alloc(bytes.length);
  const splitter = new RecordSplitter();
  const seen: Array<{ buf: Buffer; start: number }> = [];
  const records: Buffer[] = [];
  const sink = (buf: Buffer, start: number): void => {
    seen.push({ buf, start });
    records.push(Buffer.from(buf.subarray(start, start + buf.readUInt32LE(start + 16))));
  };
  // the first read ends 5 bytes into the second record; the buffer is then filled with the rest
  const cut = lengths[0]! + 5;
  bytes.copy(shared, 0, 0, cut);
  splitter.push(shared, sink, cut);
  shared.fill(0xa5);
  bytes.copy(shared, 0, cut);
  splitter.push(shared, sink, bytes.length - cut);
  assert.deepEqual(records, [0, 1, 2].map((i) => bytes.subarray(lengths.slice(0, i).reduce((a, b) => a + b, 0), lengths.slice(0, i + 1).reduce((a, b) => a + b, 0))));
  assert.equal(seen[0]!.buf, shared); // whole records are handed out in place
  assert.notEqual(seen[1]!.buf, shared); // the cut one from the splitter's own copy
  assert.equal(seen[2]!.buf, shared);
  assert.equal(seen[2]!.start, lengths[1]! - 5);
});

test('only the first `length` bytes of a read are records', () => {
  const { bytes } = stream();
  const big = Buffer.alloc(bytes.length + 64, 0xff); // stale bytes past the read
  bytes.copy(big);
  const tids: number[] = [];
  new RecordSplitter().push(big, (buf, start) => void tids.push(Number(buf.readBigInt64LE(start + 8))), bytes.length);
  assert.deepEqual(tids, [10, 11, 12]);
});
