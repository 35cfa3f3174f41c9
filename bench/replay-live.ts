// Replay speed on a capture recorded live: `saker capture` records ≥ 1M events of a mixed syscall
// load (bench/mixed-load.c: opens of /etc files, failed opens, renames, TCP connect/accept and UDP
// sends on loopback, pipe2/dup2, fork+exec), then, best of 3 each, with one filter:
//   (a) sysdig -r F -p %evt.num FILTER > /dev/null
//   (b) saker inspect F FILTER -p %evt.num > /dev/null
//   (c) saker replay F with the three upstream Falco rules files (../shared/peers/falco-rules)
// and prints events/s and the ratios Saker/sysdig, two ways:
//   whole run       events / wall time of the whole command, start-up included;
//   beyond start-up the same command on the capture's first 10% (a valid capture written by
//                   `saker inspect F 'evt.num <= P' -w`) and on the whole capture: (N - P) events
//                   over the difference of the two times. What is left is the cost per event once
//                   running: start-up (Node ~50 ms, sysdig ~20 ms) and the JIT's warm-up cancel out.
// Saker runs as users run it: the compiled CLI (npm run build first). Needs root, a built sensor
// and gcc; exits 0 with a message otherwise.
//   node --import tsx bench/replay-live.ts [rounds]     (default 70000 rounds ≈ 1.3M events)
// SAKER_BENCH_FILE=path keeps the capture there (for profiling) instead of a temporary folder.
import { spawnSync } from 'node:child_process';
import { openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { liveUnavailable, ROOT as REPO, upstreamRules } from './agent.js';
import { prepareMixedCapture, recordMixedLoad, SAKER, skipBench } from './mixed-capture.js';

const ROUNDS = Number(process.argv[2] ?? 70_000);
const FILTER = 'evt.type=openat and fd.name startswith /etc';
const devNull = openSync('/dev/null', 'w');

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

const live = liveUnavailable();
if (live !== undefined) skipBench('replay-live', live);
const { load, dir, file } = prepareMixedCapture('replay-live', 'live');
try {
  const rec = await recordMixedLoad(file, load, ROUNDS, dir);
  const mb = statSync(file).size / 1e6;
  console.log(`capture: ${rec.events} events in ${rec.seconds.toFixed(1)} s of load, ${rec.drops} dropped in the kernel, ${mb.toFixed(0)} MB`);
  const prefixEvents = Math.round(rec.events / 10);
  const prefix = join(dir, 'prefix.scap');
  const cut = spawnSync(process.execPath, [SAKER, 'inspect', file, `evt.num <= ${prefixEvents}`, '-w', prefix], { encoding: 'utf8' });
  if (cut.status !== 0) throw new Error(`saker inspect -w failed: ${cut.stderr}`);
  console.log(`filter: ${FILTER}; prefix: the first ${prefixEvents} events`);
  const ruleArgs = upstreamRules()?.flatMap((f) => ['-r', f]);
  const hasSysdig = spawnSync('sysdig', ['--version']).status === 0;
  const tools: { label: string; run: (f: string) => [string, string[]] }[] = [];
  if (hasSysdig) tools.push({ label: '(a) sysdig -r', run: (f) => ['sysdig', ['-r', f, '-p', '%evt.num', FILTER]] });
  else console.log('(a) sysdig: not installed, no ratios');
  tools.push({ label: '(b) saker inspect', run: (f) => [process.execPath, [SAKER, 'inspect', f, FILTER, '-p', '%evt.num']] });
  if (ruleArgs) tools.push({ label: '(c) saker replay', run: (f) => [process.execPath, [SAKER, 'replay', f, ...ruleArgs]] });
  else console.log('(c) saker replay: skipped (../shared/peers/falco-rules absent)');

  const rows = tools.map((t) => {
    const whole = best(...t.run(file));
    const part = best(...t.run(prefix));
    return { label: t.label, whole, part, wholeRate: (rec.events / whole) * 1000, steadyRate: ((rec.events - prefixEvents) / (whole - part)) * 1000 };
  });
  const sd = hasSysdig ? rows[0] : undefined;
  const m = (r: number) => `${(r / 1e6).toFixed(2)} M ev/s`;
  console.log(`${''.padEnd(20)} ${'whole run'.padEnd(23)}   ${'prefix, beyond start-up'.padEnd(30)}   saker/sysdig (whole, beyond)`);
  for (const r of rows) {
    const ratio = sd && r !== sd ? `${(r.wholeRate / sd.wholeRate).toFixed(2)}, ${(r.steadyRate / sd.steadyRate).toFixed(2)}` : '';
    console.log(`${r.label.padEnd(20)} ${r.whole.toFixed(0).padStart(6)} ms ${m(r.wholeRate).padStart(13)}   prefix ${r.part.toFixed(0).padStart(4)} ms ${m(r.steadyRate).padStart(13)}   ${ratio}` +
      (r.label.startsWith('(c)') ? '  (upstream rules)' : ''));
  }
  console.log(JSON.stringify({ bench: 'replay-live', events: rec.events, prefixEvents, drops: rec.drops, filter: FILTER, rows }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
