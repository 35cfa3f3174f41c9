// What the eBPF sensor costs the workload, and how many events it can carry.
//
//   node --import tsx bench/sensor-overhead.ts [--quick] [--sensor PATH]
//
// (--sensor: another build of saker-sensor, for before/after comparisons.)
//
// CPU ns/op of a getppid loop and an openat+close loop (bench/load.c) with
//   (a) no sensor,
//   (b) the sensor attached with an empty syscall set: the tracepoint floor every syscall pays,
//   (c) the sensor streaming openat/close to this process, which decodes every parameter,
// printed as ratios to (a) and (b). The three configurations are interleaved within each of
// 3 rounds and the medians kept, so a neighbour's load shifts all of them alike. CPU time of the
// load process (the BPF programs run on its syscalls, so they are counted) is used rather than
// wall time, which on a shared 2-CPU machine mostly measures the neighbours. Then the highest
// event rate delivered to Node without a single kernel drop (close(-1) loops in 1 and 2
// processes, wall clock). Needs root and a built sensor; exits 0 with a message otherwise.
import { PT, type EventView } from '../src/events/index.js';
import { LiveSensor, type SensorStats } from '../src/capture/live/index.js';
import { buildTool, liveUnavailable, loadCpuNsPerOp, median } from './agent.js';

const quick = process.argv.includes('--quick');
const argSensor = process.argv.indexOf('--sensor');
const SENSOR = argSensor > 0 ? process.argv[argSensor + 1] : undefined;
const REPS = 3;
const N = { getppid: quick ? 500_000 : 2_000_000, openclose: quick ? 100_000 : 300_000 };

/** Runs `procs` copies of the load at once (asynchronously: this process keeps reading the
 *  sensor meanwhile); returns the mean ns/op they report and the wall time. */
async function load(bin: string, pattern: string, n: number, procs = 1): Promise<{ cpuNsPerOp: number; wallMs: number }> {
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: procs }, () => loadCpuNsPerOp(bin, pattern, n)));
  return { cpuNsPerOp: results.reduce((a, b) => a + b, 0) / procs, wallMs: performance.now() - t0 };
}

/** Reads every parameter the way the engine would (numbers, strings); returns a checksum so
 *  the work cannot be optimised away. */
function decodeAll(v: EventView): number {
  let acc = v.tid + v.type;
  const params = v.info.params;
  for (let i = 0; i < v.nparams; i++) {
    const t = params[i]!.type;
    if (t === PT.CHARBUF || t === PT.FSPATH || t === PT.FSRELPATH) acc += v.str(i).length;
    else if (v.paramLength(i) <= 8) acc += v.int(i);
    else acc += v.paramLength(i);
  }
  return acc;
}

type Pattern = 'getppid' | 'openclose';
const PATTERNS: readonly Pattern[] = ['getppid', 'openclose'];

/** One round: (a), then one sensor for (b) and, after switching its syscall set, (c). */
async function round(bin: string, samples: Record<Pattern, Record<'none' | 'floor' | 'stream', number[]>>): Promise<SensorStats> {
  for (const p of PATTERNS) samples[p].none.push((await load(bin, p, N[p])).cpuNsPerOp);
  let checksum = 0;
  const sensor = await LiveSensor.start({ binary: SENSOR, syscalls: [], onEvent: (v) => { checksum += decodeAll(v); } });
  for (const p of PATTERNS) samples[p].floor.push((await load(bin, p, N[p])).cpuNsPerOp);
  await sensor.setSyscalls(['openat', 'close']);
  for (const p of PATTERNS) samples[p].stream.push((await load(bin, p, N[p])).cpuNsPerOp);
  const stats = await sensor.stop(); // a failed load ends this process, and the sensor sees EOF
  if (checksum === 0.5) console.log('unreachable');
  return stats;
}

async function rate(bin: string, procs: number): Promise<{ procs: number; rate: number; received: number; drops: number }> {
  let checksum = 0;
  const sensor = await LiveSensor.start({ binary: SENSOR, syscalls: ['close'], onEvent: (v) => { checksum += decodeAll(v); } });
  const { wallMs } = await load(bin, 'closebad', quick ? 500_000 : 2_000_000, procs);
  const stats = await sensor.stop();
  if (checksum === 0.5) console.log('unreachable');
  return { procs, rate: stats.received / (wallMs / 1000), received: stats.received, drops: stats.drops };
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`sensor-overhead: skipped, ${why}`);
  const bin = buildTool('load');
  const samples = Object.fromEntries(PATTERNS.map((p) => [p, { none: [], floor: [], stream: [] }])) as unknown as
    Record<Pattern, Record<'none' | 'floor' | 'stream', number[]>>;
  let streamed = 0;
  let dropped = 0;
  for (let i = 0; i < REPS; i++) {
    const stats = await round(bin, samples);
    streamed += stats.received;
    dropped += stats.drops;
  }
  const rows = Object.fromEntries(PATTERNS.map((p) => [p, {
    none: median(samples[p].none), floor: median(samples[p].floor), stream: median(samples[p].stream),
  }])) as Record<Pattern, { none: number; floor: number; stream: number }>;

  console.log(`sensor overhead: CPU ns/op of the load, median of ${REPS} interleaved rounds (openclose = 2 events/op)`);
  console.log('pattern     (a) none   (b) floor  (c) stream    b/a     c/a     c/b');
  for (const p of PATTERNS) {
    const r = rows[p];
    const x = (v: number): string => `${v.toFixed(2)}×`.padStart(7);
    console.log(`${p.padEnd(10)} ${r.none.toFixed(1).padStart(9)} ${r.floor.toFixed(1).padStart(10)} ${r.stream.toFixed(1).padStart(11)}` +
      ` ${x(r.floor / r.none)} ${x(r.stream / r.none)} ${x(r.stream / r.floor)}`);
  }
  console.log(`streaming: ${streamed} events decoded in Node, ${dropped} dropped in the kernel`);

  console.log('\nevent rate into Node (close(-1) loops; every event decoded)');
  const rates = [];
  for (const procs of [1, 2]) {
    const r = await rate(bin, procs);
    rates.push(r);
    console.log(`${procs} load process(es): ${(r.rate / 1e6).toFixed(2)} M events/s delivered (${r.received} events), ${r.drops} drops`);
  }
  const clean = rates.filter((r) => r.drops === 0);
  const best = clean.length ? Math.max(...clean.map((r) => r.rate)) : 0;
  console.log(`max sustained rate with zero drops: ${best ? `${(best / 1e6).toFixed(2)} M events/s` : 'not reached (drops in every run)'}`);
  console.log(JSON.stringify({ bench: 'sensor-overhead', unit: 'cpu_ns_per_op', rows, maxZeroDropRate: Math.round(best), rates }));
}

await main();
