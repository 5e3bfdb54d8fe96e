#!/usr/bin/env bash
# The whole test suite, the README's `npm test`: set up, build, then the three
# layers. Native and wasm unit tests (doctest through CTest), the server tests,
# then the browser and package tests once per engine of WASMCHAT_BROWSERS
# (default chromium,firefox,webkit; see tests/browser/browsers.js), one engine
# after the other. Ends with each engine's node:test summary and wall time.
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

# Test files beside the browser ones that open no browser: run once.
engine_free=(tests/browser/server.test.js tests/package/pack.test.js tests/package/types.test.js tests/cluster/chat-store.test.js)
echo "== server tests, the engine-free package tests and the cluster store contract (node:test)"
node --test --test-concurrency=1 tests/server/ "${engine_free[@]}"

# The load files push the machine on purpose (500 connections; a 32 MiB flood
# through nginx): they run after the others, one at a time, so that they never
# share the two cores with each other or with another file. In one CI run
# with them in the pairs, both failed in Chromium (15 generator sends missing;
# one extra, unnumbered message on the flooded page); alone they pass.
load_files=(tests/browser/load-short.test.js tests/cluster/cluster-browser.test.js)
browser_files=()
for file in tests/browser/*.test.js tests/interop/*.test.js tests/package/*.test.js tests/cluster/*.test.js; do
  [[ " ${engine_free[*]} ${load_files[*]} " == *" $file "* ]] || browser_files+=("$file")
done
IFS=, read -ra engines <<< "${WASMCHAT_BROWSERS:-chromium,firefox,webkit}"
# Two files at a time within an engine (WASMCHAT_TEST_CONCURRENCY): most of a
# browser test's time is waiting (handshakes, reconnect delays, timeouts), so
# two overlap well on two cores; every file starts its own servers on free
# ports and its own browser, and waits for events with deadlines.
concurrency="${WASMCHAT_TEST_CONCURRENCY:-2}"
failed=()
summary=()
for engine in "${engines[@]}"; do
  echo "== browser and package tests in $engine (node:test, WASMCHAT_BROWSER=$engine)"
  started=$SECONDS
  engine_ok=1
  WASMCHAT_BROWSER="$engine" node --test --test-concurrency="$concurrency" "${browser_files[@]}" || engine_ok=0
  WASMCHAT_BROWSER="$engine" node --test --test-concurrency=1 "${load_files[@]}" || engine_ok=0
  ((engine_ok)) || failed+=("$engine")
  summary+=("$engine: $((SECONDS - started)) s")
done
echo "== browser and package suites: ${summary[*]}"
if ((${#failed[@]})); then
  echo "FAILED in: ${failed[*]}"
  exit 1
fi
