// The highest rate of relevant events `saker run` sustains with zero kernel drops, with the
// full upstream Falco ruleset (../shared/peers/falco-rules; skipped with a message if absent).
//
//   node --import tsx bench/agent-throughput.ts [--window S] [--procs P] [--before DIR]
//
// Relevant events are those that reach the engine and are evaluated against rules: the load
// (bench/load.c openrate, P processes) opens and closes files the upstream open rules look at
// (below /etc, /usr/lib, /proc), so each op is one openat evaluated against every openat rule
// plus one close the state tracker consumes (no upstream rule is indexed under close). Each level
// runs a fresh agent for a window of S seconds at a target rate; the rate is ramped up by
// doubling until drops appear (or the load cannot go faster), then bisected between the last
// clean and the first dropping level. The achieved rate (ops the load really did / window) is
// what counts. --before DIR: at every level, right after this tree's run, the same target with
// another built checkout's agent (DIR/bin/saker.js with its own sensor; this tree then runs its
// built bin/saker.js too), and the ratio of their CPU per event. Goal (issue 15): <= 250 ns of
// agent CPU per event. Where Falco is built (falco-live, ../shared/tools/README-falco.md), every
// level also runs it with the same rules and target, right after Saker: the rate its load
// achieved, its drops beside Saker's, its CPU per event processed. Needs root and a built sensor.
import { join } from 'node:path';
import { FalcoLive, falcoLiveUnavailable, FalcoStartError } from './falco-live.js';
import { Agent, ROOT, buildTool, cpuMsOf, gcsIn, liveUnavailable, memoryOf, neighbourNote, openRate, sleep, upstreamRules, numberArg } from './agent.js';

const WINDOW_S = numberArg('--window', 4);
const PROCS = numberArg('--procs', 2);
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? join(process.argv[beforeAt + 1]!, 'bin', 'saker.js') : undefined;
/** This tree's agent: its built CLI when compared with another built one, else the sources. */
const THIS = BEFORE ? join(ROOT, 'bin', 'saker.js') : undefined;
const START_RATE = 100_000; // openat/s
const BISECT_STEPS = 3;
/** Files below the directories the upstream rules test (sensitive files, binary dirs, /proc). */
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/etc/ld.so.cache', '/proc/self/stat', '/dev/null'];

interface Level {
  target: number;
  /** openat events/s the load achieved (each followed by a close). */
  openat: number;
  /** All events that reached the engine during the run, per second of window. */
  engine: number;
  drops: number;
  alerts: number;
  /** Agent (Node) CPU during the window, in % of one CPU. */
  agentCpuPct: number;
  sensorCpuPct: number;
  hwmKb: number;
  /** Young-generation collections of the agent that started in the window, and their pauses:
   *  the price of per-event garbage. */
  scavenges: number;
  scavengeMs: number;
}

/** A level; run again once when it dropped while the agent got less than 90% of a CPU (the
 *  neighbours, not the agent, set the limit then). */
async function level(bin: string, rules: string[], target: number): Promise<Level> {
  let l = await levelOnce(bin, rules, target, THIS);
  if (l.drops > 0 && l.agentCpuPct < 90) {
    show(l);
    console.log('  starved: running this level again');
    l = await levelOnce(bin, rules, target, THIS);
  }
  show(l);
  if (!FALCO_WHY) await falcoLevel(bin, rules, target);
  if (BEFORE) {
    const b = await levelOnce(bin, rules, target, BEFORE);
    console.log(`  before: openat ${k(b.openat)}/s, engine ${k(b.engine)} events/s, drops ${b.drops}, agent CPU ${b.agentCpuPct.toFixed(0)}% ` +
      `(${cpuPerEvent(b).toFixed(0)} ns/event), ${scavengeText(b)}; this / before CPU per event: ${(cpuPerEvent(l) / cpuPerEvent(b)).toFixed(2)}x`);
  }
  return l;
}

const FALCO_WHY = falcoLiveUnavailable();

/** Falco with the same rules at the same target: its drops and CPU beside Saker's. */
async function falcoLevel(bin: string, rules: string[], target: number): Promise<void> {
  let falco: FalcoLive;
  try {
    falco = await FalcoLive.start(rules);
  } catch (e) {
    if (!(e instanceof FalcoStartError)) throw e;
    return console.log(`  falco:  not measured at this level, ${e.message}`);
  }
  const c0 = falco.cpuMs(), before = falco.counters();
  const r = await openRate(bin, target, WINDOW_S, PROCS, PATHS);
  const c1 = falco.cpuMs();
  const after = await falco.stop();
  const windowMs = r.wallNs / 1e6;
  const processed = after.processed - before.processed, drops = after.drops - before.drops;
  const cpuPct = ((c1 - c0) / windowMs) * 100;
  console.log(`  falco:  openat ${k(r.ops / (windowMs / 1000))}/s, processed ${k(processed / (windowMs / 1000))} events/s, drops ${drops} ` +
    `(of ${after.events - before.events}), CPU ${cpuPct.toFixed(0)}% (${processed > 0 ? (((c1 - c0) * 1e6) / processed).toFixed(0) : '-'} ns/event processed)`);
}

async function levelOnce(bin: string, rules: string[], target: number, entry: string | undefined): Promise<Level> {
  const agent = await Agent.start({ rules, entry, recordGc: true });
  await sleep(300);
  const sensorPid = agent.sensorPid;
  const a0 = cpuMsOf(agent.pid), s0 = cpuMsOf(sensorPid), from = Date.now();
  const r = await openRate(bin, target, WINDOW_S, PROCS, PATHS);
  const a1 = cpuMsOf(agent.pid), s1 = cpuMsOf(sensorPid), to = Date.now();
  const hwmKb = memoryOf(agent.pid).hwmKb;
  const sum = await agent.stop();
  const windowMs = r.wallNs / 1e6;
  const gc = gcsIn(sum.gcs, from, to);
  return {
    target, openat: r.ops / (windowMs / 1000), engine: sum.events / (windowMs / 1000), drops: sum.drops, alerts: sum.alerts,
    agentCpuPct: ((a1 - a0) / windowMs) * 100, sensorCpuPct: ((s1 - s0) / windowMs) * 100, hwmKb, scavenges: gc.minor, scavengeMs: gc.minorPauseMs,
  };
}

const k = (n: number): string => `${(n / 1000).toFixed(0)}k`;

/** The load window's scavenges, per 100k events the engine took in that window, and their pauses. */
function scavengeText(l: Level): string {
  const events = l.engine * WINDOW_S;
  return `scavenges ${l.scavenges} (${((l.scavenges / events) * 1e5).toFixed(2)} per 100k events, ${l.scavengeMs.toFixed(0)} ms)`;
}

/** Agent CPU time per event that reached the engine, ns: what the agent needs whatever the
 *  machine's load (the zero-drop rate also depends on how much CPU the neighbours leave it). */
const cpuPerEvent = (l: Level): number => (l.agentCpuPct / 100) * (1e9 / l.engine);

function show(l: Level): void {
  console.log(`target ${k(l.target).padStart(6)}/s: openat ${k(l.openat).padStart(5)}/s, engine ${k(l.engine).padStart(5)} events/s, ` +
    `drops ${String(l.drops).padStart(7)}, alerts ${l.alerts}, agent CPU ${l.agentCpuPct.toFixed(0)}% (${cpuPerEvent(l).toFixed(0)} ns/event), ` +
    `sensor CPU ${l.sensorCpuPct.toFixed(0)}%, ${scavengeText(l)}` + (l.drops > 0 && l.agentCpuPct < 90 ? ' (drops with the agent below 90% of a CPU: it was starved)' : ''));
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`agent-throughput: skipped, ${why}`);
  const rules = upstreamRules();
  if (!rules) return console.log('agent-throughput: skipped, ../shared/peers/falco-rules not found (set SAKER_SHARED)');
  const bin = buildTool('load');
  console.log(`agent throughput: upstream rules, ${PROCS} load processes opening ${PATHS.join(' ')}, ${WINDOW_S} s windows`);
  console.log(neighbourNote());
  if (FALCO_WHY) console.log(`falco column: skipped, ${FALCO_WHY}`);
  const levels: Level[] = [];
  let good: Level | undefined;
  let bad: Level | undefined;
  for (let target = START_RATE; ; target *= 2) {
    const l = await level(bin, rules, target);
    levels.push(l);
    if (l.drops > 0) {
      bad = l;
      break;
    }
    good = l;
    if (l.openat < target * 0.9) {
      console.log(`the load cannot go faster (${k(l.openat)}/s of ${k(target)}/s): limited by the generator and the CPUs`);
      break;
    }
  }
  if (bad) {
    let lo = good?.target ?? 0, hi = bad.target;
    for (let i = 0; i < BISECT_STEPS; i++) {
      const mid = Math.round((lo + hi) / 2);
      const l = await level(bin, rules, mid);
      levels.push(l);
      if (l.drops === 0) {
        lo = mid;
        if (!good || l.openat > good.openat) good = l;
      } else hi = mid;
    }
  }
  if (good) {
    // Both halves of an op are relevant events: the in-kernel filter passes the close because
    // the fd state the rules read needs it. The openat figure is the stricter one.
    console.log(`highest rate with zero drops: ${k(good.engine)} relevant events/s into the engine ` +
      `(${k(good.openat)} openat/s evaluated against the rules, each with its close), ${good.drops} drops; ` +
      `goal 1M events/s: ${(good.engine / 1e6).toFixed(2)}× (openat alone ${(good.openat / 1e6).toFixed(2)}×)`);
    // at the busiest clean level: fixed costs (timers, per-read overhead) weigh least there
    const ns = cpuPerEvent(good);
    console.log(`agent CPU per engine event at that rate: ${ns.toFixed(0)} ns, i.e. at most ` +
      `${k(1e9 / ns)} events/s (${k(1e9 / ns / 2)} openat/s with their closes) on one CPU of its own`);
  } else console.log(`drops even at ${k(START_RATE)} openat/s`);
  console.log(neighbourNote());
  console.log(JSON.stringify({ bench: 'agent-throughput', windowS: WINDOW_S, procs: PROCS, best: good ?? null, levels }));
}

await main();
