// Alert delivery's cost, in one run:
//  (1) alerts/s through Falco JSON formatting into a file destination (createOutputs with
//      file_output), against a floor: the same alerts formatted and written by one plain
//      writeFileSync — the least any JSON file output can do;
//  (2) detection throughput (events/s through state → rules → outputs, one event in 200 alerting)
//      with an HTTP destination down (retries with backoff; the queue holds, the spool takes the
//      overflow) against no destination configured. Goal: within 5%. Two figures: the process's
//      CPU time (everything delivery does, the spool's encoding and writes included) and the
//      detection path's own time (the event loop's turns that process events: what detection
//      waits for; work the outputs do on later turns is not in it).
//
//   node --import tsx bench/outputs.ts [--alerts N] [--events N] [--alert-every N]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Engine } from '../src/agent/index.js';
import { DEFAULT_RULES_FILE, loadRules } from '../src/agent/rules-files/index.js';
import { loadConfig } from '../src/config/index.js';
import { encodeEvent, eventCode } from '../src/events/index.js';
import { EventView } from '../src/events/index.js';
import { Metrics } from '../src/metrics/index.js';
import { alertJson, type Alert } from '../src/outputs/index.js';
import { createOutputs } from '../src/outputs/index.js';
import { State } from '../src/state/index.js';
import type { ThreadSnapshot } from '../src/state/index.js';
import { deadPort, testAlert } from '../src/outputs/test-support.js';
import { median, numberArg } from './agent.js';

const ALERTS = numberArg('--alerts', 100_000);
const EVENTS = numberArg('--events', 400_000);
/** One alert per this many events: 200 (0.5%) is already far above a real host's alert rate. */
const ALERT_EVERY = numberArg('--alert-every', 200);
const dir = mkdtempSync(join(tmpdir(), 'saker-bench-outputs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const config = (...o: string[]) => loadConfig({ overrides: ['stdout_output.enabled=false', 'syslog_output.enabled=false', ...o] });

async function fileRate(alerts: Alert[]): Promise<number> {
  const file = join(dir, `events-${Math.random()}.json`);
  const metrics = new Metrics();
  const out = createOutputs(config('json_output=true', 'file_output.enabled=true', 'file_output.keep_alive=true', `file_output.filename=${file}`, `outputs_queue.capacity=${ALERTS}`, 'output_timeout=600000'),
    { metrics, log: (m) => console.error(m) });
  const t0 = process.hrtime.bigint();
  for (const a of alerts) out.write(a);
  await out.close();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (readFileSync(file, 'utf8').split('\n').length !== alerts.length + 1) throw new Error('file output lost alerts');
  return alerts.length / s;
}

function floorRate(alerts: Alert[]): number {
  const file = join(dir, `floor-${Math.random()}.json`);
  const t0 = process.hrtime.bigint();
  let text = '';
  for (const a of alerts) text += `${alertJson(a)}\n`;
  writeFileSync(file, text);
  return alerts.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function snap(tid: number, ptid: number, comm: string, exepath: string, args: string[]): ThreadSnapshot {
  return {
    tid, pid: tid, ptid, sid: 1, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: exepath, exepath, args,
    env: ['PATH=/usr/bin:/bin'], cwd: '/root/', uid: 0, gid: 0, loginuid: 0xffffffff,
    capPermitted: 0x1ffffffffffn, capEffective: 0x1ffffffffffn, capInheritable: 0n, cgroups: ['cpu=/'], tty: 0,
  };
}

/** openat + close pairs; one open in ALERT_EVERY/2 is of /etc/shadow (the built-in rules alert on it). */
function stream(count: number): { records: Buffer; offsets: number[] } {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  const put = (b: Buffer) => {
    offsets.push(size);
    size += b.length;
    parts.push(b);
  };
  let ts = 1_800_000_000_000_000_000n;
  for (let i = 0; parts.length < count; i++) {
    const path = i % (ALERT_EVERY / 2) === 0 ? '/etc/shadow' : '/etc/hostname';
    put(encodeEvent({ ts: (ts += 1500n), tid: 4242, type: eventCode('openat'), params: [3, -100, path, 1, 0, 0xfd01, 1000] }));
    put(encodeEvent({ ts: (ts += 1500n), tid: 4242, type: eventCode('close'), params: [0, 3] }));
  }
  return { records: Buffer.concat(parts), offsets };
}

/** Events/s of the whole pipeline (CPU time of the process, outputs' background work included),
 *  yielding to the event loop every 5,000 events as the live agent does between reads. */
async function detectionRate(extra: string[], s: { records: Buffer; offsets: number[] }): Promise<{ rate: number; pathRate: number; alerts: number }> {
  const cfg = config(...extra, `state_dir=${mkdtempSync(join(dir, 'state-'))}`, 'output_timeout=0');
  const loaded = await loadRules(cfg, [DEFAULT_RULES_FILE]);
  if (!loaded.successful) throw new Error('cannot load the built-in rules');
  const state = new State({ hostUsers: false, containerLookup: false });
  state.loadSnapshots([snap(1, 0, 'systemd', '/usr/lib/systemd/systemd', []), snap(400, 1, 'bash', '/usr/bin/bash', []), snap(4242, 400, 'cat', '/usr/bin/cat', ['/etc/shadow'])]);
  const out = createOutputs(cfg, { metrics: new Metrics(), log: () => undefined });
  let alerts = 0;
  const engine = new Engine(loaded.ruleset, state, (a) => {
    alerts++;
    out.write(a);
  }, { isoTime: false, hostname: 'bench' });
  const view = new EventView();
  const c0 = process.cpuUsage();
  let pathNs = 0n;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < s.offsets.length; i++) {
    engine.process(view.reset(s.records, s.offsets[i]!, i + 1));
    if (i % 5000 === 4999) {
      pathNs += process.hrtime.bigint() - t0;
      await yieldToLoop();
      t0 = process.hrtime.bigint();
    }
  }
  pathNs += process.hrtime.bigint() - t0;
  await yieldToLoop();
  const c = process.cpuUsage(c0);
  await out.close();
  state.close();
  return { rate: s.offsets.length / ((c.user + c.system) / 1e6), pathRate: s.offsets.length / (Number(pathNs) / 1e9), alerts };
}

async function main(): Promise<void> {
  const alerts = Array.from({ length: ALERTS }, (_, i) => testAlert(i));
  const file: number[] = [];
  const floor: number[] = [];
  for (let p = 0; p < 4; p++) {
    file.push(await fileRate(alerts));
    floor.push(floorRate(alerts));
  }
  const fileMed = median(file.slice(1));
  const floorMed = median(floor.slice(1));
  console.log(`file destination, JSON: ${fileMed.toFixed(0)} alerts/s; floor (format + one writeFileSync): ${floorMed.toFixed(0)} alerts/s; ratio ${(fileMed / floorMed).toFixed(2)}`);

  const s = stream(EVENTS);
  const port = await deadPort();
  const down = ['destinations[0].name=down', 'destinations[0].type=webhook', `destinations[0].url=http://127.0.0.1:${port}/`, 'destinations[0].retry.initial_delay=50ms', 'destinations[0].retry.max_delay=1s'];
  const none: number[] = [];
  const withDown: number[] = [];
  const nonePath: number[] = [];
  const downPath: number[] = [];
  let alertCount = 0;
  // alternate the two so a noisy neighbour hits both alike; the first pair warms up
  for (let p = 0; p < 6; p++) {
    const n = await detectionRate([], s);
    none.push(n.rate);
    nonePath.push(n.pathRate);
    const d = await detectionRate(down, s);
    withDown.push(d.rate);
    downPath.push(d.pathRate);
    alertCount = d.alerts;
  }
  const n = median(none.slice(1));
  const d = median(withDown.slice(1));
  const np = median(nonePath.slice(1));
  const dp = median(downPath.slice(1));
  console.log(`detection, ${s.offsets.length} events, ${alertCount} alerts: no destination ${n.toFixed(0)} events/s; an HTTP destination down ${d.toFixed(0)} events/s; ratio ${(d / n).toFixed(3)} (goal >= 0.95)`);
  console.log(`detection path only (the turns that process events): no destination ${np.toFixed(0)} events/s; an HTTP destination down ${dp.toFixed(0)} events/s; ratio ${(dp / np).toFixed(3)}`);
  console.log(JSON.stringify({ bench: 'outputs', file_alerts_per_s: Math.round(fileMed), floor_alerts_per_s: Math.round(floorMed), file_ratio: +(fileMed / floorMed).toFixed(3), detection_none: Math.round(n), detection_down: Math.round(d), detection_ratio: +(d / n).toFixed(3), path_none: Math.round(np), path_down: Math.round(dp), path_ratio: +(dp / np).toFixed(3) }));
}

await main();
