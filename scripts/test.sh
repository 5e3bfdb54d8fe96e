#!/usr/bin/env bash
# The whole test suite, the README's `npm test`: set up, build, then the three
# layers. Native and wasm unit tests (doctest through CTest), then the browser
# tests (node:test in headless Chromium). Ends with node's test-runner summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh native native-sanitize wasm-debug wasm-release

echo "== size budgets"
node scripts/check-size.mjs

echo "== unit tests, native (g++)"
ctest --preset native
echo "== unit tests, native under AddressSanitizer + UndefinedBehaviorSanitizer"
ctest --preset native-sanitize
echo "== fuzzing: corpora and regressions replayed, then 10 s per libFuzzer target"
bash scripts/fuzz.sh 10
ctest --preset fuzz
echo "== unit tests, wasm under Node"
NODE_PATH="/usr/share/nodejs" ctest --preset wasm-debug

echo "== server, browser, package and cluster tests (node:test, Chromium; Redis and nginx for the cluster)"
node --test --test-concurrency=1 tests/server/ tests/browser/ tests/package/ tests/cluster/
