// Replay speed on a capture recorded live: `saker capture` records ≥ 1M events of a mixed syscall
// load (bench/mixed-load.c: opens of /etc files, failed opens, renames, TCP connect/accept and UDP
// sends on loopback, pipe2/dup2, fork+exec), then, best of 3 each, with one filter:
//   (a) sysdig -r F -p %evt.num FILTER > /dev/null
//   (b) saker inspect F FILTER -p %evt.num > /dev/null
//   (c) saker replay F with the three upstream Falco rules files (../shared/peers/falco-rules)
// and prints events/s and the ratios Saker/sysdig. Saker runs as users run it: the compiled CLI
// (npm run build first). Needs root, a built sensor and gcc; exits 0 with a message otherwise.
//   node --import tsx bench/replay-live.ts [rounds]     (default 70000 rounds ≈ 1.3M events)
// SAKER_BENCH_FILE=path keeps the capture there (for profiling) instead of a temporary folder.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../src/testing/shared.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, '..');
const SAKER = join(REPO, 'bin/saker.js');
const ROUNDS = Number(process.argv[2] ?? 70_000);
const FILTER = 'evt.type=openat and fd.name startswith /etc';
const devNull = openSync('/dev/null', 'w');

function skip(why: string): never {
  console.log(`replay-live: skipped (${why})`);
  process.exit(0);
}

function buildLoad(): string {
  const src = join(here, 'mixed-load.c');
  const out = join(here, 'build', 'mixed-load');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) skip(`cannot build ${src}: ${r.stderr || r.error?.message}`);
  }
  return out;
}

/** Records the load with `saker capture`; returns the events written and dropped. */
async function record(file: string, load: string, scratch: string): Promise<{ events: number; drops: number; seconds: number }> {
  const cap = spawn(process.execPath, [SAKER, 'capture', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    cap.stderr.setEncoding('utf8').on('data', (s: string) => {
      log += s;
      if (log.includes('ready')) resolve();
    });
    cap.once('exit', (code) => reject(new Error(`saker capture exited (${code}): ${log}`)));
  });
  const t0 = performance.now();
  const r = spawnSync(load, [String(ROUNDS), scratch], { stdio: 'inherit' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error('the load failed');
  await new Promise((res) => setTimeout(res, 300));
  cap.kill('SIGINT');
  await new Promise((res) => cap.once('exit', res));
  const m = /wrote (\d+) of \d+ events.*\((\d+) dropped/.exec(log);
  if (!m) throw new Error(`saker capture: ${log}`);
  return { events: Number(m[1]), drops: Number(m[2]), seconds };
}

/** Best wall time of three runs with stdout thrown away, after a warm-up run. */
function best(cmd: string, args: string[]): number {
  let ms = Infinity;
  for (let i = 0; i < 4; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', devNull, 'pipe'], cwd: REPO });
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() || r.error}`);
    if (i > 0) ms = Math.min(ms, t);
  }
  return ms;
}

if (process.geteuid?.() !== 0) skip('needs root');
if (!existsSync(join(REPO, 'sensor/build/saker-sensor'))) skip('sensor not built: make -C sensor');
const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO, encoding: 'utf8' });
if (build.status !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);
const load = buildLoad();
const dir = mkdtempSync(join(tmpdir(), 'saker-bench-live-'));
const file = process.env.SAKER_BENCH_FILE ?? join(dir, 'live.scap');
try {
  const rec = await record(file, load, dir);
  const mb = statSync(file).size / 1e6;
  console.log(`capture: ${rec.events} events in ${rec.seconds.toFixed(1)} s of load, ${rec.drops} dropped in the kernel, ${mb.toFixed(0)} MB`);
  console.log(`filter: ${FILTER}`);
  const rate = (ms: number) => `${ms.toFixed(0)} ms, ${((rec.events / ms) * 1000 / 1e6).toFixed(2)} M events/s`;
  let sd: number | undefined;
  if (spawnSync('sysdig', ['--version']).status === 0) {
    sd = best('sysdig', ['-r', file, '-p', '%evt.num', FILTER]);
    console.log(`(a) sysdig -r:      ${rate(sd)}`);
  } else console.log('(a) sysdig: not installed, no ratios');
  const inspect = best(process.execPath, [SAKER, 'inspect', file, FILTER, '-p', '%evt.num']);
  console.log(`(b) saker inspect:  ${rate(inspect)}${sd ? `  saker/sysdig events/s: ${(sd / inspect).toFixed(2)}` : ''}`);
  const shared = sharedDir();
  const rules = shared && join(shared, 'peers/falco-rules');
  if (rules && existsSync(rules)) {
    const files = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].flatMap((f) => ['-r', join(rules, f)]);
    const replay = best(process.execPath, [SAKER, 'replay', file, ...files]);
    console.log(`(c) saker replay:   ${rate(replay)} (upstream rules)${sd ? `  saker/sysdig events/s: ${(sd / replay).toFixed(2)}` : ''}`);
  } else console.log('(c) saker replay: skipped (../shared/peers/falco-rules absent)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
