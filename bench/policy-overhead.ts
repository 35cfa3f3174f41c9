// What an in-kernel TracingPolicy costs a workload, and how fast its Sigkill lands.
//
//   node --import tsx bench/policy-overhead.ts [--rounds N] [--baseline SAKER_POLICY]
//
// CPU ns/op of an lseek loop, an openat+close loop and a fork+exec loop (bench/policy-load.c;
// exec counts the children's CPU, where the sensor's exec and fork programs run) with
//   (a) no policy sensor,
//   (b) the policy sensor attached with no policy: every syscall pays the tp_btf sys_enter
//       program's lookup of its number (the tracepoint floor of this design),
//   (c) the policy sensor with a policy hooking lseek and openat whose selectors match nothing
//       (whence 123456, a path that is never opened): the hook runs its selectors in the kernel
//       and posts nothing,
// printed as (c)/(a), (b)/(a) and (c)/(b); with --baseline, (b) again with another build of
// saker-policy (b0, e.g. main's: no policy is written into it, so its map layouts may differ),
// and (b)/(b0). Rounds rotate the order and medians are kept. Then
// the kill latency of a Sigkill policy on lseek whence 5555: from the child's clock stamp right
// before the syscall to waitpid() returning in its parent, p50 and p99 over 300 kills. Needs root
// and a built policy sensor (make -C sensor).
import { loadPolicyText } from '../src/policy/index.js';
import { probeKernelFeatures } from '../src/policy/index.js';
import { PolicySensor } from '../src/policy/index.js';
import { policySensorPath } from '../src/policy/index.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildTool, median, neighbourNote, percentile, runLoad } from './agent.js';

const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
const argBaseline = process.argv.indexOf('--baseline');
const BASELINE = argBaseline > 0 ? process.argv[argBaseline + 1] : undefined;
const N = { lseek: 2_000_000, openat: 300_000, exec: 1500 } as const;
type Pattern = keyof typeof N;
const PATTERNS = Object.keys(N) as Pattern[];
const KILLS = 300;

const NOMATCH = `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: nomatch}
spec:
  kprobes:
  - call: sys_lseek
    args: [{index: 2, type: int}]
    selectors:
    - matchArgs: [{index: 2, operator: Equal, values: ["123456"]}]
      matchActions: [{action: Sigkill}]
  - call: sys_openat
    args: [{index: 1, type: string}]
    selectors:
    - matchArgs: [{index: 1, operator: Equal, values: ["/nonexistent/saker-bench"]}]
      matchActions: [{action: Sigkill}]
`;
const KILL = `apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata: {name: kill}
spec:
  kprobes:
  - call: sys_lseek
    args: [{index: 2, type: int}]
    selectors:
    - matchArgs: [{index: 2, operator: Equal, values: ["5555"]}]
      matchActions: [{action: Sigkill}, {action: NoPost}]
`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) return console.log('policy-overhead: skipped, needs root');
  if (!existsSync(policySensorPath())) return console.log(`policy-overhead: skipped, ${policySensorPath()} not built (make -C sensor)`);
  const bin = buildTool('policy-load');
  const features = probeKernelFeatures();
  const load = (text: string) => {
    const r = loadPolicyText('bench.yaml', text, { features });
    if (r.loaded.length !== 1) throw new Error(r.file.problems.map((p) => p.message).join('; '));
    return r.loaded;
  };
  const nomatch = load(NOMATCH);
  const before = neighbourNote();
  type Cfg = 'none' | 'floor' | 'nomatch' | 'baseline';
  const cfgs: Cfg[] = BASELINE ? ['none', 'floor', 'nomatch', 'baseline'] : ['none', 'floor', 'nomatch'];
  const samples = Object.fromEntries(PATTERNS.map((p) => [p, { none: [], floor: [], nomatch: [], baseline: [] }])) as unknown as Record<Pattern, Record<Cfg, number[]>>;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cfgs.length; k++) {
      const cfg = cfgs[(k + round) % cfgs.length]!;
      const sensor = cfg === 'none' ? undefined : await PolicySensor.start({ ignorePids: [], onHit: () => {}, binary: cfg === 'baseline' ? BASELINE : undefined });
      if (cfg === 'nomatch') await sensor!.apply(nomatch);
      for (const p of PATTERNS) samples[p][cfg].push((await runLoad(bin, [p, String(N[p])]))[1]!);
      await sensor?.stop();
    }
  }
  const x = (r: number) => `${r.toFixed(2)}x`.padStart(8);
  console.log(`policy overhead, CPU ns per op of the load, medians of ${ROUNDS} rounds`);
  console.log(`${'load'.padEnd(8)} ${'(a) none'.padStart(10)} ${'(b) floor'.padStart(10)} ${'(c) policy'.padStart(11)}   (c)/(a)  (b)/(a)  (c)/(b)${BASELINE ? `  ${'(b0) base'.padStart(10)}  (b)/(b0)` : ''}`);
  const rows: Record<string, unknown> = {};
  for (const p of PATTERNS) {
    const a = median(samples[p].none), b = median(samples[p].floor), c = median(samples[p].nomatch);
    const b0 = BASELINE ? median(samples[p].baseline) : undefined;
    rows[p] = { none: a, floor: b, policy: c, ...(b0 !== undefined ? { baselineFloor: b0 } : {}) };
    console.log(`${p.padEnd(8)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${c.toFixed(1).padStart(11)}  ${x(c / a)} ${x(b / a)} ${x(c / b)}`
      + (b0 !== undefined ? `  ${b0.toFixed(1).padStart(10)}  ${x(b / b0)}` : ''));
  }

  // (the baseline build is not used here: its map layouts may differ from this tree's compiler)
  const sensor = await PolicySensor.start({ ignorePids: [], onHit: () => {} });
  await sensor.apply(load(KILL));
  const out = spawnSync(bin, ['kill', String(KILLS)], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`kill run failed: ${out.stderr}`);
  const lat = out.stdout.trim().split('\n').map(Number);
  const stats = await sensor.stats();
  await sensor.stop();
  const p50 = percentile(lat, 50) / 1000, p99 = percentile(lat, 99) / 1000;
  console.log(`kill latency (syscall entry stamp -> parent's waitpid returns), ${lat.length} kills: p50 ${p50.toFixed(1)} us, p99 ${p99.toFixed(1)} us;` +
    ` enforced in the kernel: ${stats.reduce((n, s) => n + s.enforced, 0)}`);
  console.log(`${before} (before); ${neighbourNote()} (after)`);
  console.log(JSON.stringify({ bench: 'policy-overhead', unit: 'cpu_ns_per_op', rounds: ROUNDS, rows, killLatencyUs: { p50, p99, n: lat.length } }));
}

await main();
