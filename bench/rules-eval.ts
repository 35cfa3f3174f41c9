// Rules engine benchmark (issue: foundation and rules engine).
//  1. Compile time of the three upstream Falco rules files loaded together.
//  2. Evaluation throughput (events/s on one core) of the full upstream ruleset over a realistic
//     synthetic event mix, against the floor: the same pipeline (decode → state → ruleset) with
//     an empty ruleset. Saker's built-in rules are measured too.
// Usage: node --import tsx bench/rules-eval.ts [events]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventView } from '../src/events/event-view.js';
import { loadRulesContents, type Ruleset } from '../src/rules/index.js';
import { compileGroup } from '../src/filter/group-compiler.js';
import { State } from '../src/state/state.js';
import type { EventContext } from '../src/state/types.js';
import { DEFAULT_RULES_FILE } from '../src/agent/rules-files.js';
import { sharedDir } from '../src/testing/shared.js';
import { buildWorkload, type Workload } from './workload.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const shared = sharedDir();
const upstreamFiles = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'];
const upstream = shared
  ? upstreamFiles.map((f) => ({ name: f, content: readFileSync(join(shared, 'peers/falco-rules', f), 'utf8') }))
  : undefined;
const builtin = [{ name: 'saker_rules.yaml', content: readFileSync(DEFAULT_RULES_FILE, 'utf8') }];

function ruleset(inputs: Array<{ name: string; content: string }>): Ruleset<EventContext> {
  const loaded = loadRulesContents(inputs);
  if (!loaded.successful) throw new Error('rules failed to load');
  return loaded.ruleset;
}

/** Events per second through decode → state → rules, on a fresh state each round. */
function throughput(w: Workload, rs: Ruleset<EventContext> | undefined): { rate: number; matches: number } {
  const rates: number[] = [];
  let matches = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const state = new State({ hostUsers: false, containerLookup: false });
    state.loadSnapshots(w.threads);
    const view = new EventView();
    let m = 0;
    const onMatch = () => void m++;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < w.count; i++) {
      view.reset(w.records, w.offsets[i]!, i + 1);
      const ctx = state.process(view);
      if (rs) rs.evaluate(view.type, ctx, onMatch);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push(w.count / (ns / 1e9));
    matches = m;
  }
  return { rate: median(rates), matches };
}

console.log(`# rules-eval: ${N} synthetic events, median of ${ROUNDS} rounds, one core`);
if (upstream) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    ruleset(upstream);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`compile: 3 upstream files (93 rules, 315 macros, 118 lists): ${median(times).toFixed(1)} ms (first ${times[0]!.toFixed(1)} ms)`);
  // The engine compiles the rules of each event code into one function on the code's first event.
  const rules = ruleset(upstream).enabledRules();
  const codes = [...new Set(rules.flatMap((r) => r.eventCodes ?? []))];
  const t0 = process.hrtime.bigint();
  for (const code of codes) compileGroup(rules.filter((r) => r.eventCodes?.includes(code)).map((r) => r.condition), code, true);
  console.log(`rule groups: ${codes.length} event codes compiled in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms (each on its code's first event)`);
} else {
  console.log('compile: skipped (../shared/peers/falco-rules absent)');
}

const w = buildWorkload(N);
throughput(w, undefined); // warm-up: JIT the decode and state paths before measuring
const floor = throughput(w, undefined);
const empty = throughput(w, ruleset([{ name: 'empty.yaml', content: '[]' }]));
console.log(`floor (decode + state, no ruleset):      ${(floor.rate / 1e6).toFixed(2)} M events/s`);
console.log(`empty ruleset:                           ${(empty.rate / 1e6).toFixed(2)} M events/s`);
const own = throughput(w, ruleset(builtin));
console.log(`built-in rules (40):                     ${(own.rate / 1e6).toFixed(2)} M events/s  ratio to empty ${(own.rate / empty.rate).toFixed(3)}  alerts ${own.matches}`);
if (upstream) {
  const up = throughput(w, ruleset(upstream));
  console.log(`upstream rules (81 enabled of 93):       ${(up.rate / 1e6).toFixed(2)} M events/s  ratio to empty ${(up.rate / empty.rate).toFixed(3)}  alerts ${up.matches}`);
} else {
  console.log('upstream rules: skipped (../shared/peers/falco-rules absent)');
}
