// The TypeScript mirror of policy_shared.h matches the C layout the sensor was built with.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { decodeRecord, encodeHook, encodeNrHooks, encodeSelector, OFF, recordSize, SIZE } from './kernel-layout.js';
import { policySensorPath } from './sensor-path.js';

test('sizes and offsets agree with saker-policy --layout', (t) => {
  if (!existsSync(policySensorPath())) return t.skip(`the policy sensor is not built (${policySensorPath()}): make -C sensor`);
  const c = JSON.parse(spawnSync(policySensorPath(), ['--layout'], { encoding: 'utf8' }).stdout) as Record<string, number>;
  assert.deepEqual({
    ps_hook: SIZE.hook, ps_selector: SIZE.selector, ps_nr_hooks: SIZE.nrHooks, ps_record: SIZE.record, ps_str: SIZE.str, ps_strset: SIZE.strset,
    ps_match_arg: SIZE.matchArg, ps_ns_match: SIZE.nsMatch, ps_counters: SIZE.counters, 'sel.follow_bit': OFF.sel.followBit, 'sel.bin_follow_bit': OFF.sel.binFollowBit, 'sel.cap_mask': OFF.sel.capMask,
    'sel.nactions': OFF.sel.nactions, 'sel.rate_ms': OFF.sel.rateMs, 'sel.ns': OFF.sel.ns, 'sel.match': OFF.sel.match, 'sel.bins': OFF.sel.bins, 'sel.ret_match': OFF.sel.retMatch, 'hook.ret': OFF.hook.ret, 'hook.override': OFF.hook.override, 'sel.nret_actions': OFF.sel.nretActions, 'sel.pbin_follow_bit': OFF.sel.pbinFollowBit, 'hook.workload': OFF.hook.workload, 'ma.field': OFF.ma.field,
    'sel.pbins': OFF.sel.pbins, 'ma.lo': OFF.ma.lo, 'ma.hi': OFF.ma.hi, 'ma.strs': OFF.ma.strs, 'hook.args': OFF.hook.args, 'rec.uid': OFF.rec.uid,
    'rec.args': OFF.rec.args, 'rec.str': OFF.rec.str, 'rec.exe': OFF.rec.exe, 'sel.nsch_op': OFF.sel.nschOp, 'sel.capch_mask': OFF.sel.capchMask, 'hook.host': OFF.hook.host, 'rec.buf_len': OFF.rec.bufLen,
  }, c);
});

test('encoders fill the fixed sizes; a record decodes', () => {
  assert.equal(encodeHook({ policy: 1, monitor: true, nselectors: 2, needExe: false, args: [{ source: 1, index: 2, kind: 0, strSlot: 0 }] }).length, SIZE.hook);
  assert.equal(encodeNrHooks([1, 2]).length, SIZE.nrHooks);
  const sel = encodeSelector({ matches: [{ arg: 0, op: 1, ranges: [[5555n, 5555n]], strings: [] }], pids: undefined, bin: { op: 1, values: ['/bin/x'], followBit: 3 }, pbin: undefined, ns: [], caps: [], actions: [{ action: 3, arg: 0 }], rateMs: 0, rateScope: 0 });
  assert.equal(sel.length, SIZE.selector);
  assert.equal(sel.readBigInt64LE(OFF.sel.match + OFF.ma.lo), 5555n);
  assert.equal(sel.readUInt32LE(OFF.sel.binFollowBit), 3);
  const rec = Buffer.alloc(SIZE.record);
  rec.writeUInt32LE(42, 16);
  rec.writeUInt8(3, 37);
  rec.writeBigInt64LE(-1n, OFF.rec.args);
  rec.writeUInt32LE(4, OFF.rec.exe);
  rec.writeUInt8(1, 39);
  rec.writeBigInt64LE(-2n, OFF.rec.args + 8 * 5);
  rec.write('/bin', OFF.rec.exe + 8);
  const d = decodeRecord(rec);
  assert.deepEqual([d.tgid, d.action, d.args[0], d.exe, d.ret, d.buf.length], [42, 3, -1n, '/bin', -2n, 0]);
  // a char_buf's bytes follow the record: its size says where the next one starts
  const withBuf = Buffer.concat([rec, Buffer.from('hello')]);
  withBuf.writeUInt32LE(5, OFF.rec.bufLen);
  withBuf.writeUInt32LE(9000, OFF.rec.bufLen + 4);
  assert.equal(recordSize(withBuf.subarray(0, SIZE.record - 1)), undefined);
  assert.equal(recordSize(withBuf), SIZE.record + 5);
  const b = decodeRecord(withBuf);
  assert.deepEqual([b.buf.toString(), b.bufOrig], ['hello', 9000]);
});
