// Fuzz targets: the modules that take input from outside (a rules author, an operator's -o, a
// capture file, the sensor's byte stream), each with generators of inputs (property-based, from
// a small grammar, and mutations of real seeds) and the one error type the module may throw. Any
// other exception is a crash. bench/fuzz.ts runs each for 100,000+ inputs and prints the rate;
// fuzz-targets.test.ts runs each for a few thousand inputs as part of npm test.
import fc from 'fast-check';
import { ConfigError, resolveConfig } from '../config/index.js';
import { applyOverride } from '../config/index.js';
import { RecordSplitter, RecordStreamError } from '../capture/live/index.js';
import { ScapFormatError } from '../capture/scap/index.js';
import { ScapParser } from '../capture/scap/index.js';
import { ScapWriter } from '../capture/scap/index.js';
import { encodeEvent, eventCode, type ParamValue } from '../events/index.js';
import { EventView } from '../events/index.js';
import { renderArgs } from '../events/index.js';
import { compileFilter, FilterCompileError } from '../filter/index.js';
import { FilterSyntaxError, parseCondition } from '../filter/index.js';
import { loadRulesContents } from '../rules/index.js';
import { Writable } from 'node:stream';

export interface FuzzTarget<T> {
  name: string;
  /** Inputs: a mix of generated and mutated ones. */
  arbitrary: fc.Arbitrary<T>;
  /** Feeds one input to the module; returns normally or throws. */
  run(input: T): void;
  /** True for the module's own typed error (a refusal, not a crash). */
  ownError(e: unknown): boolean;
  /** A short printable form of an input, for reports. */
  show(input: T): string;
}

// --- mutation of seed bytes -------------------------------------------------------------------

type Mutation = { op: 0 | 1 | 2 | 3 | 4; pos: number; len: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Array<0 | 1 | 2 | 3 | 4>>(0, 1, 2, 3, 4),
  pos: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  byte: fc.integer({ min: 0, max: 255 }),
});

/** Applies mutations: set a byte, flip a bit, delete a run, duplicate a run, insert a byte. */
export function mutate(seed: Buffer, muts: readonly Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of muts) {
    if (b.length === 0) break;
    const pos = m.pos % b.length;
    switch (m.op) {
      case 0: b[pos] = m.byte; break;
      case 1: b[pos] = b[pos]! ^ (1 << (m.byte & 7)); break;
      case 2: b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + m.len))]); break;
      case 3: b = Buffer.concat([b.subarray(0, pos + m.len), b.subarray(pos, Math.min(b.length, pos + m.len)), b.subarray(pos + m.len)]); break;
      case 4: b = Buffer.concat([b.subarray(0, pos), Buffer.from([m.byte]), b.subarray(pos)]); break;
    }
  }
  return b;
}

function mutantsOf(seeds: readonly Buffer[], maxMutations = 8): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: maxMutations })).map(([s, m]) => mutate(s, m));
}

const showText = (s: string) => JSON.stringify(s.length > 300 ? s.slice(0, 300) + '…' : s);
const showBytes = (b: Buffer) => `${b.length} bytes: ${b.subarray(0, 64).toString('hex')}${b.length > 64 ? '…' : ''}`;

// --- condition language -----------------------------------------------------------------------

const FIELDS = ['evt.type', 'proc.name', 'fd.name', 'fd.num', 'proc.pid', 'user.name', 'proc.args', 'evt.arg.flags', 'evt.arg[0]',
  'proc.aname[2]', 'fd.sip', 'fd.net', 'container.id', 'evt.rawres', 'proc.env[HOME]', 'k8s.ns.name', 'nope.field', 'proc'];
const OPS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'intersects', 'pmatch', 'contains', 'icontains', 'startswith', 'endswith',
  'glob', 'iglob', 'regex', 'exists', 'bcontains', 'bstartswith', '==', '?'];
const VALUES = ['/etc/shadow', 'cat', '1', '-1', '0x10', '"a b"', "'q'", '(a, b)', '()', '127.0.0.0/8', '*.so', '[', 'val(proc.name)',
  'tolower(proc.name)', '\\"', '', '99999999999999999999', '1.5'];

const atom: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...OPS), fc.constantFrom(...VALUES)).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(fc.constantFrom(...FIELDS), fc.array(fc.constantFrom(...VALUES), { maxLength: 4 })).map(([f, vs]) => `${f} in (${vs.join(', ')})`),
  fc.constantFrom(...FIELDS).map((f) => `${f} exists`),
  fc.constantFrom('macro_x', 'spawned_process', 'open_read'),
);
const { condition: conditionArb } = fc.letrec<{ condition: string }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('condition'), fc.constantFrom('and', 'or'), tie('condition')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('condition').map((c) => `not ${c}`),
    tie('condition').map((c) => `(${c})`),
  ),
}));

const conditionTarget: FuzzTarget<string> = {
  name: 'condition parser + compiler',
  arbitrary: fc.oneof(
    conditionArb,
    fc.tuple(conditionArb, fc.array(mutationArb, { maxLength: 4 })).map(([c, m]) => mutate(Buffer.from(c), m).toString('latin1')),
    fc.string({ maxLength: 200 }),
    fc.nat({ max: 3000 }).map((n) => '('.repeat(n) + 'a=1' + ')'.repeat(n)),
    fc.nat({ max: 3000 }).map((n) => 'not '.repeat(n) + 'a=1'),
  ),
  run(input) {
    compileFilter(parseCondition(input));
  },
  ownError: (e) => e instanceof FilterSyntaxError || e instanceof FilterCompileError,
  show: showText,
};

// --- rules files ------------------------------------------------------------------------------

const RULE_SEEDS = [
  `- list: shells\n  items: [bash, sh]\n- macro: spawned\n  condition: evt.type = execve and evt.dir = <\n- rule: Shell\n  desc: a shell\n  condition: spawned and proc.name in (shells)\n  output: shell %proc.name\n  priority: WARNING\n`,
  `- required_engine_version: 0.26.0\n- rule: R\n  desc: d\n  condition: open_read and fd.name startswith /etc\n  output: o %fd.name\n  priority: NOTICE\n  tags: [a, b]\n  exceptions:\n    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n      values:\n        - [cat, /etc/x]\n`,
  `- rule: R\n  condition: evt.type = open\n  override:\n    condition: append\n- macro: m\n  condition: (a = 1\n- list: l\n  items: [1, [2]]\n  append: true\n`,
];
const yamlScalar = fc.oneof(fc.constantFrom('a', '1', 'true', 'null', '"x"', '[a, b]', '{a: 1}', '&a x', '*a', '|', '>-', '~', '!!str 1', '<<: *a'), fc.string({ maxLength: 20 }));
const yamlDoc: fc.Arbitrary<string> = fc.array(
  fc.tuple(fc.constantFrom('rule', 'macro', 'list', 'required_engine_version', 'required_plugin_versions', 'other'),
    fc.array(fc.tuple(fc.constantFrom('condition', 'desc', 'output', 'priority', 'items', 'enabled', 'tags', 'exceptions', 'append', 'override', 'source', 'warn_evttypes', 'skip-if-unknown-filter'), yamlScalar), { maxLength: 6 }),
    yamlScalar),
  { maxLength: 6 },
).map((items) => items.map(([kind, props, v]) => `- ${kind}: ${v}\n${props.map(([k, pv]) => `  ${k}: ${pv}\n`).join('')}`).join(''));

const rulesTarget: FuzzTarget<string> = {
  name: 'rules loader',
  arbitrary: fc.oneof(
    yamlDoc,
    mutantsOf(RULE_SEEDS.map((s) => Buffer.from(s))).map((b) => b.toString('utf8')),
    fc.string({ maxLength: 300 }),
  ),
  run(input) {
    loadRulesContents([{ name: 'fuzz.yaml', content: input }], { continueOnError: true });
  },
  ownError: () => false, // the loader reports every problem in its results, it never throws
  show: showText,
};

// --- configuration and -o ---------------------------------------------------------------------

const CONFIG_KEYS = ['json_output', 'priority', 'rule_matching', 'rules_files', 'rules_files[0]', 'rules_files[]', 'rules[].disable.tag',
  'rules[].enable.rule', 'append_output[].extra_output', 'file_output.enabled', 'file_output.filename', 'base_syscalls.custom_set[]',
  'base_syscalls.repair', 'time_format_iso_8601', 'a\\.b', '__proto__.polluted', 'constructor.prototype.polluted', 'x[4294967295]',
  'rules_files[99999999]', 'outputs.rate', 'buffered_outputs', 'stdout_output.enabled', 'rules_file', 'a..b', '.a', 'a[', 'a[]]'];
const CONFIG_VALUES = ['true', 'false', '1', '-5', 'x', '', 'null', '[1, 2]', '{a: 1}', '!close', 'warning', 'all', 'first', '1e400', 'a=b'];

const configTarget: FuzzTarget<string[]> = {
  name: 'configuration and -o overrides',
  arbitrary: fc.array(fc.oneof(
    fc.tuple(fc.constantFrom(...CONFIG_KEYS), fc.constantFrom(...CONFIG_VALUES)).map(([k, v]) => `${k}=${v}`),
    fc.string({ maxLength: 40 }),
  ), { maxLength: 6 }),
  run(overrides) {
    const raw: Record<string, unknown> = {};
    for (const o of overrides) applyOverride(raw, o);
    resolveConfig(raw);
    // A key must never reach Object.prototype (-o __proto__.x=1).
    if (Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')) {
      delete (Object.prototype as Record<string, unknown>).polluted;
      throw new Error('an override polluted Object.prototype');
    }
  },
  ownError: (e) => e instanceof ConfigError,
  show: (o) => JSON.stringify(o),
};

// --- .scap reader -----------------------------------------------------------------------------

/** A small capture made by our own writer: section, tables, a few events of varied layouts. */
function seedCapture(): Buffer {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
  const w = new ScapWriter(sink);
  w.writeTables({
    machine: { numCpus: 2, memorySizeBytes: 1n << 30n, maxPid: 32768n, hostname: 'fuzz', bootTsEpoch: 1n, flags: 0n },
    processes: [{
      tid: 10, pid: 10, ptid: 1, sid: 10, vpgid: 10, pgid: 10, comm: 'cat', exe: 'cat', exepath: '/bin/cat', args: ['/etc/shadow'], env: ['A=1'],
      cwd: '/root/', fdlimit: 1024, flags: 0, uid: 0, gid: 0, vmSizeKb: 1, vmRssKb: 1, vmSwapKb: 0, pfMajor: 0n, pfMinor: 0n, vtid: 10, vpid: 10,
      cgroups: ['cpu=/'], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 0, exeWritable: false, capInheritable: 0n, capPermitted: 0n,
      capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false, exeFromMemfd: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n,
      fds: [{ fd: 3, ino: 1n, type: 0, openFlags: 1, name: '/etc/passwd' }],
    }],
    users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/sh' }],
    groups: [{ gid: 0, name: 'root' }],
    interfaces: [],
  });
  for (const ev of seedRecords()) w.writeEvent(ev);
  void w.flush();
  return Buffer.concat(chunks);
}

/** Records of a few layouts (fixed, strings, byte buffers, socket tuples) as the sensor sends them. */
function seedRecords(): Buffer[] {
  const ev = (name: string, params: ParamValue[]) => encodeEvent({ ts: 1_700_000_000_000_000_000n, tid: 10, type: eventCode(name), params });
  return [
    ev('openat', [3, -100, '/etc/shadow', 1, 0, 0, 0]),
    ev('close', [0, 3]),
    ev('execve', [0, '/bin/cat', Buffer.from('cat\0/etc/shadow\0'), 10, 10, 1, '', 1024, 0, 0, 0, 0, 0, 'cat', Buffer.from('/sys/fs/cgroup\0'), Buffer.from('A=1\0'), 0, 10, 0, 0, 0, 0n, 0, 0, 0, '/bin/cat']),
    ev('connect', [0, Buffer.from('0200115c7f000001', 'hex'), Buffer.from('027f000001d4317f000001115c', 'hex'), 3]),
    ev('read', [5, Buffer.from('hello'), 3, 5]),
  ];
}

const captureSeeds = (() => {
  let seeds: Buffer[] | undefined;
  return () => (seeds ??= [seedCapture()]);
})();

const scapTarget: FuzzTarget<Buffer> = {
  name: '.scap reader',
  arbitrary: fc.oneof(
    fc.constant(null).chain(() => mutantsOf(captureSeeds(), 12)),
    fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.concat([captureSeeds()[0]!.subarray(0, 28), Buffer.from(a)])),
  ),
  run(input) {
    const p = new ScapParser({ file: 'fuzz.scap' });
    const view = new EventView();
    // Fed in two chunks: a block cut between chunks takes the carry path too.
    const cut = input.length >> 1;
    p.feed(input.subarray(0, cut));
    for (let it = p.next(); it; it = p.next()) if (it.kind === 'event') renderArgs(it.evt);
    p.feed(input.subarray(cut));
    p.end();
    for (let it = p.next(); it; it = p.next()) if (it.kind === 'event') renderArgs(it.evt);
    void view;
  },
  ownError: (e) => e instanceof ScapFormatError,
  show: showBytes,
};

// --- sensor record stream ---------------------------------------------------------------------

const recordStream = (() => {
  let s: Buffer | undefined;
  return () => (s ??= Buffer.concat(seedRecords()));
})();

const recordTarget: FuzzTarget<{ bytes: Buffer; cuts: number[] }> = {
  name: 'sensor record decoder',
  arbitrary: fc.record({
    bytes: fc.oneof(
      fc.constant(null).chain(() => mutantsOf([recordStream()], 12)),
      fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
    ),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
  }),
  run({ bytes, cuts }) {
    const splitter = new RecordSplitter(64 * 1024);
    const view = new EventView();
    let n = 0;
    const sink = (buf: Buffer, start: number) => {
      const bad = view.load(buf, start, ++n, 0, buf.length - start);
      if (bad === undefined) renderArgs(view);
    };
    // The stream arrives in arbitrary chunks, as pipe reads cut it.
    const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
    let at = 0;
    for (const p of [...points, bytes.length]) {
      splitter.push(bytes.subarray(at, p), sink);
      at = p;
    }
  },
  ownError: (e) => e instanceof RecordStreamError,
  show: ({ bytes }) => showBytes(bytes),
};

export const FUZZ_TARGETS: ReadonlyArray<FuzzTarget<never>> = [conditionTarget, rulesTarget, configTarget, scapTarget, recordTarget] as never;

// --- the runner -------------------------------------------------------------------------------

export interface FuzzReport {
  target: string;
  inputs: number;
  seconds: number;
  /** Inputs the module refused with its own error. */
  refused: number;
  crashes: Array<{ input: string; error: string }>;
  /** Inputs that took longer than the hang threshold. */
  slow: Array<{ input: string; ms: number }>;
  /** Largest heap growth seen over a batch, MiB. */
  maxHeapGrowthMiB: number;
}

export interface FuzzRunOptions {
  inputs: number;
  seed?: number;
  /** An input slower than this counts as a hang (default 1000 ms). */
  hangMs?: number;
  batch?: number;
}

/** Runs `t` on `opts.inputs` inputs drawn from its arbitrary (seeded, so a run can be replayed). */
export function runFuzz<T>(t: FuzzTarget<T>, opts: FuzzRunOptions): FuzzReport {
  const batch = opts.batch ?? 1000;
  const hangMs = opts.hangMs ?? 1000;
  const report: FuzzReport = { target: t.name, inputs: 0, seconds: 0, refused: 0, crashes: [], slow: [], maxHeapGrowthMiB: 0 };
  const t0 = process.hrtime.bigint();
  let seed = opts.seed ?? 42;
  while (report.inputs < opts.inputs) {
    const n = Math.min(batch, opts.inputs - report.inputs);
    const inputs = fc.sample(t.arbitrary, { numRuns: n, seed: seed++ });
    const heap0 = process.memoryUsage().heapUsed;
    for (const input of inputs) {
      const s = process.hrtime.bigint();
      try {
        t.run(input);
      } catch (e) {
        if (t.ownError(e)) report.refused++;
        else if (report.crashes.length < 20) report.crashes.push({ input: t.show(input), error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e) });
        else report.crashes.length++; // counted, not kept
      }
      const ms = Number(process.hrtime.bigint() - s) / 1e6;
      if (ms > hangMs && report.slow.length < 20) report.slow.push({ input: t.show(input), ms });
    }
    report.inputs += n;
    report.maxHeapGrowthMiB = Math.max(report.maxHeapGrowthMiB, (process.memoryUsage().heapUsed - heap0) / (1 << 20));
  }
  report.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return report;
}

