// Container churn: what 100 containers starting and exiting cost the agent while it evaluates a
// steady load. One private Docker daemon (test/e2e/helpers/runtimes.ts); `saker run` asks only
// it. Phase 1 runs the paced open/close load (bench/load.c) while 100 `docker run --rm ... true`
// start and exit, 4 at a time; phase 2 runs the same load as long with no churn, in a fresh
// agent. Printed: engine events/s and the agent's CPU µs per event in each phase and their ratio
// (churn / no churn: the cost of describing containers — runtime events, lookups, the cgroup
// layouts), drops, and container lookups per container (goal: one — the runtime's create event
// describes it; the event path's lookup of a container still being asked about joins that
// question). The count is every docker lookup of the agent: a podman container running on this
// machine meanwhile is asked of docker too (up to 7 tries, as podman's socket may be docker's).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Agent, buildTool, cpuMsOf, liveUnavailable, neighbourNote, openRate } from './agent.js';
import { DockerDaemon, dockerMissing, TEST_IMAGE } from '../test/e2e/helpers/runtimes.js';

const CONTAINERS = Number(process.env.SAKER_CHURN_CONTAINERS ?? 100);
const PARALLEL = 4;
const RATE = 20_000;
const PROCS = 2;
const PATHS = ['/etc/hostname'];
const WINDOW_S = 5;
const run = promisify(execFile);

interface Phase {
  events: number;
  wallS: number;
  cpuMs: number;
  drops: number;
  /** Lookups by outcome from the agent's exit line, docker only. */
  lookups: Record<string, number>;
  started: number;
}

function dockerLookups(log: string): Record<string, number> {
  const m = /container lookups: (.*?);/.exec(log);
  const out: Record<string, number> = {};
  for (const part of (m?.[1] ?? '').split(', ')) {
    const [runtime, ...counts] = part.split(' ');
    if (runtime !== 'docker') continue;
    for (const c of counts) {
      const [k, v] = c.split('=');
      out[k!] = Number(v);
    }
  }
  return out;
}

async function churn(docker: DockerDaemon, n: number): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await run('/usr/bin/docker', ['-H', `unix://${docker.socket}`, 'run', '--rm', '--network', 'none', TEST_IMAGE, 'true'], { timeout: 120_000 });
      done++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return done;
}

/**
 * Runs the load in WINDOW_S-long windows: until the churn is done, or `windows` of them. The
 * same windows in both phases, so the load's own gaps between windows weigh the same.
 */
async function phase(docker: DockerDaemon, bin: string, opts: { churn: boolean; windows: number }): Promise<Phase & { windows: number }> {
  const agent = await Agent.start({ options: [`container.engines.docker.sockets[]=${docker.socket}`, 'container.engines.podman.enabled=false',
    'container.engines.cri.enabled=false', 'container.engines.containerd.enabled=false'] });
  const cpu0 = cpuMsOf(agent.pid);
  const t0 = performance.now();
  let started = 0;
  let windows = 0;
  if (opts.churn) {
    let finished = false;
    const c = churn(docker, CONTAINERS).then((n) => {
      started = n;
      finished = true;
    });
    for (; !finished; windows++) await openRate(bin, RATE, WINDOW_S, PROCS, PATHS);
    await c;
  } else {
    for (; windows < opts.windows; windows++) await openRate(bin, RATE, WINDOW_S, PROCS, PATHS);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuMs = cpuMsOf(agent.pid) - cpu0;
  const s = await agent.stop();
  return { events: s.events, wallS, cpuMs, drops: s.drops, lookups: dockerLookups(s.log), started, windows };
}

async function main(): Promise<void> {
  const why = liveUnavailable() ?? dockerMissing();
  if (why !== undefined) {
    console.log(`container-churn: skipped: ${why}`);
    console.log(JSON.stringify({ bench: 'container-churn', skipped: why }));
    return;
  }
  const bin = buildTool('load');
  const docker = await DockerDaemon.start();
  try {
    const withChurn = await phase(docker, bin, { churn: true, windows: 0 });
    const without = await phase(docker, bin, { churn: false, windows: withChurn.windows });
    const rate = (p: Phase): number => p.events / p.wallS;
    const cpuPerEvent = (p: Phase): number => (p.cpuMs * 1000) / Math.max(1, p.events);
    const lookups = Object.values(withChurn.lookups).reduce((a, b) => a + b, 0);
    console.log(neighbourNote());
    console.log(`load: ${RATE} open+close/s from ${PROCS} processes in ${withChurn.windows} windows of ${WINDOW_S} s; ${withChurn.started} containers started and exited, ${PARALLEL} at a time, in ${withChurn.wallS.toFixed(1)} s`);
    for (const [name, p] of [['churn', withChurn], ['no churn', without]] as const) {
      console.log(`${name.padEnd(8)}: ${rate(p).toFixed(0)} events/s, agent ${cpuPerEvent(p).toFixed(2)} µs CPU/event, ${p.drops} dropped`);
    }
    console.log(`ratio churn / no churn: events/s ${(rate(withChurn) / rate(without)).toFixed(3)}, CPU/event ${(cpuPerEvent(withChurn) / cpuPerEvent(without)).toFixed(3)}`);
    console.log(`lookups per container: ${(lookups / Math.max(1, withChurn.started)).toFixed(2)} (goal 1; ${JSON.stringify(withChurn.lookups)})`);
    console.log(JSON.stringify({
      bench: 'container-churn', containers: withChurn.started, wallS: withChurn.wallS,
      churn: { eventsPerS: rate(withChurn), cpuUsPerEvent: cpuPerEvent(withChurn), drops: withChurn.drops },
      noChurn: { eventsPerS: rate(without), cpuUsPerEvent: cpuPerEvent(without), drops: without.drops },
      ratioEventsPerS: rate(withChurn) / rate(without), ratioCpuPerEvent: cpuPerEvent(withChurn) / cpuPerEvent(without),
      lookupsPerContainer: lookups / Math.max(1, withChurn.started), lookups: withChurn.lookups,
    }));
  } finally {
    await docker.stop();
  }
}

await main();
