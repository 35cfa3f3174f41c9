// Read speed of src/capture/scap/reader.ts on a large synthetic capture, side by side with
// sysdig 0.29 reading the same file (`sysdig -r F evt.num=0`: parse + state, no output).
// Usage: node --import tsx bench/scap-read.ts [events]   (default 600k; runs well under a minute)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, eventCode } from '../src/events/index.js';
import { readScap, ScapWriter, SCAP_FD, type ScapProcess } from '../src/capture/scap/index.js';

const N = Number(process.argv[2] ?? 600_000);
const dir = mkdtempSync(join(tmpdir(), 'saker-bench-'));
const file = join(dir, 'bench.scap');

function proc(tid: number): ScapProcess {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: `worker${tid}`, exe: '/usr/bin/worker', exepath: '/usr/bin/worker',
    args: ['--n', String(tid)], env: ['PATH=/usr/bin'], cwd: '/srv/', fdlimit: 1024, flags: 0, uid: 0, gid: 0, vmSizeKb: 0, vmRssKb: 0,
    vmSwapKb: 0, pfMajor: 0n, pfMinor: 0n, vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0,
    loginuid: 0xffffffff, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
    fds: [{ fd: 5, ino: 1n, type: SCAP_FD.FILE_V2, openFlags: 1, name: '/var/log/app.log', dev: 0 }],
  };
}

async function makeCapture(): Promise<void> {
  const w = new ScapWriter(file, { sysdigCompat: true });
  const tids = [100, 101, 102, 103];
  w.writeTables({ processes: tids.map(proc), users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }], groups: [], interfaces: [] });
  const openat = eventCode('openat');
  const read = eventCode('read');
  const close = eventCode('close');
  const data = Buffer.from('some payload bytes of a read call, about eighty bytes long ..................');
  let ts = 1700000000000000000n;
  for (let i = 0; i < N; i++) {
    const tid = tids[i & 3]!;
    ts += 1000n;
    const k = i % 3;
    const rec = k === 0
      ? encodeEvent({ ts, tid, type: openat, params: [7, -100, '/etc/hosts', 1, 0, 0x803, 42] })
      : k === 1
        ? encodeEvent({ ts, tid, type: read, params: [data.length, data, 5, 4096] })
        : encodeEvent({ ts, tid, type: close, params: [0, 7] });
    w.writeEvent(rec, i & 1);
    if (w.wantsFlush) await w.flush();
  }
  await w.close();
}

async function timeReader(convert: boolean): Promise<{ events: number; ms: number }> {
  let sum = 0;
  const t0 = process.hrtime.bigint();
  const s = await readScap(file, { event: (e) => void (sum += e.type + e.tid) }, { convert });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (sum === 0) throw new Error('no events');
  return { events: s.events, ms };
}

function timeSysdig(): { ms: number } | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sysdig', ['-r', file, 'evt.num=0'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

try {
  await makeCapture();
  const mb = statSync(file).size / 1e6;
  console.log(`capture: ${N} events, ${mb.toFixed(1)} MB (openat/read/close in sysdig 0.29 layouts)`);
  await timeReader(false); // warm-up (JIT)
  // Without conversion the reader does what sysdig does with this file: parse every block.
  const ours = await timeReader(false);
  const rate = (ours.events / ours.ms) * 1000;
  console.log(`saker reader.ts (convert: false): ${ours.ms.toFixed(0)} ms, ${(rate / 1e6).toFixed(2)} M events/s, ${((mb / ours.ms) * 1000).toFixed(0)} MB/s`);
  // With conversion every event is rewritten to the current layout (these sysdig-era events lack newer params).
  const conv = await timeReader(true);
  console.log(`saker reader.ts (convert: true):  ${conv.ms.toFixed(0)} ms, ${((conv.events / conv.ms) / 1e3).toFixed(2)} M events/s`);
  const sd = timeSysdig();
  if (!sd) console.log('sysdig: not available, no ratio');
  else {
    const sdRate = (N / sd.ms) * 1000;
    console.log(`sysdig -r F evt.num=0: ${sd.ms.toFixed(0)} ms, ${(sdRate / 1e6).toFixed(2)} M events/s`);
    console.log(`ratio saker/sysdig (events/s): ${(rate / sdRate).toFixed(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
