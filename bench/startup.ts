// Start-up of the one-shot commands as a user runs them (bin/saker.js: the bundle and its code
// cache; npm run build first): the whole command's wall time for `saker list`, `validate`,
// `inspect` (a small capture, a filter that matches nothing), `replay` with the built-in and with
// the upstream rules, beside `node -e 0` — Node's own start-up, the floor no Node program goes
// under (0.09-0.13 s on the 2-CPU VM this was written on, so "well under 100 ms" is read as time
// above that floor). Rounds are interleaved (every command once per round, in a rotated order) so
// the neighbours' load falls on all of them alike; each figure is the median over the rounds,
// after one warm-up round that also writes the per-command code caches. Printed: median wall ms,
// ms above the floor, the ratio to the floor, and the children's CPU ms (user + system, from
// /proc/self/stat's cutime/cstime: 10 ms ticks, so the mean over the rounds).
// The same commands through the `saker` command (bin/saker, a shell script) run in the same rounds:
// list, validate and replay start from the V8 start-up snapshot (dist/bundle/snapshot/saker.blob),
// the rest go through bin/saker.js after the shell's own start (saker --version shows what the
// shell adds); each is printed with its ratio to the same command through node bin/saker.js.
// --before DIR: also runs every saker command of another built checkout (DIR/bin/saker.js) in the
// same rounds, so a change's before and after are measured side by side.
// Usage: node --import tsx bench/startup.ts [rounds] [--before DIR]   (default 7 rounds)
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../src/testing/shared.js';
import { median, ROOT, upstreamRules } from './agent.js';

const argv = process.argv.slice(2);
const beforeAt = argv.indexOf('--before');
const BEFORE = beforeAt >= 0 ? argv.splice(beforeAt, 2)[1] : undefined;
const ROUNDS = Number(argv[0] ?? 7);
const SAKER = join(ROOT, 'bin', 'saker.js');
const NOTHING = 'proc.name = no-such-process-name';
const devNull = openSync('/dev/null', 'w');
const CLK_TCK = 100; // USER_HZ: the unit of cutime/cstime

interface Case { label: string; args: string[]; exe?: string; env?: NodeJS.ProcessEnv }

const cases: Case[] = [
  { label: 'node -e 0', args: ['-e', '0'] },
  // the bundle loaded from its code cache and nothing run: the most a V8 startup snapshot could save
  { label: 'saker --version', args: [SAKER, '--version'] },
  { label: 'saker list', args: [SAKER, 'list'] },
  { label: 'saker validate', args: [SAKER, 'validate'] },
];
// NODE_EXTRA_CA_CERTS (set on the machines this was measured on) makes every node parse the
// certificates it names before running anything; bin/saker drops it for the commands that open no
// connection. Node's start without it, for comparison:
if (process.env.NODE_EXTRA_CA_CERTS) {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  cases.push({ label: 'node -e 0, no extra CA certs', args: ['-e', '0'], env });
}
const shared = sharedDir();
const capture = shared ? join(shared, 'peers', 'scap', 'curl_google.scap') : undefined;
if (capture && existsSync(capture)) {
  cases.push({ label: 'saker inspect', args: [SAKER, 'inspect', capture, NOTHING] });
  // -o: Falco's default syslog output would write every alert to the log as well
  cases.push({ label: 'saker replay', args: [SAKER, 'replay', capture, '-o', 'syslog_output.enabled=false'] });
} else console.log('inspect, replay: skipped (no ../shared/peers/scap/curl_google.scap; set SAKER_SHARED)');
const upstream = upstreamRules();
if (upstream && capture && existsSync(capture)) {
  const r = upstream.flatMap((f) => ['-r', f]);
  cases.push({ label: 'saker validate, upstream', args: [SAKER, 'validate', ...r] });
  cases.push({ label: 'saker replay, upstream', args: [SAKER, 'replay', capture, ...r, '-o', 'syslog_output.enabled=false'] });
} else console.log('upstream rules: skipped (no ../shared/peers/falco-rules)');
const LAUNCHER = join(ROOT, 'bin', 'saker');
const BLOB = join(ROOT, 'dist', 'bundle', 'snapshot', 'saker.blob');
const throughNode = cases.filter((c) => c.args[0] === SAKER);
if (!existsSync(BLOB)) console.log('bin/saker: no start-up snapshot (npm run build makes it), so it runs bin/saker.js');
else if (process.env.NODE_OPTIONS) console.log('bin/saker: NODE_OPTIONS is set, so it runs bin/saker.js (node refuses a snapshot then)');
for (const c of throughNode) cases.push({ label: `${c.label} (bin/saker)`, exe: LAUNCHER, args: c.args.slice(1) });
if (BEFORE) {
  const other = join(BEFORE, 'bin', 'saker.js');
  for (const c of throughNode) cases.push({ label: `${c.label} (before)`, args: c.args.map((a) => (a === SAKER ? other : a)) });
}

if (!existsSync(join(ROOT, 'dist', 'bundle', 'saker.cjs'))) {
  console.log('startup: skipped, the CLI is not built (npm run build)');
  process.exit(0);
}

/** CPU time of this process's waited-for children, ms. */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK; // cutime, cstime
}

function once(c: Case): { wallMs: number; cpuMs: number } {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.exe ?? process.execPath, c.args, { stdio: ['ignore', devNull, 'pipe'], cwd: ROOT, env: c.env });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  // validate exits 1 on invalid files only; every case here is valid
  if (r.status !== 0) throw new Error(`${c.label} failed (exit ${r.status}): ${r.stderr?.toString() || r.error}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu0 };
}

const wall = cases.map(() => [] as number[]);
const cpu = cases.map(() => [] as number[]);
const loadBefore = loadavg()[0]!;
for (let round = 0; round <= ROUNDS; round++) {
  for (let k = 0; k < cases.length; k++) {
    const i = (k + round) % cases.length;
    const r = once(cases[i]!);
    if (round === 0) continue; // warm-up: page cache, code caches
    wall[i]!.push(r.wallMs);
    cpu[i]!.push(r.cpuMs);
  }
}
const floor = median(wall[0]!);
console.log(`startup: ${ROUNDS} interleaved rounds, load average ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'}`);
console.log(`${'command'.padEnd(34)} ${'wall ms'.padStart(8)} ${'above node'.padStart(11)} ${'x node'.padStart(7)} ${'CPU ms'.padStart(7)}`);
const rows = cases.map((c, i) => {
  const ms = median(wall[i]!);
  const cpuMs = cpu[i]!.reduce((a, b) => a + b, 0) / cpu[i]!.length;
  return { command: c.label, wallMs: Math.round(ms), aboveNodeMs: Math.round(ms - floor), ratioToNode: Number((ms / floor).toFixed(2)), cpuMs: Math.round(cpuMs) };
});
for (const r of rows) {
  console.log(`${r.command.padEnd(34)} ${String(r.wallMs).padStart(8)} ${String(r.aboveNodeMs).padStart(11)} ${r.ratioToNode.toFixed(2).padStart(7)} ${String(r.cpuMs).padStart(7)}`);
}
// bin/saker against node bin/saker.js, command by command, same rounds
const launcherRatios = throughNode.map((c) => {
  const a = rows[cases.indexOf(c)]!;
  const b = rows.find((r) => r.command === `${c.label} (bin/saker)`)!;
  return { command: c.label, nodeBinSakerJsMs: a.wallMs, binSakerMs: b.wallMs, ratio: Number((b.wallMs / a.wallMs).toFixed(2)), aboveNodeMs: [a.aboveNodeMs, b.aboveNodeMs] };
});
console.log(`\n${'bin/saker vs node bin/saker.js'.padEnd(34)} ${'ms'.padStart(8)} ${'-> ms'.padStart(7)} ${'ratio'.padStart(7)}   above node ms`);
for (const r of launcherRatios) {
  console.log(`${r.command.padEnd(34)} ${String(r.nodeBinSakerJsMs).padStart(8)} ${String(r.binSakerMs).padStart(7)} ${r.ratio.toFixed(2).padStart(7)}   ${r.aboveNodeMs[0]} -> ${r.aboveNodeMs[1]}`);
}
console.log(JSON.stringify({ bench: 'startup', rounds: ROUNDS, load: loadBefore, rows, launcherRatios }));
