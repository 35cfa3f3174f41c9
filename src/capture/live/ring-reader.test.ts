import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRingReader, openRings, ringReaderPath } from './ring-reader.js';

const built = existsSync(ringReaderPath());
const skipUnbuilt = built ? false : `the ring reader is not built (${ringReaderPath()}: no Node headers when the sensor was built)`;

test('an addon that is missing or not the ring reader is reported, not loaded', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saker-ring-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = loadRingReader(join(dir, 'saker-ring.node'));
  assert.ok('reason' in missing && /is not built/.test(missing.reason));
  const junk = join(dir, 'junk.node');
  writeFileSync(junk, 'not a shared object');
  const bad = loadRingReader(junk);
  assert.ok('reason' in bad && bad.reason.startsWith(`cannot load ${junk}: `), JSON.stringify(bad));
});

test('a ring description that is incomplete or names no map of ours is refused with what is wrong', { skip: skipUnbuilt }, () => {
  const loaded = loadRingReader();
  assert.ok('addon' in loaded);
  const buffer = Buffer.alloc(256 * 1024);
  const pace = { pollMs: 5, batchUs: 1000 };
  assert.throws(() => openRings(loaded.addon, process.pid, undefined, buffer, pace, () => {}), /did not describe its rings \(chunks_fd, overflow_fd/);
  const fds = { chunks_fd: 0, overflow_fd: 1, bss_fd: 2 };
  assert.throws(() => openRings(loaded.addon, process.pid, { ...fds, chunks_map: 1, overflow_map: 2, bss_map: 3, ring_pos_offset: 0, wake_offset: -1, chunk_bits: 5, cpus: 2 }, buffer, pace, () => {}), /\(wake_offset\)/);
  // map ids nobody has (ids count up from 1 and are never this large here)
  const none = { ...fds, chunks_map: 0x7ffffff0, overflow_map: 0x7ffffff1, bss_map: 0x7ffffff2, ring_pos_offset: 0, wake_offset: 0, chunk_bits: 5, cpus: 2 };
  // this process's stdio: taken, but not those maps
  assert.throws(() => openRings(loaded.addon, process.pid, none, buffer, pace, () => {}), /cannot map the sensor's rings: Invalid argument/);
  // a process that is gone: neither way gets anything
  const gone = spawnSync('true').pid;
  const byId = process.geteuid?.() === 0 ? 'No such file or directory' : 'Operation not permitted';
  assert.throws(() => openRings(loaded.addon, gone, none, buffer, pace, () => {}), new RegExp(`cannot take the sensor's maps \\(pidfd_getfd: No such process; by id: ${byId}\\)`));
  assert.throws(() => openRings(loaded.addon, process.pid, { ...none, cpus: 1 }, Buffer.alloc(1024), pace, () => {}), /must hold the largest record/);
});
