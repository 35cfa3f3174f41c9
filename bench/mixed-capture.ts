// A capture recorded live for the replay benches: `saker capture` (the built CLI) while
// bench/mixed-load.c runs (opens of /etc files, failed opens, renames, TCP and UDP on loopback,
// pipes, fork+exec; about 16 captured events a round). Used by replay-live.ts and falco-replay.ts,
// which share their set-up here too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTool, ROOT } from './agent.js';

/** The CLI as users run it (the replay benches build it first). */
export const SAKER = join(ROOT, 'bin/saker.js');

/** Says why `bench` cannot run here and exits 0. */
export function skipBench(bench: string, why: string): never {
  console.log(`${bench}: skipped (${why})`);
  process.exit(0);
}

/**
 * What a replay bench needs once its own checks pass: the CLI built from this tree (npm run
 * build), bench/mixed-load compiled (the bench is skipped when gcc fails), a scratch folder
 * (saker-bench-<scratch>-*) and the capture's path in it, unless SAKER_BENCH_FILE keeps it elsewhere.
 */
export function prepareMixedCapture(bench: string, scratch: string): { load: string; dir: string; file: string } {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);
  let load: string;
  try {
    load = buildTool('mixed-load');
  } catch (e) {
    skipBench(bench, (e as Error).message);
  }
  const dir = mkdtempSync(join(tmpdir(), `saker-bench-${scratch}-`));
  return { load, dir, file: process.env.SAKER_BENCH_FILE ?? join(dir, 'live.scap') };
}

/** Records `rounds` rounds of the load with `saker capture`; returns the events written and dropped. */
export async function recordMixedLoad(file: string, load: string, rounds: number, scratch: string): Promise<{ events: number; drops: number; seconds: number }> {
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
  const r = spawnSync(load, [String(rounds), scratch], { stdio: 'inherit' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error('the load failed');
  await new Promise((res) => setTimeout(res, 300));
  cap.kill('SIGINT');
  await new Promise((res) => cap.once('exit', res));
  const m = /wrote (\d+) of \d+ events.*\((\d+) dropped/.exec(log);
  if (!m) throw new Error(`saker capture: ${log}`);
  return { events: Number(m[1]), drops: Number(m[2]), seconds };
}
