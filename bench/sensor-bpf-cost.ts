// Kernel time of the sensor's BPF programs per syscall, apart from everything else on the machine.
//
//   node --import tsx bench/sensor-bpf-cost.ts [--rounds N] [--sensor PATH]
//
// (--sensor: another build of saker-sensor, for before/after comparisons.)
// With kernel.bpf_stats_enabled the kernel adds up run_time_ns and run_cnt per program; the
// sys_exit dispatcher's figures include the handlers it runs in place or tail-calls. The sensor
// streams openat and close (read by a cat-like sink, not decoded) while bench/load.c runs
//   getppid     not captured: the dispatcher's bitmap test, the floor every syscall pays,
//   closebad    close(-1): one small event,
//   openclose   openat(/dev/null) + close: two events,
// and the ns per run are read around each load. Derived: what the close and openat handlers
// add to the floor. The neighbours' syscalls also run the dispatcher (their share of runs is
// small next to the load's) but do not slow these figures the way they slow CPU-time ones, so
// this is the before/after measure for kernel-side work. bpf_stats itself adds two clock reads
// per run, which sit in the floor. The previous bpf_stats_enabled value is restored at the end.
// Needs root, bpftool and a built sensor; exits 0 with a message otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { LiveSensor } from '../src/capture/live/sensor.js';
import { buildTool, liveUnavailable, median, neighbourNote } from './agent.js';

const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
const argSensor = process.argv.indexOf('--sensor');
const SENSOR = argSensor > 0 ? process.argv[argSensor + 1] : undefined;
const PATTERNS = ['getppid', 'closebad', 'openclose'] as const;
type Pattern = (typeof PATTERNS)[number];
const N: Record<Pattern, number> = { getppid: 1_000_000, closebad: 500_000, openclose: 300_000 };
const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

interface ProgStats { id: number; name: string; run_time_ns?: number; run_cnt?: number }

function progs(): ProgStats[] {
  const r = spawnSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bpftool prog show: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as ProgStats[];
}

function statsOf(id: number): { ns: number; runs: number } {
  const p = progs().find((x) => x.id === id);
  if (!p) throw new Error(`BPF program ${id} is gone`);
  return { ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 };
}

function runLoad(bin: string, pattern: Pattern): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [pattern, String(N[pattern])], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`load exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`sensor-bpf-cost: skipped, ${why}`);
  if (spawnSync('bpftool', ['version']).status !== 0) return console.log('sensor-bpf-cost: skipped, needs bpftool');
  const bin = buildTool('load');
  const previous = readFileSync(STATS_SYSCTL, 'utf8').trim();
  const samples = Object.fromEntries(PATTERNS.map((p) => [p, [] as number[]])) as Record<Pattern, number[]>;
  writeFileSync(STATS_SYSCTL, '1');
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const before = new Set(progs().filter((p) => p.name === 'sys_exit').map((p) => p.id));
      const sensor = await LiveSensor.start({ binary: SENSOR, syscalls: ['openat', 'close'], onEvent: () => {} });
      try {
        const mine = progs().filter((p) => p.name === 'sys_exit' && !before.has(p.id));
        if (mine.length !== 1) throw new Error(`cannot tell this sensor's sys_exit program apart (${mine.length} new)`);
        const id = mine[0]!.id;
        for (const p of PATTERNS) {
          const a = statsOf(id);
          await runLoad(bin, p);
          const b = statsOf(id);
          samples[p].push((b.ns - a.ns) / Math.max(1, b.runs - a.runs));
        }
      } finally {
        await sensor.stop();
      }
    }
  } finally {
    writeFileSync(STATS_SYSCTL, previous);
  }
  const m = Object.fromEntries(PATTERNS.map((p) => [p, median(samples[p])])) as Record<Pattern, number>;
  const floor = m.getppid;
  const close = m.closebad - floor;
  const openat = 2 * m.openclose - m.closebad - floor; // openclose averages an openat run and a close run
  console.log(`sensor BPF cost: kernel ns per sys_exit run (handlers included), median of ${ROUNDS} rounds`);
  for (const p of PATTERNS) console.log(`${p.padEnd(10)} ${m[p].toFixed(0).padStart(5)} ns/run   [${samples[p].map((x) => x.toFixed(0)).join(' ')}]`);
  console.log(`added to the floor: close ${close.toFixed(0)} ns, openat ${openat.toFixed(0)} ns, openat+close ${(close + openat).toFixed(0)} ns per op`);
  console.log(neighbourNote());
  console.log(JSON.stringify({ bench: 'sensor-bpf-cost', unit: 'ns_per_run', rounds: ROUNDS, runs: m, added: { close, openat } }));
}

await main();
