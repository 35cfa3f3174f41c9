// A capture recorded live for the replay benches: `saker capture` (the built CLI) while
// bench/mixed-load.c runs (opens of /etc files, failed opens, renames, TCP and UDP on loopback,
// pipes, fork+exec; about 16 captured events a round). Used by replay-live.ts and falco-replay.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SAKER = join(here, '..', 'bin/saker.js');

/** bench/build/mixed-load, compiled when missing or older than its source; a message when gcc fails. */
export function buildMixedLoad(): string | { error: string } {
  const src = join(here, 'mixed-load.c');
  const out = join(here, 'build', 'mixed-load');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, src], { encoding: 'utf8' });
    if (r.status !== 0) return { error: `cannot build ${src}: ${r.stderr || r.error?.message}` };
  }
  return out;
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
