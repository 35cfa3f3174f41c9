// Where `saker run` spends its CPU under load: runs the agent with node --cpu-prof while the
// open/close load (bench/load.c openrate) runs, then prints the functions with the most self
// time and the share of each pipeline stage. A tool for hot-path work, not part of bench/run.sh.
//
//   node --import tsx bench/agent-profile.ts [--upstream] [--rate OPS] [--seconds S]
//
// --upstream uses ../shared/peers/falco-rules instead of the built-in rules. The agent runs from
// a tsc build of the sources (bench/build/root/dist, beside links to sensor/, rules/ and
// node_modules/), so the profile has the functions' real names and lines. The profile is kept
// under bench/build/profiles/ for chrome://inspect or speedscope.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Agent, BENCH_DIR, ROOT, buildTool, liveUnavailable, openRate, sleep, upstreamRules, numberArg } from './agent.js';

const RATE = numberArg('--rate', 150_000);
const SECONDS = numberArg('--seconds', 6);
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/etc/ld.so.cache', '/proc/self/stat', '/dev/null'];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Pipeline stage of a source file, by the module that owns it. */
function stage(url: string): string {
  const m = /\/(?:src|dist)\/([^/]+)\//.exec(url);
  if (!m) return url.startsWith('node:') ? 'node internals' : url ? 'other' : '(native/gc/idle)';
  if (m[1] === 'capture') return 'capture (read, split)';
  if (m[1] === 'events') return 'events (decode)';
  if (m[1] === 'filter') return 'filter (rule evaluation)';
  return m[1]!;
}

function report(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const stages = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    const f = n.callFrame;
    if (f.functionName === '(idle)') continue;
    total += dt;
    const where = f.url ? `${relative(join(BENCH_DIR, 'build', 'root'), f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const s = stage(f.url);
    stages.set(s, (stages.get(s) ?? 0) + dt);
  }
  const pct = (v: number): string => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`busy time sampled: ${(total / 1000).toFixed(0)} ms`);
  console.log('\nself time by module:');
  for (const [k, v] of [...stages].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`);
  console.log('\ntop functions by self time:');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(v)}  ${k}`);
}

/** Compiles src/ into a package-shaped directory (the CLI finds the sensor and the built-in
 *  rules relative to its own location); returns the CLI entry. */
function buildAgent(): string {
  const root = join(BENCH_DIR, 'build', 'root');
  mkdirSync(root, { recursive: true });
  for (const d of ['sensor', 'rules', 'node_modules', 'package.json']) {
    if (!existsSync(join(root, d))) symlinkSync(join(ROOT, d), join(root, d));
  }
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(root, 'dist')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  // the validators scripts/gen-validators.ts writes are JavaScript already: tsc leaves them out
  for (const dir of ['config', 'policy']) copyFileSync(join(ROOT, 'src', dir, 'schema.generated.js'), join(root, 'dist', dir, 'schema.generated.js'));
  return join(root, 'dist', 'cli', 'main.js');
}

async function main(): Promise<void> {
  const why = liveUnavailable();
  if (why) return console.log(`agent-profile: skipped, ${why}`);
  const upstream = process.argv.includes('--upstream');
  const rules = upstream ? upstreamRules() : undefined;
  if (upstream && !rules) return console.log('agent-profile: ../shared/peers/falco-rules not found (set SAKER_SHARED)');
  const dir = join(BENCH_DIR, 'build', 'profiles', `${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const bin = buildTool('load');
  const agent = await Agent.start({ rules, entry: buildAgent(), nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  await sleep(300);
  const r = await openRate(bin, RATE, SECONDS, 2, PATHS);
  await sleep(500);
  const sum = await agent.stop();
  console.log(`${upstream ? 'upstream' : 'built-in'} rules; load ${((r.ops / r.wallNs) * 1e9 / 1000).toFixed(0)}k open+close/s; ` +
    `agent: ${sum.events} events, ${sum.alerts} alerts, ${sum.drops} dropped`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`profile: ${relative(ROOT, join(dir, file))}`);
  report(join(dir, file));
}

await main();
