// Saker against the real thing, in one run, where the Falco oracle is built (../shared/tools/
// build-falco.sh; ORACLE_PREFIX, default /opt/anchors): a capture recorded live by `saker capture`
// while bench/mixed-load.c runs (opens of /etc files, failed opens, renames, TCP and UDP on
// loopback, pipes, fork+exec), then 3 rounds of the four commands alternated (the machine is shared), stdout thrown
// away, the best wall time and the best CPU time (user + system, GNU time) of each:
//   (a) falco replay (falco-replay: stock falco.yaml, container plugin) with the three upstream rules files
//   (b) saker replay with the same rules files
//   (c) libs' sinsp-example -a -s F -f FILTER -o %evt.num
//   (d) saker inspect F FILTER -p %evt.num
// and prints wall and CPU time and events/s of each whole command, Falco's own event-loop figure (its -v
// "Elapsed time"), and the ratios saker/falco (goal: replay ≥ 5×) and saker/sinsp-example.
// Needs root, a built sensor, gcc, ../shared/peers/falco-rules and the oracle; exits 0 with a
// message otherwise.
//   node --import tsx bench/falco-replay.ts [rounds]     (default 43000 rounds ≈ 800k events)
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../src/testing/shared.js';
import { liveUnavailable, ROOT as REPO } from './agent.js';
import { falcoReplayArgs, oracleBinaries, UPSTREAM_RULES } from './falco-oracle.js';
import { prepareMixedCapture, recordMixedLoad, SAKER, skipBench } from './mixed-capture.js';

const ROUNDS = Number(process.argv[2] ?? 43_000);
const FILTER = 'evt.type=openat and fd.name startswith /etc';
const devNull = openSync('/dev/null', 'w');
function skip(why: string): never {
  return skipBench('falco-replay', why);
}

const TIME = '/usr/bin/time';
interface Run { ms: number; cpuMs: number; stderr: string }

/**
 * One run of a whole command: wall time, and its CPU time (user + system, from GNU time; NaN
 * without it). The machine is shared: wall time includes waiting for a core, CPU time does not.
 */
function once(cmd: string, args: string[], timeFile: string): Run {
  const timed = existsSync(TIME);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(timed ? TIME : cmd, timed ? ['-o', timeFile, '-f', '%U %S', cmd, ...args] : args, {
    stdio: ['ignore', devNull, 'pipe'], cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, TZ: 'UTC' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error}`);
  const [user, sys] = timed ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [NaN, NaN];
  return { ms, cpuMs: (user! + sys!) * 1000, stderr: r.stderr };
}

/** Best wall and best CPU time of `rounds` runs of each command, the commands alternated round by round. */
function alternate(cmds: ReadonlyArray<[string, string[]]>, rounds: number, timeFile: string): Run[] {
  const best: Run[] = cmds.map(() => ({ ms: Infinity, cpuMs: Infinity, stderr: '' }));
  for (let i = 0; i < rounds; i++) {
    cmds.forEach(([cmd, args], k) => {
      const r = once(cmd, args, timeFile);
      best[k] = { ms: Math.min(best[k]!.ms, r.ms), cpuMs: Math.min(best[k]!.cpuMs, r.cpuMs), stderr: r.stderr };
    });
  }
  return best;
}

const bins = oracleBinaries();
if (typeof bins === 'string') skip(bins);
const live = liveUnavailable();
if (live !== undefined) skip(live);
const shared = sharedDir();
if (!shared || !UPSTREAM_RULES.every((f) => existsSync(join(shared, 'peers/falco-rules', f)))) skip('../shared/peers/falco-rules is absent');
const { load, dir, file } = prepareMixedCapture('falco-replay', 'falco');
try {
  const { events } = await recordMixedLoad(file, load, ROUNDS, dir);
  console.log(`capture: ${events} events, ${(statSync(file).size / 1e6).toFixed(0)} MB; filter for (c)/(d): ${FILTER}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const ruleArgs = UPSTREAM_RULES.flatMap((f) => ['-r', join(shared, 'peers/falco-rules', f)]);
  // Falco prints its event-loop time (-v) on stderr with log_stderr.
  const [falco, saker, sinsp, inspect] = alternate([
    [bins.falcoReplay, falcoReplayArgs(file, shared, ['-v', '-o', 'log_stderr=true'])],
    [process.execPath, [SAKER, 'replay', file, ...ruleArgs]],
    [bins.sinspExample, ['-a', '-s', file, '-f', FILTER, '-o', '%evt.num']],
    [process.execPath, [SAKER, 'inspect', file, FILTER, '-p', '%evt.num']],
  ], 3, join(dir, 'time.txt')) as [Run, Run, Run, Run];
  const rate = (ms: number): number => (events / ms) * 1000;
  const loop = /Elapsed time: ([\d.]+), Captured Events: (\d+), ([\d.]+) eps/.exec(falco.stderr);
  const row = (label: string, r: Run, peer?: Run): string =>
    `${label.padEnd(20)} wall ${r.ms.toFixed(0).padStart(6)} ms ${(rate(r.ms) / 1e3).toFixed(0).padStart(5)} k ev/s` +
    `   cpu ${r.cpuMs.toFixed(0).padStart(6)} ms ${(rate(r.cpuMs) / 1e3).toFixed(0).padStart(5)} k ev/s` +
    (peer === undefined ? '' : `   ${(peer.ms / r.ms).toFixed(2)}× the peer (wall), ${(peer.cpuMs / r.cpuMs).toFixed(2)}× (cpu)`);
  console.log(row('(a) falco replay', falco) + (loop ? `   (its event loop: ${loop[1]} s, ${loop[3]} eps)` : ''));
  console.log(`${row('(b) saker replay', saker, falco)}   goal ≥ 5×`);
  console.log(row('(c) sinsp-example', sinsp));
  console.log(row('(d) saker inspect', inspect, sinsp));
  console.log(JSON.stringify({
    bench: 'falco-replay', events, filter: FILTER, falcoMs: falco.ms, sakerReplayMs: saker.ms, sinspExampleMs: sinsp.ms, sakerInspectMs: inspect.ms,
    falcoCpuMs: falco.cpuMs, sakerReplayCpuMs: saker.cpuMs, sinspExampleCpuMs: sinsp.cpuMs, sakerInspectCpuMs: inspect.cpuMs, replayCpuRatio: falco.cpuMs / saker.cpuMs,
    replayRatio: falco.ms / saker.ms, inspectRatio: sinsp.ms / inspect.ms, falcoEventLoopS: loop ? Number(loop[1]) : undefined,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
