// The agent's per-event cost without the kernel: the open/close stream the live benchmarks
// generate (bench/load.c openrate), encoded as the sensor encodes it, replayed from memory
// through the same Engine (state → rules → alerts) that `saker run` drives. No root needed,
// and far less noisy than the live runs, so it is the before/after measure for hot-path work.
//
//   node --import tsx bench/engine-replay.ts [--events N] [--by-rule] [--before DIR]
//
// Prints CPU ns/event and events/s (median of 5 passes) for state alone and for the full pipeline,
// with the built-in rules and, when ../shared is there, the upstream Falco ruleset, and the
// garbage collections the passes caused (young-generation scavenges per 100k events and their
// time per event: the price of per-event garbage, which grows as the young generation shrinks,
// e.g. under --max-semi-space-size). --by-rule adds the rules costing most per openat.
// "upstream, fed as live": the same stream through the live reader's path, copied into a 256 KB
// read buffer chunk by chunk, cut into records by RecordSplitter and loaded (checked) by
// EventView.load, as LiveSensor delivers what the ring reader drains.
// --before DIR: another checkout's sources (DIR/src, through tsx: no build needed) loaded into
// this same process, each row's passes alternating between the two trees, and the ratio of
// their medians (9 passes each). Run apart, the same tree's figures moved 10-50% with the
// neighbours on this machine; interleaved pass by pass, two copies of one tree measured ratios of
// 0.96-1.08: a difference smaller than that needs several runs.
// "upstream + 40 site" (--site-rules N) adds 40 rules of a site's own on opens to the upstream ones (a file
// written to a temporary folder): their openat group passes V8's size limit for optimising one
// function (the group compiler splits it).
import { readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import * as thisEvents from '../src/events/index.js';
import * as thisAgent from '../src/agent/index.js';
import * as thisConfig from '../src/config/index.js';
import * as thisRulesFiles from '../src/agent/rules-files/index.js';
import * as thisState from '../src/state/index.js';
import * as thisFeed from '../src/testing/record-feed.js';
import type { Ruleset } from '../src/rules/index.js';
import type { EventContext, ThreadSnapshot } from '../src/state/index.js';
import { median, upstreamRules, numberArg } from './agent.js';

const EVENTS = numberArg('--events', 200_000);
const beforeAt = process.argv.indexOf('--before');
const BEFORE = beforeAt > 0 ? resolve(process.argv[beforeAt + 1]!) : undefined;
const PASSES = BEFORE === undefined ? 5 : 9;
const PATHS = ['/etc/hostname', '/etc/passwd', '/usr/lib/os-release', '/etc/ld.so.cache', '/proc/self/stat', '/dev/null'];
const PPM_O_RDONLY = 1;
const LOAD_TID = 4242;
const SITE_RULES = numberArg('--site-rules', 40);
/** The live reader's buffer (sensor.ts READ_BUFFER_BYTES). */
const READ_BUFFER = 256 * 1024;

/** The modules a row needs, of this tree or of another checkout's sources. */
interface Tree {
  events: typeof thisEvents;
  agent: typeof thisAgent;
  config: typeof thisConfig;
  rulesFiles: typeof thisRulesFiles;
  state: typeof thisState;
  feed: typeof thisFeed;
}

const THIS_TREE: Tree = { events: thisEvents, agent: thisAgent, config: thisConfig, rulesFiles: thisRulesFiles, state: thisState, feed: thisFeed };

/** `dir`'s modules, loaded from its sources (tsx compiles them as it does this tree's). */
async function treeAt(dir: string): Promise<Tree> {
  if (!readdirSync(dir).includes('src')) throw new Error(`--before ${dir}: no src/ there`);
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(dir, 'src', path)).href)) as T;
  return {
    events: await load('events/index.ts'),
    agent: await load('agent/index.ts'),
    config: await load('config/index.ts'),
    rulesFiles: await load('agent/rules-files/index.ts'),
    state: await load('state/index.ts'),
    feed: await load('testing/record-feed.ts'),
  };
}
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

interface Stream {
  records: Buffer;
  offsets: number[];
}

/** openat (fd 3) + close pairs over PATHS, in the current exit layouts the sensor writes (as
 *  `tree` encodes them). */
function buildStream(tree: Tree, count: number): Stream {
  const { encodeEvent, eventCode } = tree.events;
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

function freshState(tree: Tree): thisState.State {
  const state = new tree.state.State({ hostUsers: false, containerLookup: false });
  state.loadSnapshots(THREADS);
  return state;
}

/** A row's figures for one tree (see time). */
interface Timing {
  /** CPU ns per event, the median of its passes. */
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

/** One pass over the stream: each event through a row's pipeline. */
type Pass = () => void;

/** A pass handing each record to `each` through a view reset on it (records in place). */
function viewPass(tree: Tree, stream: Stream, each: (v: thisEvents.EventView) => void): Pass {
  const view = new tree.events.EventView();
  return () => {
    const { records, offsets } = stream;
    for (let i = 0; i < offsets.length; i++) each(view.reset(records, offsets[i]!, i + 1));
  };
}

/** A pass feeding the stream as the live reader does (sensor.ts onRead and deliver): chunks
 *  copied into one read buffer, cut into records and each loaded and checked (recordFeed). */
function livePass(tree: Tree, stream: Stream, each: (v: thisEvents.EventView) => void): Pass {
  const feed = tree.feed.recordFeed(each);
  const buffer = Buffer.allocUnsafe(READ_BUFFER);
  return () => {
    const { records } = stream;
    for (let at = 0; at < records.length; at += READ_BUFFER) {
      const n = records.copy(buffer, 0, at, Math.min(records.length, at + READ_BUFFER));
      feed(buffer.subarray(0, n));
    }
  };
}

/** CPU ns per event of `passes` (one per tree), their passes alternating, PASSES each after a
 *  warm-up pass (it warms the JIT and is dropped). Process CPU time rather than wall time:
 *  neighbours on a shared machine stretch the wall clock, not the work done. */
async function time(passes: readonly Pass[], events: number): Promise<Timing[]> {
  const samples = passes.map((): number[] => []);
  const gcs = passes.map(() => ({ scavenges: 0, ms: 0 }));
  const gc = new GcCount();
  for (let p = 0; p <= PASSES; p++) {
    // the trees take turns going first
    const order = passes.map((_, i) => i);
    if (p % 2 === 1) order.reverse();
    for (const i of order) {
      await tick();
      gc.take();
      const c0 = process.cpuUsage();
      passes[i]!();
      const c = process.cpuUsage(c0);
      await tick(); // the observer's entries arrive on the event loop
      const g = gc.take();
      if (p === 0) continue;
      samples[i]!.push(((c.user + c.system) * 1000) / events);
      gcs[i]!.scavenges += g.count;
      gcs[i]!.ms += g.ms;
    }
  }
  gc.stop();
  const total = PASSES * events;
  return samples.map((s, i) => ({ ns: median(s), scavenges: (gcs[i]!.scavenges * 1e5) / total, gcNs: (gcs[i]!.ms * 1e6) / total }));
}

const gcText = (t: Timing): string => `GC: ${t.scavenges.toFixed(1)} scavenges/100k events, ${t.gcNs.toFixed(1)} ns/event`;

function byRule(stream: Stream, ruleset: Ruleset<EventContext>): void {
  const state = freshState(THIS_TREE);
  const { eventCode, EventView } = THIS_TREE.events;
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

/** A row of the table: its pass per tree, made on demand (the rules loaded for it). */
interface Row {
  name: string;
  label: string;
  make: (tree: Tree, stream: Stream) => Promise<{ pass: Pass; alerts: () => number; ruleset?: Ruleset<EventContext> }>;
}

function rows(): Row[] {
  const sets: Array<[string, string[] | undefined]> = [['built-in', undefined]];
  const upstream = upstreamRules();
  if (upstream) {
    sets.push(['upstream', upstream]);
    sets.push([`upstream + ${SITE_RULES} site`, [...upstream, siteRules()]]);
  } else console.log('upstream ruleset: skipped, ../shared/peers/falco-rules not found (set SAKER_SHARED)');
  const engineRow = (name: string, files: string[] | undefined, feed: typeof viewPass, label = `${name} rules:`): Row => ({
    name,
    label,
    make: async (tree, stream) => {
      const loaded = await tree.rulesFiles.loadRules(tree.config.loadConfig({}), files ?? [tree.rulesFiles.DEFAULT_RULES_FILE]);
      if (!loaded.successful) throw new Error(`cannot load ${name} rules`);
      let alerts = 0;
      const engine = new tree.agent.Engine(loaded.ruleset, freshState(tree), () => alerts++, { isoTime: false, hostname: 'bench' });
      return { pass: feed(tree, stream, (v) => engine.process(v)), alerts: () => alerts, ruleset: loaded.ruleset };
    },
  });
  const list: Row[] = [{
    name: 'state',
    label: 'state only:',
    make: async (tree, stream) => {
      const state = freshState(tree);
      return { pass: viewPass(tree, stream, (v) => void state.process(v)), alerts: () => 0 };
    },
  }];
  for (const [name, files] of sets) list.push(engineRow(name, files, viewPass));
  if (upstream) list.push(engineRow('upstream, fed as live', upstream, livePass, 'upstream, fed as live:'));
  return list;
}

async function main(): Promise<void> {
  const trees: Tree[] = [THIS_TREE];
  if (BEFORE !== undefined) trees.push(await treeAt(BEFORE));
  const streams = trees.map((t) => buildStream(t, EVENTS));
  const events = streams[0]!.offsets.length;
  console.log(`engine replay: ${events} events (openat + close of ${PATHS.length} paths), median of ${PASSES} passes${BEFORE ? `, passes alternating with ${BEFORE}` : ''}`);
  const table: Record<string, number> = {};
  const beforeTable: Record<string, number> = {};
  const gcRows: Record<string, Omit<Timing, 'ns'>> = {};
  const rate = (ns: number): string => `${ns.toFixed(0).padStart(5)} ns/event  ${(1e3 / ns).toFixed(2)} M events/s`;
  for (const row of rows()) {
    const made = await Promise.all(trees.map((t, i) => row.make(t, streams[i]!)));
    const [t, b] = await time(made.map((m) => m.pass), events);
    table[row.name] = t!.ns;
    gcRows[row.name] = { scavenges: t!.scavenges, gcNs: t!.gcNs };
    const alerts = row.name === 'state' ? '' : `  (${made[0]!.alerts()} alerts)`;
    if (b === undefined) console.log(`${row.label.padEnd(26)} ${rate(t!.ns)}${alerts}  ${gcText(t!)}`);
    else {
      beforeTable[row.name] = b.ns;
      console.log(`${row.label.padEnd(26)} this ${rate(t!.ns)}  before ${b.ns.toFixed(0).padStart(5)} ns/event  ratio ${(t!.ns / b.ns).toFixed(3)}${alerts}  ${gcText(t!)}`);
    }
    const ruleset = made[0]!.ruleset;
    if (process.argv.includes('--by-rule') && ruleset && row.name !== 'upstream, fed as live') byRule(streams[0]!, ruleset);
  }
  console.log(JSON.stringify({ bench: 'engine-replay', unit: 'ns_per_event', events, rows: table, ...(BEFORE ? { before: beforeTable } : {}), gc: gcRows }));
}

await main();
