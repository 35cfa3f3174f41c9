#!/usr/bin/env bash
# The whole suite: set-up first (idempotent), then the static checks (lint; the checks stop the
# run before any test when they fail), then unit tests beside the code and end-to-end tests that
# drive the real CLI. Node's test runner prints the summary CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The lint cache (.cache/eslint) keeps a re-run to the changed files; CI starts without one.
npx eslint --cache --cache-strategy content --cache-location .cache/eslint/ .
mapfile -t files < <(find src test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
