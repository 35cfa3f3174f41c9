// What the whole agent costs a workload, against the tracepoint floor.
//
//   node --import tsx bench/agent-overhead.ts [--rounds N] [--before DIR] [--only CONFIGS]
//
// CPU ns/op of a getppid loop and an openat+close loop of /dev/null (bench/load.c) with
//   (a) no agent,
//   (b) `saker run` with the built-in rules (it captures openat and close: 2 events per op),
//   (c) the sensor attached with an empty syscall set: what every syscall pays once the
//       tracepoint is attached, whatever the rules (the floor),
//   (d) the sensor alone streaming openat and close to a consumer that drops them: the kernel
//       side's whole cost (its programs and their after-effects) without the engine,
//   (e) as (d) with a build of the same sources that reads no clock and copies no path
//       (SAKER_PRICE_NO_CLOCK, SAKER_PRICE_NO_USER_PATH): (d) - (e) is what the work every
//       libs-format event must do costs the load, set against the goal's budget, 10% of (c),
//   (b') (b) with the open prefilter off (prefilter.enabled=false), and (u) / (u') `saker run`
//       with the upstream Falco rules (../shared/peers/falco-rules) with the prefilter on / off,
//       each with the agent's own CPU per syscall of the load,
//   (f) where Falco is built, falco-live (its modern eBPF probe, stock falco.yaml) with the upstream
//       rules, in the same rotation: the load against (a) and (c), Falco's CPU per syscall of the
//       load and its drops beside Saker's (said so when it is not there),
//   (B) / (U) with --before DIR: `saker run` of another built checkout (its bundle and its sensor,
//       its default options) with the built-in / upstream rules, in the same rotation: before/after,
// printed as (b)/(a), (c)/(a), (b)/(c) and (d)/(c). --only none,floor,agent,... runs a subset
// (none and floor always: the ratios need them). (b) against (d) is what the engine adds. Each round runs the three configurations in a rotated
// order and the medians over rounds are kept, so a neighbour's load shifts all of them alike.
// The load's CPU time (it includes the BPF programs run on its syscalls) is the primary figure;
// the agent's and the sensor's own CPU per op during (b) are printed beside it, since on a
// 2-CPU machine they compete with the workload too. Needs root and a built sensor.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LiveSensor } from '../src/capture/live/index.js';
import { FalcoLive, falcoLiveUnavailable, FalcoStartError, type FalcoCounters } from './falco-live.js';
import { Agent, buildTool, cpuMsOf, liveUnavailable, loadCpuNsPerOp, median as medianOf, neighbourNote, pricingBuild, upstreamRules, type AgentSummary } from './agent.js';

const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
const PATTERNS = ['getppid', 'openclose'] as const;
type Pattern = (typeof PATTERNS)[number];
const N: Record<Pattern, number> = { getppid: 2_000_000, openclose: 300_000 };
const argBefore = process.argv.indexOf('--before');
const BEFORE = argBefore > 0 ? process.argv[argBefore + 1] : undefined;
const argOnly = process.argv.indexOf('--only');
const ONLY = argOnly > 0 ? new Set(['none', 'floor', ...process.argv[argOnly + 1]!.split(',')]) : undefined;
const ALL_CONFIGS = ['none', 'agent', 'agentOff', 'upstream', 'upstreamOff', 'before', 'upstreamBefore', 'floor', 'sensor', 'bare', 'falco'] as const;
type Config = (typeof ALL_CONFIGS)[number];
/** The `saker run` configurations: rules (undefined: the built-in ones), options, and the CLI of
 *  another checkout (undefined: this one's sources). */
const AGENTS: Partial<Record<Config, { rules?: string[]; options: string[]; entry?: string }>> = {
  agent: { options: ['prefilter.enabled=true'] },
  agentOff: { options: ['prefilter.enabled=false'] },
};
const upstream = upstreamRules();
if (upstream) {
  AGENTS.upstream = { rules: upstream, options: ['prefilter.enabled=true'] };
  AGENTS.upstreamOff = { rules: upstream, options: ['prefilter.enabled=false'] };
}
if (BEFORE) {
  const entry = join(BEFORE, 'bin', 'saker.js');
  if (!existsSync(join(BEFORE, 'dist', 'bundle', 'saker.cjs'))) throw new Error(`${BEFORE}: not built (npm run build there)`);
  AGENTS.before = { options: [], entry };
  if (upstream) AGENTS.upstreamBefore = { rules: upstream, options: [], entry };
}
const FALCO_WHY = upstream ? falcoLiveUnavailable() : '../shared/peers/falco-rules is absent';
const CONFIGS = ALL_CONFIGS.filter((c) => (!c.startsWith('upstream') || upstream) && (c !== 'falco' || !FALCO_WHY) &&
  (!c.endsWith('efore') || BEFORE) && (!ONLY || ONLY.has(c)));

/** The median; NaN for a configuration --only left out. */
const median = (xs: readonly number[]): number => (xs.length > 0 ? medianOf(xs) : NaN);

/** CPU ns per op of one run of the load program. */
function load(bin: string, pattern: Pattern): Promise<number> {
  return loadCpuNsPerOp(bin, pattern, N[pattern]);
}

interface Samples {
  cpu: Record<Pattern, Record<Config, number[]>>;
  /** Agent (Node) and sensor CPU ns per op of the load, per agent configuration. */
  agentCpu: Record<Pattern, Record<Config, number[]>>;
  sensorCpu: Record<Pattern, Record<Config, number[]>>;
  agentRuns: Partial<Record<Config, AgentSummary[]>>;
  falcoRuns: FalcoCounters[];
  /** Rounds whose falco-live did not start, and why. */
  falcoFailures: string[];
}

async function runConfig(bin: string, bare: string, config: Config, s: Samples): Promise<void> {
  if (config === 'none') {
    for (const p of PATTERNS) s.cpu[p].none.push(await load(bin, p));
  } else if (config === 'falco') {
    let falco: FalcoLive;
    try {
      falco = await FalcoLive.start(upstream!);
    } catch (e) {
      if (!(e instanceof FalcoStartError)) throw e;
      s.falcoFailures.push(e.message);
      return;
    }
    const first = falco.counters();
    for (const p of PATTERNS) {
      const f0 = falco.cpuMs();
      s.cpu[p].falco.push(await load(bin, p));
      await settle(falco.pid);
      s.agentCpu[p].falco.push(((falco.cpuMs() - f0) * 1e6) / N[p]);
    }
    const last = await falco.stop();
    s.falcoRuns.push({ events: last.events - first.events, drops: last.drops - first.drops, processed: last.processed - first.processed });
  } else if (config === 'floor' || config === 'sensor' || config === 'bare') {
    const syscalls = config === 'floor' ? [] : ['openat', 'close'];
    const sensor = await LiveSensor.start({ binary: config === 'bare' ? bare : undefined, syscalls, onEvent: () => {} });
    for (const p of PATTERNS) s.cpu[p][config].push(await load(bin, p));
    await sensor.stop();
  } else {
    const agent = await Agent.start(AGENTS[config]);
    const sensorPid = agent.sensorPid;
    for (const p of PATTERNS) {
      const a0 = cpuMsOf(agent.pid);
      const s0 = cpuMsOf(sensorPid);
      s.cpu[p][config].push(await load(bin, p));
      await settle(agent.pid); // the agent may still be working through the backlog
      s.agentCpu[p][config].push(((cpuMsOf(agent.pid) - a0) * 1e6) / N[p]);
      s.sensorCpu[p][config].push(((cpuMsOf(sensorPid) - s0) * 1e6) / N[p]);
    }
    (s.agentRuns[config] ??= []).push(await agent.stop());
  }
}

/** Waits until the agent's CPU time stops growing (it has drained what was captured). */
async function settle(pid: number): Promise<void> {
  let last = cpuMsOf(pid);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuMsOf(pid);
    if (now - last <= 2) return; // ≤ 2% of a CPU: idle
    last = now;
  }
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`agent-overhead: skipped, ${why}`);
  const bin = buildTool('load');
  const bare = pricingBuild('no-clock-no-user-path', '-DSAKER_PRICE_NO_CLOCK -DSAKER_PRICE_NO_USER_PATH');
  const empty = (): Record<Config, number[]> => Object.fromEntries(ALL_CONFIGS.map((c) => [c, []])) as unknown as Record<Config, number[]>;
  const s: Samples = {
    cpu: { getppid: empty(), openclose: empty() },
    agentCpu: { getppid: empty(), openclose: empty() },
    sensorCpu: { getppid: empty(), openclose: empty() },
    agentRuns: {},
    falcoRuns: [],
    falcoFailures: [],
  };
  const before = neighbourNote();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < CONFIGS.length; i++) await runConfig(bin, bare, CONFIGS[(r + i) % CONFIGS.length]!, s);
  }
  console.log(`agent overhead: CPU ns/op of the load, median of ${ROUNDS} rounds, configurations interleaved`);
  console.log('  (a) none, (b) saker run with the built-in rules, (c) sensor attached, empty syscall set (floor),');
  console.log('  (d) sensor alone streaming openat and close to a consumer that drops them, (e) as (d) without clock reads and path copy');
  console.log('pattern      (a) none  (b) agent  (c) floor (d) sensor    b/a     c/a     b/c     d/c   agent+sensor CPU ns/op during (b)');
  const x = (v: number): string => `${v.toFixed(2)}×`.padStart(7);
  const rows: Record<string, unknown> = {};
  for (const p of PATTERNS) {
    const a = median(s.cpu[p].none), b = median(s.cpu[p].agent), c = median(s.cpu[p].floor), d = median(s.cpu[p].sensor);
    const ag = median(s.agentCpu[p].agent), se = median(s.sensorCpu[p].agent);
    rows[p] = { none: a, agent: b, floor: c, sensorAlone: d, agentNodeCpu: ag, sensorCpu: se };
    console.log(`${p.padEnd(10)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${c.toFixed(1).padStart(10)} ${d.toFixed(1).padStart(10)}` +
      ` ${x(b / a)} ${x(c / a)} ${x(b / c)} ${x(d / c)}` +
      `   ${ag.toFixed(0)} + ${se.toFixed(0)}`);
  }
  const floor = median(s.cpu.openclose.floor), budget = 0.1 * floor;
  const sensorAlone = median(s.cpu.openclose.sensor), bareSensor = median(s.cpu.openclose.bare);
  const mandatory = sensorAlone - bareSensor;
  const agentOver = median(s.cpu.openclose.agent) - floor;
  console.log(`openclose: the goal's budget is 10% of (c) = ${budget.toFixed(0)} ns per op; the agent adds ${agentOver.toFixed(0)} (${(agentOver / budget).toFixed(2)} of it).` +
    ` (e) ${bareSensor.toFixed(1)}: the clock reads and path copy every libs event needs cost the load (d) - (e) = ${mandatory.toFixed(0)} ns per op,` +
    ` ${(mandatory / budget).toFixed(2)} of the budget by themselves`);
  rows.openclose = { ...(rows.openclose as object), bareSensor, budget, mandatory };
  // the open prefilter: each `saker run` configuration against (a) and (c), and what the agent
  // itself spends per syscall of the load (openclose: 2 syscalls per op, getppid: 1)
  const SYSCALLS_PER_OP: Record<Pattern, number> = { getppid: 1, openclose: 2 };
  const LABEL: Partial<Record<Config, string>> = {
    agent: '(b)  built-in, prefilter on ', agentOff: "(b') built-in, prefilter off",
    upstream: '(u)  upstream, prefilter on ', upstreamOff: "(u') upstream, prefilter off",
    before: '(B)  built-in, --before     ', upstreamBefore: '(U)  upstream, --before     ',
  };
  const prefilter: Record<string, Record<string, unknown>> = {};
  console.log('prefilter: the load with each saker run configuration, against no agent (a) and the floor (c); agent (Node) and sensor CPU per syscall of the load');
  for (const p of PATTERNS) {
    const a = median(s.cpu[p].none), c = median(s.cpu[p].floor);
    for (const cfg of CONFIGS.filter((k) => AGENTS[k])) {
      const b = median(s.cpu[p][cfg]);
      const perSyscall = (v: number[]) => (median(v) / SYSCALLS_PER_OP[p]).toFixed(0);
      const runs = s.agentRuns[cfg] ?? [];
      (prefilter[p] ??= {})[cfg] = { cpu: b, vsNone: b / a, vsFloor: b / c, agentCpuPerSyscall: Number(perSyscall(s.agentCpu[p][cfg])),
        sensorCpuPerSyscall: Number(perSyscall(s.sensorCpu[p][cfg])), events: runs.reduce((n, r) => n + r.events, 0) };
      console.log(`  ${p.padEnd(10)} ${LABEL[cfg]} ${b.toFixed(1).padStart(8)} ns/op  ${x(b / a)} no agent  ${x(b / c)} floor` +
        `   agent ${perSyscall(s.agentCpu[p][cfg]).padStart(5)} + sensor ${perSyscall(s.sensorCpu[p][cfg]).padStart(4)} ns CPU per syscall;` +
        ` ${runs.reduce((n, r) => n + r.events, 0)} events reached the engine, ${runs.reduce((n, r) => n + r.drops, 0)} dropped`);
    }
  }
  if (!upstream) console.log('  (u), (u\'): ../shared/peers/falco-rules is absent, not measured');
  let falcoRow: Record<string, unknown> | string = FALCO_WHY ?? '';
  if (FALCO_WHY) console.log(`  (f) falco-live: skipped, ${FALCO_WHY}`);
  else if (s.falcoRuns.length === 0) {
    falcoRow = `falco-live did not start: ${s.falcoFailures.at(-1) ?? ''}`;
    console.log(`  (f) falco-live: not measured, it did not start in any round (${s.falcoFailures.at(-1) ?? ''})`);
  } else {
    if (s.falcoFailures.length > 0) console.log(`  (f) falco-live did not start in ${s.falcoFailures.length} round(s): ${s.falcoFailures.at(-1)}`);
    const f = s.falcoRuns.reduce((a, r) => ({ events: a.events + r.events, drops: a.drops + r.drops, processed: a.processed + r.processed }), { events: 0, drops: 0, processed: 0 });
    falcoRow = { runs: f };
    for (const p of PATTERNS) {
      const a = median(s.cpu[p].none), c = median(s.cpu[p].floor), b = median(s.cpu[p].falco);
      const perSyscall = median(s.agentCpu[p].falco) / SYSCALLS_PER_OP[p];
      falcoRow[p] = { cpu: b, vsNone: b / a, vsFloor: b / c, falcoCpuPerSyscall: perSyscall };
      console.log(`  ${p.padEnd(10)} (f)  falco-live, upstream      ${b.toFixed(1).padStart(8)} ns/op  ${x(b / a)} no agent  ${x(b / c)} floor   falco ${perSyscall.toFixed(0).padStart(5)} ns CPU per syscall`);
    }
    console.log(`  (f) runs: falco's probe saw ${f.events} events, its engine processed ${f.processed}, ${f.drops} dropped in its ring buffers` +
      ` (Saker's upstream runs: ${(s.agentRuns.upstreamOff ?? []).reduce((n, r) => n + r.drops, 0)} dropped with the prefilter off)`);
  }
  const builtinRuns = s.agentRuns.agent ?? [];
  const drops = builtinRuns.reduce((n, r) => n + r.drops, 0);
  const events = builtinRuns.reduce((n, r) => n + r.events, 0);
  console.log(`(b) runs: ${events} events reached the engine, ${drops} dropped in the kernel` +
    (drops > 0 ? ' (the flat-out openclose loop outran the agent; drops cost the load less than records)' : ''));
  console.log(`${before} (before); ${neighbourNote()} (after)`);
  console.log(JSON.stringify({ bench: 'agent-overhead', unit: 'cpu_ns_per_op', rounds: ROUNDS, rows, prefilter, falco: falcoRow, events, drops }));
}

await main();
