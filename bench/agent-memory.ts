// Resident memory of `saker run`, idle and under load, with the built-in rules and with the
// upstream Falco ruleset (../shared/peers/falco-rules; that half is skipped when absent).
//
//   node --import tsx bench/agent-memory.ts [--rate OPS] [--seconds S]
//
// For each ruleset: start the agent, let it idle 2 s, read VmRSS (idle); then run the open/close
// load (bench/load.c openrate, 2 processes, OPS open+close pairs per second, i.e. 2×OPS events/s)
// for S seconds sampling VmRSS every 100 ms (the largest sample is "under load"); VmHWM (peak
// RSS since start) at the end. The sensor's own RSS is printed beside it (its ring buffer is
// mapped in the kernel, not in either process). Needs root and a built sensor.
import { Agent, buildTool, liveUnavailable, mb, memoryOf, neighbourNote, openRate, sleep, upstreamRules, numberArg } from './agent.js';

const RATE = numberArg('--rate', 100_000);
const SECONDS = numberArg('--seconds', 5);
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/dev/null'];

interface MemoryRow {
  rules: string;
  idleRssKb: number;
  loadRssKb: number;
  hwmKb: number;
  sensorRssKb: number;
  events: number;
  drops: number;
}

async function measure(bin: string, name: string, rules: string[] | undefined): Promise<MemoryRow> {
  const agent = await Agent.start({ rules });
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
  return { rules: name, idleRssKb: idle.rssKb, loadRssKb: Math.max(loadRss, end.rssKb), hwmKb: end.hwmKb, sensorRssKb, events: sum.events, drops: sum.drops };
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`agent-memory: skipped, ${why}`);
  const bin = buildTool('load');
  console.log(`agent memory: VmRSS idle, largest VmRSS under ${RATE / 1000}k open+close/s for ${SECONDS} s, VmHWM at the end`);
  console.log(neighbourNote());
  const rows: MemoryRow[] = [await measure(bin, 'built-in', undefined)];
  const upstream = upstreamRules();
  if (upstream) rows.push(await measure(bin, 'upstream', upstream));
  else console.log('upstream ruleset: skipped, ../shared/peers/falco-rules not found (set SAKER_SHARED)');
  console.log('rules        idle RSS   load RSS   peak (HWM)   sensor RSS   events (drops)');
  for (const r of rows) {
    console.log(`${r.rules.padEnd(10)} ${mb(r.idleRssKb).padStart(10)} ${mb(r.loadRssKb).padStart(10)} ${mb(r.hwmKb).padStart(12)} ${mb(r.sensorRssKb).padStart(12)}   ${r.events} (${r.drops})`);
  }
  console.log(JSON.stringify({ bench: 'agent-memory', rate: RATE, seconds: SECONDS, rows }));
}

await main();
