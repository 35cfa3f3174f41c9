// Replay speed on a capture recorded live: `saker capture` records >= 4M events of a mixed syscall
// load (bench/mixed-load.c: opens of /etc files, failed opens, renames, TCP connect/accept and UDP
// sends on loopback, pipe2/dup2, fork+exec); its first 100k and 800k events are cut into captures
// of their own (`saker inspect F 'evt.num <= N' -w`). On each size, best of 3 each:
//   (a) sysdig -r F -p %evt.num FILTER > /dev/null
//   (b) saker inspect F FILTER -p %evt.num > /dev/null                      (the same filter)
//   (c) saker replay F with the three upstream Falco rules files (../shared/peers/falco-rules),
//       set against (a): the full upstream ruleset against sysdig with one filter
// and prints, per size, the whole command's wall time and events/s with the ratio Saker/sysdig
// (goal: >= 1.0x at 800k events and above, whole command), and beyond start-up: the events past
// the 100k capture over the difference of the two times, where start-up (Node ~0.1 s here,
// sysdig ~20 ms) and the JIT's warm-up cancel out.
// Saker runs as users run it: the `saker` command (bin/saker, the package's bin) on the compiled
// CLI (npm run build first); (b') is the same inspect through `node bin/saker.js`, which the
// launcher's choices (no NODE_EXTRA_CA_CERTS for inspect) do not reach. Needs root, a built
// sensor and gcc; exits 0 with a message otherwise.
//   node --import tsx bench/replay-live.ts [rounds]     (default 230000 rounds, about 4.2M events)
// SAKER_BENCH_FILE=path keeps the capture there (for profiling) instead of a temporary folder.
import { spawnSync } from 'node:child_process';
import { openSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { liveUnavailable, ROOT as REPO, upstreamRules } from './agent.js';
import { prepareMixedCapture, recordMixedLoad, SAKER, skipBench } from './mixed-capture.js';

const ROUNDS = Number(process.argv[2] ?? 230_000);
const SIZES = [100_000, 800_000, 4_000_000];
const FILTER = 'evt.type=openat and fd.name startswith /etc';
const LAUNCHER = join(REPO, 'bin', 'saker');
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
  console.log(`capture: ${rec.events} events in ${rec.seconds.toFixed(1)} s of load, ${rec.drops} dropped in the kernel, ${mb.toFixed(0)} MB; load average ${loadavg()[0]!.toFixed(1)}`);
  // the sizes below the largest, cut from the capture; the largest is the whole capture
  const captures = SIZES.slice(0, -1).filter((n) => n < rec.events).map((n) => {
    const f = join(dir, `first-${n}.scap`);
    const cut = spawnSync(process.execPath, [SAKER, 'inspect', file, `evt.num <= ${n}`, '-w', f], { encoding: 'utf8' });
    if (cut.status !== 0) throw new Error(`saker inspect -w failed: ${cut.stderr}`);
    return { events: n, file: f };
  });
  if (rec.events < SIZES[SIZES.length - 1]!) console.log(`(fewer events than ${SIZES[SIZES.length - 1]}: the largest size is the whole capture)`);
  captures.push({ events: rec.events, file });
  console.log(`filter: ${FILTER}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? `set (${process.env.NODE_EXTRA_CA_CERTS}): every node start parses it, except the launcher's inspect` : 'not set'}`);
  const ruleArgs = upstreamRules()?.flatMap((f) => ['-r', f]);
  const hasSysdig = spawnSync('sysdig', ['--version']).status === 0;
  const tools: { label: string; run: (f: string) => [string, string[]] }[] = [];
  if (hasSysdig) tools.push({ label: '(a) sysdig -r', run: (f) => ['sysdig', ['-r', f, '-p', '%evt.num', FILTER]] });
  else console.log('(a) sysdig: not installed, no ratios');
  tools.push({ label: '(b) saker inspect', run: (f) => [LAUNCHER, ['inspect', f, FILTER, '-p', '%evt.num']] });
  tools.push({ label: "(b') node saker.js", run: (f) => [process.execPath, [SAKER, 'inspect', f, FILTER, '-p', '%evt.num']] });
  if (ruleArgs) tools.push({ label: '(c) saker replay', run: (f) => [LAUNCHER, ['replay', f, ...ruleArgs]] });
  else console.log('(c) saker replay: skipped (../shared/peers/falco-rules absent)');

  // tools interleaved within each size, so the neighbours' load falls on all of them alike
  const times = captures.map((c) => tools.map((t) => best(...t.run(c.file))));
  const m = (r: number) => `${(r / 1e6).toFixed(2)} M ev/s`;
  const rows: Array<{ label: string; events: number; wholeMs: number; wholeRate: number; steadyRate?: number }> = [];
  console.log(`${'events'.padStart(9)} ${''.padEnd(18)} ${'whole command'.padEnd(24)}  ${'x sysdig'.padStart(8)}   ${'beyond start-up'.padEnd(13)}  ${'x sysdig'.padStart(8)}`);
  captures.forEach((c, ci) => {
    tools.forEach((t, ti) => {
      const whole = times[ci]![ti]!;
      const base = times[0]![ti]!;
      const steadyRate = ci > 0 ? ((c.events - captures[0]!.events) / (whole - base)) * 1000 : undefined;
      const row = { label: t.label, events: c.events, wholeMs: Math.round(whole), wholeRate: Math.round((c.events / whole) * 1000), steadyRate: steadyRate && Math.round(steadyRate) };
      rows.push(row);
      const sd = hasSysdig && ti > 0 ? rows[rows.length - 1 - ti] : undefined;
      const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : '');
      console.log(`${String(c.events).padStart(9)} ${t.label.padEnd(18)} ${`${row.wholeMs} ms`.padStart(9)} ${m(row.wholeRate).padStart(14)}  ${ratio(row.wholeRate, sd?.wholeRate).padStart(8)}   ` +
        `${row.steadyRate ? m(row.steadyRate) : ''.padEnd(13)}  ${ratio(row.steadyRate, sd?.steadyRate).padStart(8)}` + (t.label.startsWith('(c)') ? '  (upstream rules vs sysdig with one filter)' : ''));
    });
  });
  console.log(JSON.stringify({ bench: 'replay-live', events: rec.events, drops: rec.drops, filter: FILTER, rows }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
