// The agent's per-event cost without the kernel: the open/close stream the live benchmarks
// generate (bench/load.c openrate), encoded as the sensor encodes it, replayed from memory
// through the same Engine (state → rules → alerts) that `saker run` drives. No root needed,
// and far less noisy than the live runs, so it is the before/after measure for hot-path work.
//
//   node --import tsx bench/engine-replay.ts [--events N] [--by-rule]
//
// Prints CPU ns/event and events/s (median of 5 passes) for state alone and for the full pipeline,
// with the built-in rules and, when ../shared is there, the upstream Falco ruleset, and the
// garbage collections the passes caused (young-generation scavenges per 100k events and their
// time per event: the price of per-event garbage, which grows as the young generation shrinks,
// e.g. under --max-semi-space-size). --by-rule adds the rules costing most per openat.
// "upstream + 40 site" (--site-rules N) adds 40 rules of a site's own on opens to the upstream ones (a file
// written to a temporary folder): their openat group passes V8's size limit for optimising one
// function (the group compiler splits it).
import { encodeEvent, eventCode, EventView } from '../src/events/index.js';
import { Engine } from '../src/agent/index.js';
import { loadConfig } from '../src/config/index.js';
import { DEFAULT_RULES_FILE, loadRules } from '../src/agent/rules-files/index.js';
import type { Ruleset } from '../src/rules/index.js';
import { State, type ThreadSnapshot, type EventContext } from '../src/state/index.js';
import { median, upstreamRules, numberArg } from './agent.js';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EVENTS = numberArg('--events', 200_000);
const PASSES = 5;
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/etc/ld.so.cache', '/proc/self/stat', '/dev/null'];
const PPM_O_RDONLY = 1;
const LOAD_TID = 4242;
const SITE_RULES = numberArg('--site-rules', 40);

/** A rules file of SITE_RULES rules on opens of a site's own files, each with its paths and programs. */
function siteRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'saker-engine-replay-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'site_rules.yaml');
  const rule = (i: number) => `- rule: Read of app${i} secrets by another program
  desc: engine-replay site rule ${i}
  condition: (evt.type in (open, openat, openat2) and evt.is_open_read=true) and (fd.name startswith /srv/app${i}/secrets/ or fd.filename in (app${i}.key, app${i}.pem)) and not proc.name in (app${i}, app${i}-worker, backup${i})
  output: app${i} secret read (file=%fd.name proc=%proc.name)
  priority: WARNING
`;
  writeFileSync(file, Array.from({ length: SITE_RULES }, (_, i) => rule(i)).join('\n'));
  return file;
}

function snap(tid: number, ptid: number, comm: string, exepath: string, args: string[]): ThreadSnapshot {
  return {
    tid, pid: tid, ptid, sid: 1, vpgid: tid, pgid: tid, vtid: tid, vpid: tid, comm, exe: exepath, exepath, args,
    env: ['PATH=/usr/bin:/bin'], cwd: '/root/', uid: 0, gid: 0, loginuid: 0xffffffff,
    capPermitted: 0x1ffffffffffn, capEffective: 0x1ffffffffffn, capInheritable: 0n, cgroups: ['cpu=/'], tty: 0,
  };
}

const THREADS = [
  snap(1, 0, 'systemd', '/usr/lib/systemd/systemd', []),
  snap(400, 1, 'node', '/usr/bin/node', ['bench/agent-throughput.ts']),
  snap(LOAD_TID, 400, 'load', '/work/bench/build/load', ['openrate', '100000', '4']),
];

/** openat (fd 3) + close pairs over PATHS, in the current exit layouts the sensor writes. */
function buildStream(count: number): { records: Buffer; offsets: number[] } {
  const openat = eventCode('openat');
  const close = eventCode('close');
  const parts: Buffer[] = [];
  let ts = 1_800_000_000_000_000_000n;
  for (let i = 0; parts.length < count; i++) {
    const path = PATHS[i % PATHS.length]!;
    parts.push(encodeEvent({ ts: (ts += 1500n), tid: LOAD_TID, type: openat, params: [3, -100, path, PPM_O_RDONLY, 0, 0xfd01, 1000 + (i % PATHS.length)] }));
    parts.push(encodeEvent({ ts: (ts += 1500n), tid: LOAD_TID, type: close, params: [0, 3] }));
  }
  const offsets: number[] = [];
  let off = 0;
  for (const p of parts) {
    offsets.push(off);
    off += p.length;
  }
  return { records: Buffer.concat(parts), offsets };
}

function freshState(): State {
  const state = new State({ hostUsers: false, containerLookup: false });
  state.loadSnapshots(THREADS);
  return state;
}

/** CPU ns per event over the stream, median of PASSES (the first pass warms the JIT and is
 *  dropped). Process CPU time rather than wall time: neighbours on a shared machine stretch
 *  the wall clock, not the work done. */
interface Timing {
  ns: number;
  /** Scavenges per 100k events, over the measured passes. */
  scavenges: number;
  /** Time in scavenges, ns per event. */
  gcNs: number;
}

/** Minor GCs reported since the last take() (the observer runs between passes). */
class GcCount {
  private count = 0;
  private ms = 0;
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e.toJSON() as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR) continue;
      this.count++;
      this.ms += e.duration;
    }
  });
  constructor() {
    this.obs.observe({ entryTypes: ['gc'] });
  }
  take(): { count: number; ms: number } {
    const r = { count: this.count, ms: this.ms };
    this.count = this.ms = 0;
    return r;
  }
  stop(): void {
    this.obs.disconnect();
  }
}

/** Long enough for the observer's entries, which Node delivers on a later turn of the event loop. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

async function time(stream: { records: Buffer; offsets: number[] }, each: (v: EventView) => void): Promise<Timing> {
  const view = new EventView();
  const samples: number[] = [];
  const gc = new GcCount();
  let scavenges = 0, gcMs = 0;
  for (let p = 0; p <= PASSES; p++) {
    const { records, offsets } = stream;
    await tick();
    gc.take();
    const c0 = process.cpuUsage();
    for (let i = 0; i < offsets.length; i++) each(view.reset(records, offsets[i]!, i + 1));
    const c = process.cpuUsage(c0);
    await tick(); // the observer's entries arrive on the event loop
    const g = gc.take();
    const ns = ((c.user + c.system) * 1000) / offsets.length;
    if (p === 0) continue;
    samples.push(ns);
    scavenges += g.count;
    gcMs += g.ms;
  }
  gc.stop();
  const events = PASSES * stream.offsets.length;
  return { ns: median(samples), scavenges: (scavenges * 1e5) / events, gcNs: (gcMs * 1e6) / events };
}

const gcText = (t: Timing): string => `GC: ${t.scavenges.toFixed(1)} scavenges/100k events, ${t.gcNs.toFixed(1)} ns/event`;

function byRule(stream: { records: Buffer; offsets: number[] }, ruleset: Ruleset<EventContext>): void {
  const state = freshState();
  const openat = eventCode('openat');
  const rules = ruleset.enabledRules().filter((r) => !r.eventCodes || r.eventCodes.includes(openat));
  const cost = new Map(rules.map((r) => [r.name, 0]));
  const view = new EventView();
  let opens = 0;
  for (let i = 0; i < stream.offsets.length; i++) {
    const ctx = state.process(view.reset(stream.records, stream.offsets[i]!, i + 1));
    if (view.type !== openat) continue;
    opens++;
    for (const r of rules) {
      const t0 = process.hrtime.bigint();
      r.filter(ctx);
      cost.set(r.name, cost.get(r.name)! + Number(process.hrtime.bigint() - t0));
    }
  }
  // The engine runs the rules of a code as one generated function sharing field reads and
  // repeated checks (src/filter/group-compiler.ts); here each rule's own filter runs alone.
  console.log(`  rules indexed under openat: ${rules.length}; costliest, each alone (ns per openat, timer overhead included):`);
  for (const [name, ns] of [...cost].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${(ns / opens).toFixed(0).padStart(5)}  ${name}`);
}

async function main(): Promise<void> {
  const stream = buildStream(EVENTS);
  const cfg = loadConfig({});
  const sets: Array<[string, string[]]> = [['built-in', [DEFAULT_RULES_FILE]]];
  const upstream = upstreamRules();
  if (upstream) {
    sets.push(['upstream', upstream]);
    sets.push([`upstream + ${SITE_RULES} site`, [...upstream, siteRules()]]);
  } else console.log('upstream ruleset: skipped, ../shared/peers/falco-rules not found (set SAKER_SHARED)');

  console.log(`engine replay: ${stream.offsets.length} events (openat + close of ${PATHS.length} paths), median of ${PASSES} passes`);
  const stateState = freshState();
  const stateT = await time(stream, (v) => void stateState.process(v));
  const stateNs = stateT.ns;
  console.log(`state only:          ${stateNs.toFixed(0).padStart(5)} ns/event  ${(1e3 / stateNs).toFixed(2)} M events/s  ${gcText(stateT)}`);
  const rows: Record<string, number> = { state: stateNs };
  const gcRows: Record<string, Omit<Timing, 'ns'>> = { state: { scavenges: stateT.scavenges, gcNs: stateT.gcNs } };
  for (const [name, paths] of sets) {
    const loaded = await loadRules(cfg, paths);
    if (!loaded.successful) throw new Error(`cannot load ${name} rules`);
    let alerts = 0;
    const engine = new Engine(loaded.ruleset, freshState(), () => alerts++, { isoTime: false, hostname: 'bench' });
    const t = await time(stream, (v) => engine.process(v));
    const ns = t.ns;
    rows[name] = ns;
    gcRows[name] = { scavenges: t.scavenges, gcNs: t.gcNs };
    console.log(`${`${name} rules:`.padEnd(20)} ${ns.toFixed(0).padStart(5)} ns/event  ${(1e3 / ns).toFixed(2)} M events/s  (${alerts} alerts)  ${gcText(t)}`);
    if (process.argv.includes('--by-rule')) byRule(stream, loaded.ruleset);
  }
  console.log(JSON.stringify({ bench: 'engine-replay', unit: 'ns_per_event', events: stream.offsets.length, rows, gc: gcRows }));
}

await main();
