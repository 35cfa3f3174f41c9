// Property-based and mutation fuzzing of the modules that read outside input: the condition
// parser and compiler, the rules loader, the configuration and -o overrides, the .scap reader and
// the sensor record decoder (src/testing/fuzz-targets.ts). Each gets at least 100,000 inputs
// (FUZZ_INPUTS to change), and the run prints per target inputs/s, refusals (the module's own
// typed error), crashes (any other exception), hangs (an input over 1 s) and the largest heap
// growth over a batch of 1000 inputs. Exit status 1 when any target crashed or hung.
//
//   node --import tsx bench/fuzz.ts [target-name-substring] [--seed N]
import { FUZZ_TARGETS, runFuzz } from '../src/testing/fuzz-targets.js';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : Date.now() % 1_000_000;
const only = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed');
const inputs = Number(process.env.FUZZ_INPUTS ?? 100_000);

// The yaml library reports odd directives as process warnings: thousands of them say nothing here.
process.removeAllListeners('warning');

console.log(`fuzz: ${inputs} inputs per target, seed ${seed}`);
let bad = 0;
const results: Array<{ target: string; inputs: number; perSecond: number; refused: number; crashes: number; hangs: number }> = [];
for (const t of FUZZ_TARGETS) {
  if (only !== undefined && !t.name.includes(only)) continue;
  const r = runFuzz(t, { inputs, seed, hangMs: 1000 });
  const rate = (r.inputs / r.seconds).toFixed(0);
  console.log(`${t.name.padEnd(32)} ${String(r.inputs).padStart(7)} inputs  ${rate.padStart(6)}/s  refused ${String(r.refused).padStart(7)}  ` +
    `crashes ${r.crashes.length}  hangs ${r.slow.length}  max heap growth/batch ${r.maxHeapGrowthMiB.toFixed(1)} MiB`);
  for (const c of r.crashes.slice(0, 5)) console.log(`  crash: ${c.input}\n    ${c.error.replace(/\n/g, '\n    ')}`);
  for (const s of r.slow.slice(0, 5)) console.log(`  hang (${s.ms.toFixed(0)} ms): ${s.input}`);
  bad += r.crashes.length + r.slow.length;
  results.push({ target: t.name, inputs: r.inputs, perSecond: Math.round(r.inputs / r.seconds), refused: r.refused, crashes: r.crashes.length, hangs: r.slow.length });
}
console.log(bad === 0 ? 'fuzz: 0 crashes, 0 hangs' : `fuzz: ${bad} failures`);
console.log(JSON.stringify({ bench: 'fuzz', seed, results }));
process.exitCode = bad === 0 ? 0 : 1;
