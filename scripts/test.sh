#!/usr/bin/env bash
# The whole suite: set-up first (idempotent), then unit tests beside the code and end-to-end tests
# that drive the real CLI. Node's test runner prints the summary CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find src test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
