import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presetBytes, ringSizes } from './ring-sizes.js';
import { loadConfig } from '../../config/index.js';

test('Falco buffer presets: index 1..10 is 1 MiB .. 512 MiB, 0 and 11 refused', () => {
  assert.equal(presetBytes(1), 1 << 20);
  assert.equal(presetBytes(4), 8 << 20);
  assert.equal(presetBytes(10), 512 << 20);
  assert.throws(() => presetBytes(0), /1\.\.10/);
  assert.throws(() => presetBytes(11), /1\.\.10/);
});

test('no preset: the sensor sizes its rings itself', () => {
  assert.equal(ringSizes({}, 2), undefined);
});

test('modern_ebpf: a buffer serves cpus_for_each_buffer CPUs (default 2, 0: all), its bytes are shared out', () => {
  // Falco's default, preset 4 (8 MiB) per 2 CPUs: 4 MiB per CPU ring, a 4 MiB overflow ring
  assert.deepEqual(ringSizes({ preset: 4 }, 2), { cpuRingKb: 4096, overflowMb: 4 });
  assert.deepEqual(ringSizes({ kind: 'modern_ebpf', preset: 4, cpusForEachBuffer: 1 }, 8), { cpuRingKb: 8192, overflowMb: 8 });
  assert.deepEqual(ringSizes({ preset: 4, cpusForEachBuffer: 0 }, 8), { cpuRingKb: 1024, overflowMb: 1 });
  // more CPUs per buffer than the host has: all of them
  assert.deepEqual(ringSizes({ preset: 3, cpusForEachBuffer: 16 }, 2), { cpuRingKb: 2048, overflowMb: 2 });
  // never below one 256 KiB chunk; the overflow ring at least 1 MiB and at most 64
  assert.deepEqual(ringSizes({ preset: 1, cpusForEachBuffer: 0 }, 64), { cpuRingKb: 256, overflowMb: 1 });
  assert.deepEqual(ringSizes({ preset: 10, cpusForEachBuffer: 1 }, 2), { cpuRingKb: 512 * 1024, overflowMb: 64 });
});

test('kmod and ebpf presets are per CPU', () => {
  assert.deepEqual(ringSizes({ kind: 'kmod', preset: 2, cpusForEachBuffer: 4 }, 4), { cpuRingKb: 2048, overflowMb: 2 });
  assert.deepEqual(ringSizes({ kind: 'ebpf', preset: 5 }, 4), { cpuRingKb: 16384, overflowMb: 16 });
});

test('the configuration reads the preset of the engine kind in use, and refuses one out of range', () => {
  assert.deepEqual(loadConfig({ overrides: ['engine.modern_ebpf.buf_size_preset=3', 'engine.modern_ebpf.cpus_for_each_buffer=1'] }).buffers,
    { kind: 'modern_ebpf', preset: 3, cpusForEachBuffer: 1 });
  assert.deepEqual(loadConfig({ overrides: ['engine.kind=kmod', 'engine.kmod.buf_size_preset=2', 'engine.modern_ebpf.buf_size_preset=7'] }).buffers,
    { kind: 'kmod', preset: 2, cpusForEachBuffer: undefined });
  assert.equal(loadConfig().buffers.preset, undefined);
  assert.throws(() => loadConfig({ overrides: ['engine.modern_ebpf.buf_size_preset=0'] }), /buf_size_preset/);
  assert.throws(() => loadConfig({ overrides: ['engine.modern_ebpf.buf_size_preset=11'] }), /buf_size_preset/);
});
