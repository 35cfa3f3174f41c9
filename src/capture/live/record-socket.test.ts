import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { recordSocketPair } from './record-socket.js';

test('a child writing to the pair: every byte arrives in the one buffer, the stream ends with the child', async () => {
  const buffer = Buffer.alloc(64 * 1024);
  const hash = createHash('sha256');
  let bytes = 0;
  let reads = 0;
  const pair = await recordSocketPair(buffer, (n) => {
    hash.update(buffer.subarray(0, n));
    bytes += n;
    reads++;
    buffer.fill(0); // what a reader that reuses the buffer does to it: the next read must not mind
  });
  // 4 MiB of a known pattern, more than the socket holds: the child blocks until this side reads
  const size = 4 << 20;
  const script = `const b = Buffer.alloc(${size}); for (let i = 0; i < b.length; i++) b[i] = (i * 7) & 255; require('fs').writeSync(1, b);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', pair.writer, 'inherit'] });
  pair.writer.destroy();
  const ended = new Promise<void>((resolve) => pair.reader.once('close', () => resolve()));
  const [code] = await Promise.all([new Promise((resolve) => child.once('exit', resolve)), ended]);
  assert.equal(code, 0);
  const expected = Buffer.alloc(size);
  for (let i = 0; i < size; i++) expected[i] = (i * 7) & 255;
  assert.equal(bytes, size);
  assert.ok(reads > 1, 'more than one read');
  assert.equal(hash.digest('hex'), createHash('sha256').update(expected).digest('hex'));
});
