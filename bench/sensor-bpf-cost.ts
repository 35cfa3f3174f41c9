// Kernel time of the sensor's BPF programs per syscall, apart from everything else on the machine,
// and what its two mandatory pieces of work cost against the overhead budget.
//
//   node --import tsx bench/sensor-bpf-cost.ts [--rounds N] [--sensor PATH] [--before PATH] [--prefilter]
//
// (--sensor: another build of saker-sensor measured instead; --before: another build measured in
// the same rounds beside it, with the ratio of what the handlers add; no pricing with either.
// --prefilter: each build also runs with the open prefilter of the built-in rules installed, under
// which the load's opens of /dev/null and their closes stay in the kernel: what deciding that
// costs against sending them.)
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
// per run, which sit in the floor.
//
// Pricing: every libs event carries a timestamp and an openat its path as the caller passed it,
// so each open/close op must read the clock twice (bpf_ktime_get_boot_ns: no cheaper ns clock is
// callable from tracing programs) and copy one string from user memory. Two builds of the same
// sources, each without one of those (SAKER_PRICE_NO_CLOCK, SAKER_PRICE_NO_USER_PATH: records
// stay the same size), run in the same rounds; the differences are their prices. They are set
// against bench/agent-overhead's goal, 10% of the open/close op with the floor sensor attached
// (empty syscall set), measured here first with bpf_stats off.
// The previous bpf_stats_enabled value is restored at the end.
// Needs root, bpftool, make and clang (the pricing builds) and a built sensor; exits 0 with a
// message otherwise.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveSensor, prefilterCommands } from '../src/capture/live/index.js';
import { deriveOpenPrefilter, loadRulesFiles } from '../src/rules/index.js';
import { buildTool, liveUnavailable, ROOT, loadCpuNsPerOp, median, neighbourNote, pricingBuild } from './agent.js';

const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
const argSensor = process.argv.indexOf('--sensor');
const SENSOR = argSensor > 0 ? process.argv[argSensor + 1] : undefined;
const argBefore = process.argv.indexOf('--before');
const BEFORE = argBefore > 0 ? process.argv[argBefore + 1] : undefined;
const PREFILTER = process.argv.includes('--prefilter');
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

/** The BPF programs process `pid` holds open (its fdinfo), so another sensor started meanwhile
 *  by a neighbour is not mistaken for this one; empty when that cannot be read. */
function progIdsHeldBy(pid: number): Set<number> {
  const ids = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    }
  } catch {
    ids.clear();
  }
  return ids;
}

/** One run of the load; the CPU ns per op it printed. */
function runLoad(bin: string, pattern: Pattern): Promise<number> {
  return loadCpuNsPerOp(bin, pattern, N[pattern]);
}

type Build = 'full' | 'before' | 'noClock' | 'noUserPath' | 'fullPrefilter' | 'beforePrefilter';
type PerRun = Record<Pattern, number>;

/** ns added to the floor by the close and openat handlers, from per-run medians. */
function added(m: PerRun): { close: number; openat: number; op: number } {
  const close = m.closebad - m.getppid;
  const openat = 2 * m.openclose - m.closebad - m.getppid; // openclose averages an openat run and a close run
  return { close, openat, op: close + openat };
}

/** CPU ns per open/close op of the load with the floor sensor attached (nothing captured). */
async function floorOp(bin: string, binary: string | undefined): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sensor = await LiveSensor.start({ binary, syscalls: [], onEvent: () => {} });
    try {
      samples.push(await runLoad(bin, 'openclose'));
    } finally {
      await sensor.stop();
    }
  }
  return median(samples);
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`sensor-bpf-cost: skipped, ${why}`);
  if (spawnSync('bpftool', ['version']).status !== 0) return console.log('sensor-bpf-cost: skipped, needs bpftool');
  const bin = buildTool('load');
  const binaries: Partial<Record<Build, string | undefined>> = { full: SENSOR };
  if (BEFORE !== undefined) binaries.before = BEFORE;
  else if (SENSOR === undefined) {
    binaries.noClock = pricingBuild('no-clock', '-DSAKER_PRICE_NO_CLOCK');
    binaries.noUserPath = pricingBuild('no-user-path', '-DSAKER_PRICE_NO_USER_PATH');
  }
  let prefilterLines: string[] = [];
  if (PREFILTER) {
    const loaded = await loadRulesFiles([join(ROOT, 'rules', 'saker_rules.yaml')]);
    const d = deriveOpenPrefilter(loaded.ruleset.enabledRules());
    if ('off' in d) throw new Error(`the built-in rules give no prefilter: ${d.off}`);
    prefilterLines = prefilterCommands(d.table);
    binaries.fullPrefilter = binaries.full;
    if (BEFORE !== undefined) binaries.beforePrefilter = BEFORE;
  }
  const builds = Object.keys(binaries) as Build[];
  const previous = readFileSync(STATS_SYSCTL, 'utf8').trim();
  writeFileSync(STATS_SYSCTL, '0');
  const floor = await floorOp(bin, SENSOR);
  const samples = Object.fromEntries(builds.map((b) => [b, Object.fromEntries(PATTERNS.map((p) => [p, [] as number[]]))])) as Record<Build, Record<Pattern, number[]>>;
  writeFileSync(STATS_SYSCTL, '1');
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const build of builds) {
        const before = new Set(progs().filter((p) => p.name === 'sys_exit').map((p) => p.id));
        const sensor = await LiveSensor.start({ binary: binaries[build], syscalls: ['openat', 'close'], onEvent: () => {} });
        try {
          if (build.endsWith('Prefilter')) await sensor.prefilter(prefilterLines);
          const held = progIdsHeldBy(sensor.pid);
          const mine = progs().filter((p) => p.name === 'sys_exit' && !before.has(p.id) && (held.size === 0 || held.has(p.id)));
          if (mine.length !== 1) throw new Error(`cannot tell this sensor's sys_exit program apart (${mine.length} new)`);
          const id = mine[0]!.id;
          for (const p of PATTERNS) {
            const a = statsOf(id);
            await runLoad(bin, p);
            const b = statsOf(id);
            samples[build][p].push((b.ns - a.ns) / Math.max(1, b.runs - a.runs));
          }
        } finally {
          await sensor.stop();
        }
      }
    }
  } finally {
    writeFileSync(STATS_SYSCTL, previous);
  }
  const runs = Object.fromEntries(builds.map((b) => [b, Object.fromEntries(PATTERNS.map((p) => [p, median(samples[b][p])]))])) as Record<Build, PerRun>;
  const full = added(runs.full);
  console.log(`sensor BPF cost: kernel ns per sys_exit run (handlers included), median of ${ROUNDS} rounds`);
  for (const p of PATTERNS) console.log(`${p.padEnd(10)} ${runs.full[p].toFixed(0).padStart(5)} ns/run   [${samples.full[p].map((x) => x.toFixed(0)).join(' ')}]`);
  console.log(`added to the floor: close ${full.close.toFixed(0)} ns, openat ${full.openat.toFixed(0)} ns, openat+close ${full.op.toFixed(0)} ns per op`);
  if (runs.before) {
    const before = added(runs.before);
    for (const p of PATTERNS) console.log(`before ${p.padEnd(10)} ${runs.before[p].toFixed(0).padStart(5)} ns/run   [${samples.before[p].map((x) => x.toFixed(0)).join(' ')}]`);
    console.log(`before: added to the floor: close ${before.close.toFixed(0)} ns, openat ${before.openat.toFixed(0)} ns, openat+close ${before.op.toFixed(0)} ns per op;` +
      ` this / before: openat ${(full.openat / before.openat).toFixed(2)}, openat+close ${(full.op / before.op).toFixed(2)}`);
  }
  for (const build of ['fullPrefilter', 'beforePrefilter'] as const) {
    const m = runs[build];
    if (!m) continue;
    const a = added(m);
    console.log(`${build === 'fullPrefilter' ? 'this' : 'before'} with the built-in rules' prefilter (opens of /dev/null and their closes stay):` +
      ` ${PATTERNS.map((p) => `${p} ${m[p].toFixed(0)}`).join(', ')} ns/run; added to the floor: close ${a.close.toFixed(0)}, openat ${a.openat.toFixed(0)},` +
      ` openat+close ${a.op.toFixed(0)} ns per op; against sending them ${(a.op / added(runs[build === 'fullPrefilter' ? 'full' : 'before']).op).toFixed(2)}`);
  }
  const budget = 0.1 * floor;
  console.log(`overhead budget (bench/agent-overhead's goal, 10% of the floor): 0.10 x ${floor.toFixed(0)} ns per open/close op = ${budget.toFixed(0)} ns;` +
    ` the handlers use ${(full.op / budget).toFixed(2)} of it`);
  let prices: { clock: number; userPath: number } | undefined;
  if (runs.noClock && runs.noUserPath) {
    prices = { clock: full.op - added(runs.noClock).op, userPath: full.op - added(runs.noUserPath).op };
    const mandatory = prices.clock + prices.userPath;
    console.log(`priced by builds without them: clock reads ${prices.clock.toFixed(0)} ns per op (2 events, ${(prices.clock / 2).toFixed(0)} each),` +
      ` user path copy ${prices.userPath.toFixed(0)} ns, everything else ${(full.op - mandatory).toFixed(0)} ns`);
    console.log(`mandatory work (clock reads + path copy) alone: ${mandatory.toFixed(0)} ns = ${(mandatory / budget).toFixed(2)} of the budget`);
  }
  console.log(neighbourNote());
  console.log(JSON.stringify({ bench: 'sensor-bpf-cost', unit: 'ns_per_run', rounds: ROUNDS, runs: runs.full, added: { close: full.close, openat: full.openat },
    floorOpNs: floor, budgetNs: budget, prices, before: runs.before, prefilter: PREFILTER ? { this: runs.fullPrefilter, before: runs.beforePrefilter } : undefined, pricingRuns: SENSOR === undefined && BEFORE === undefined ? { noClock: runs.noClock, noUserPath: runs.noUserPath } : undefined }));
}

await main();
