#!/usr/bin/env bash
# Runs every benchmark; each prints its own ratios. Benchmarks that need root, the sensor or
# ../shared say so and skip.
set -uo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.ts; do
  case "$b" in bench/workload.ts) continue ;; esac
  echo "== $b"
  node --import tsx "$b" || echo "!! $b failed"
done
