// Preloaded into the agent by the benches (node --require, AgentOptions.recordGc): every garbage
// collection's kind, wall-clock start (ms since the epoch, so that the bench can keep those of
// its load window) and pause, written to stderr as one line when the agent exits. The price of
// per-event garbage is young-generation collections (scavenges); the benches count them per
// event. CommonJS, so that it loads before the agent's own modules whatever they are.
'use strict';
const { PerformanceObserver, constants, performance } = require('node:perf_hooks');
const { writeSync } = require('node:fs');

const MAX = 100_000;
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (gcs.length < MAX) gcs.push([e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR ? 1 : 0, Math.round(performance.timeOrigin + e.startTime), +e.duration.toFixed(3)]);
  }
}).observe({ entryTypes: ['gc'] });
process.on('exit', () => writeSync(2, `saker-bench-gc: ${JSON.stringify(gcs)}\n`));
