// Floods against the live agent with the upstream Falco rules, 60 s each (FLOOD_SECONDS to
// change): a bounded fork bomb (up to 4000 short-lived processes, each leaving an orphan), 64
// processes opening fds until their 65536 limit over and over, and 4 processes creating and
// removing distinct files as fast as they can. Every 10 s it prints the agent's RSS (and the
// sensor's); at the end of each flood the events, alerts and kernel drops the agent reports, and
// whether its peak RSS stayed under the cap the tables' bounds are sized for (RSS_CAP_MB, default
// 1024 MB: 262144 threads, 4096 fds per process and 2^20 over all, 4096 containers).
//
//   node --import tsx bench/flood.ts [fork|fds|paths]...
import { spawn } from 'node:child_process';
import { Agent, buildTool, liveUnavailable, mb, memoryOf, neighbourNote, sleep, upstreamRules } from './agent.js';

const SECONDS = Number(process.env.FLOOD_SECONDS ?? 60);
const RSS_CAP_KB = Number(process.env.RSS_CAP_MB ?? 1024) * 1024;

interface Flood {
  name: string;
  what: string;
  args: string[];
}

const FLOODS: Flood[] = [
  { name: 'fork', what: 'fork bomb (bounded: 4000 alive, each with an orphan)', args: ['fork', String(SECONDS), '4000'] },
  { name: 'fds', what: '64 processes opening fds to their limit (65536), again and again', args: ['fds', String(SECONDS), '64'] },
  { name: 'paths', what: '4 processes creating and removing distinct files', args: ['paths', String(SECONDS), '4'] },
];

/** Runs one flood under a fresh agent; true when the agent's peak RSS stayed under the cap. */
interface FloodResult {
  flood: string;
  ops: number;
  events: number;
  alerts: number;
  drops: number;
  peakRssMb: number;
  capMb: number;
}

async function flood(f: Flood, load: string, rules: string[], results: FloodResult[]): Promise<boolean> {
  const agent = await Agent.start({ rules, options: ['rule_matching=all'] });
  const base = memoryOf(agent.pid).rssKb;
  console.log(`\n== ${f.name}: ${f.what}\n   agent RSS at start ${mb(base)}`);
  const child = spawn(load, f.args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let ops = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (ops += s));
  const done = new Promise<true>((resolve) => child.once('close', () => resolve(true)));
  const t0 = Date.now();
  let peak = base;
  for (let s = 1; ; s++) {
    const finished = await Promise.race([done, sleep(1000).then(() => false)]);
    const m = memoryOf(agent.pid);
    const sensor = agent.sensorPid ? memoryOf(agent.sensorPid).rssKb : 0;
    peak = Math.max(peak, m.hwmKb);
    if (s % 10 === 0 || finished) {
      console.log(`   t=${String(Math.round((Date.now() - t0) / 1000)).padStart(3)} s  agent RSS ${mb(m.rssKb).padStart(9)}  (sensor ${mb(sensor)})`);
    }
    if (finished) break;
  }
  // Whatever is still in the pipe is processed before the agent reports.
  await sleep(2000);
  const summary = await agent.stop();
  const ok = peak <= RSS_CAP_KB;
  console.log(`   load: ${ops.trim()} operations in ${SECONDS} s`);
  console.log(`   agent: ${summary.events} events, ${summary.alerts} alerts, ${summary.drops} dropped in the kernel (counted)`);
  console.log(`   peak RSS ${mb(peak)} ${ok ? '<=' : '>'} cap ${mb(RSS_CAP_KB)}: ${ok ? 'ok' : 'OVER'}`);
  results.push({ flood: f.name, ops: Number(ops.trim()), events: summary.events, alerts: summary.alerts, drops: summary.drops,
    peakRssMb: Math.round(peak / 1024), capMb: Math.round(RSS_CAP_KB / 1024) });
  return ok;
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) {
    console.log(`flood: skipped (${why})`);
    return;
  }
  const rules = upstreamRules();
  if (!rules) {
    console.log('flood: skipped (the upstream rules in ../shared/peers/falco-rules are absent; set SAKER_SHARED)');
    return;
  }
  const load = buildTool('flood-load');
  const only = process.argv.slice(2);
  console.log(`flood: ${SECONDS} s each, upstream rules (${rules.length} files), RSS cap ${mb(RSS_CAP_KB)}; ${neighbourNote()}`);
  let over = 0;
  const results: FloodResult[] = [];
  for (const f of FLOODS) {
    if (only.length > 0 && !only.includes(f.name)) continue;
    if (!(await flood(f, load, rules, results))) over++;
  }
  console.log(JSON.stringify({ bench: 'flood', seconds: SECONDS, results }));
  process.exitCode = over === 0 ? 0 : 1;
}

await main();
