#!/usr/bin/env bash
# Runs every benchmark under bench/ in turn (npm run bench). Each prints its figures and one JSON
# line; the live ones skip themselves with a message without root or a built sensor, and the
# upstream-ruleset parts without ../shared (or $SAKER_SHARED). About 4 minutes in all on 2 CPUs.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for bench in startup rules-eval scap-read replay-inspect replay-live falco-replay engine-replay sensor-overhead sensor-bpf-cost agent-overhead agent-throughput agent-memory agent-latency outputs; do
  echo "=== bench/$bench.ts"
  node --import tsx "bench/$bench.ts" || { echo "bench/$bench.ts failed" >&2; status=1; }
  echo
done
exit $status
