// Resident memory of `saker run`, idle and under load, with the built-in rules and with the
// upstream Falco ruleset (../shared/peers/falco-rules; that half is skipped when absent).
//
//   node --import tsx bench/agent-memory.ts [--rate OPS] [--seconds S] [--rounds N] [--before DIR]
//
// The agent runs as it is deployed: `node bin/saker.js run` (the bundle `npm run build` makes; the
// sources through tsx would add tsx's own memory), with the sensor it finds. For each ruleset: start
// the agent, let it idle 2 s, read VmRSS (idle); then run the open/close load (bench/load.c
// openrate, 2 processes, OPS open+close pairs per second, i.e. 2×OPS events/s) for S seconds
// sampling VmRSS every 100 ms (the largest sample is "under load"); VmHWM (peak RSS since start) at
// the end, and the sensor's VmRSS (its rings are mapped into it). --before DIR runs another built
// checkout's agent (DIR/bin/saker.js, its own sensor) in the same interleaved rounds and prints
// the ratios. Goals (issue 15): agent <= 100 MB idle and under load with the upstream rules,
// sensor <= 32 MB. Needs root and a built sensor.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, ROOT, buildTool, liveUnavailable, mb, median, memoryOf, neighbourNote, openRate, sleep, upstreamRules, numberArg } from './agent.js';

const RATE = numberArg('--rate', 100_000);
const SECONDS = numberArg('--seconds', 5);
const ROUNDS = numberArg('--rounds', 1);
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? process.argv[beforeAt + 1] : undefined;
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/dev/null'];

interface MemoryRow {
  tree: string;
  rules: string;
  idleRssKb: number;
  loadRssKb: number;
  hwmKb: number;
  sensorRssKb: number;
  events: number;
  drops: number;
}

async function measure(bin: string, tree: string, entry: string, name: string, rules: string[] | undefined): Promise<MemoryRow> {
  const agent = await Agent.start({ rules, entry });
  await sleep(2000);
  const idle = memoryOf(agent.pid);
  let loadRss = idle.rssKb;
  const sampler = setInterval(() => (loadRss = Math.max(loadRss, memoryOf(agent.pid).rssKb)), 100);
  await openRate(bin, RATE, SECONDS, 2, PATHS);
  await sleep(300);
  clearInterval(sampler);
  const end = memoryOf(agent.pid);
  const sensorRssKb = memoryOf(agent.sensorPid).rssKb;
  const sum = await agent.stop();
  return { tree, rules: name, idleRssKb: idle.rssKb, loadRssKb: Math.max(loadRss, end.rssKb), hwmKb: end.hwmKb, sensorRssKb, events: sum.events, drops: sum.drops };
}

/** Newest modification time under a directory, ms. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  return t;
}

/** bin/saker.js of a built checkout; throws when its bundle is missing or older than its sources. */
function builtEntry(root: string): string {
  const bundle = join(root, 'dist', 'bundle', 'saker.cjs');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(join(root, 'src'))) throw new Error(`${root}: the bundle is missing or older than src/: run npm run build there`);
  return join(root, 'bin', 'saker.js');
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`agent-memory: skipped, ${why}`);
  const bin = buildTool('load');
  const trees: Array<[string, string]> = [['this', builtEntry(ROOT)]];
  if (BEFORE) trees.push(['before', builtEntry(BEFORE)]);
  console.log(`agent memory: VmRSS idle, largest VmRSS under ${RATE / 1000}k open+close/s for ${SECONDS} s, VmHWM at the end; ` +
    `node bin/saker.js run; medians of ${ROUNDS} interleaved round(s)`);
  console.log(neighbourNote());
  const sets: Array<[string, string[] | undefined]> = [['built-in', undefined]];
  const upstream = upstreamRules();
  if (upstream) sets.push(['upstream', upstream]);
  else console.log('upstream ruleset: skipped, ../shared/peers/falco-rules not found (set SAKER_SHARED)');
  const samples = new Map<string, MemoryRow[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, rules] of sets) {
      for (const [tree, entry] of r % 2 ? [...trees].reverse() : trees) {
        const row = await measure(bin, tree, entry, name, rules);
        const key = `${tree}/${name}`;
        samples.set(key, [...(samples.get(key) ?? []), row]);
      }
    }
  }
  const med = (rows: MemoryRow[], k: keyof MemoryRow): number => median(rows.map((x) => x[k] as number));
  const rows: MemoryRow[] = [...samples.values()].map((rs) => ({
    ...rs[0]!, idleRssKb: med(rs, 'idleRssKb'), loadRssKb: med(rs, 'loadRssKb'), hwmKb: med(rs, 'hwmKb'), sensorRssKb: med(rs, 'sensorRssKb'),
    events: med(rs, 'events'), drops: med(rs, 'drops'),
  }));
  console.log('tree     rules        idle RSS   load RSS   peak (HWM)   sensor RSS   events (drops)');
  for (const r of rows) {
    console.log(`${r.tree.padEnd(8)} ${r.rules.padEnd(10)} ${mb(r.idleRssKb).padStart(10)} ${mb(r.loadRssKb).padStart(10)} ${mb(r.hwmKb).padStart(12)} ${mb(r.sensorRssKb).padStart(12)}   ${r.events} (${r.drops})`);
  }
  if (BEFORE) {
    for (const [name] of sets) {
      const a = rows.find((r) => r.tree === 'this' && r.rules === name)!, b = rows.find((r) => r.tree === 'before' && r.rules === name)!;
      const x = (k: keyof MemoryRow): string => `${((a[k] as number) / (b[k] as number)).toFixed(2)}x`;
      console.log(`${name}: this / before: idle ${x('idleRssKb')}, load ${x('loadRssKb')}, peak ${x('hwmKb')}, sensor ${x('sensorRssKb')}`);
    }
  }
  console.log(neighbourNote());
  console.log(JSON.stringify({ bench: 'agent-memory', rate: RATE, seconds: SECONDS, rounds: ROUNDS, rows }));
}

await main();
