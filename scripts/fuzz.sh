#!/usr/bin/env bash
# Fuzzes the pure C++ core with libFuzzer (tests/fuzz/): builds the `fuzz`
# preset (clang-14, AddressSanitizer + UndefinedBehaviorSanitizer), then runs
# every target for the given number of seconds (default 60) over a working
# copy of its seed corpus, and prints executions and coverage per target.
#
#   bash scripts/fuzz.sh [seconds-per-target]      # npm run fuzz: 60 s each
#
# New inputs go to build/fuzz/corpus/<target>/ (kept between runs, never into
# the repo; copy an interesting one to tests/fuzz/corpus/<target>/ by hand),
# crash inputs to build/fuzz/artifacts/<target>/. Exits non-zero if any target
# crashed, timed out, ran out of memory or broke an invariant.
#
# Environment: FUZZ_JOBS (targets run at once; default: min(CPUs, targets)),
# FUZZ_TARGETS (space-separated subset).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: bash scripts/fuzz.sh [seconds-per-target]" >&2
  exit 2
fi
targets=(${FUZZ_TARGETS:-fuzz-protocol-decode fuzz-utf8 fuzz-url fuzz-close fuzz-chat-session})
cpus="$(nproc 2>/dev/null || echo 1)"
jobs="${FUZZ_JOBS:-$(( cpus < ${#targets[@]} ? cpus : ${#targets[@]} ))}"

echo "== building the fuzz preset"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

build=build/fuzz
run_target() {
  local target="$1"
  local corpus="$build/corpus/$target" artifacts="$build/artifacts/$target" log="$build/logs/$target.log"
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  # The repo's seeds (and regression inputs) join whatever earlier runs found.
  cp -f tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  local status=0
  "$build/tests/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  echo "$status" >"$build/logs/$target.status"
}

echo "== fuzzing ${targets[*]}: ${seconds}s each, $jobs at a time"
rm -f "$build"/logs/*.status
running=0
for target in "${targets[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
printf '\n%-22s %12s %9s %7s %7s %7s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
  log="$build/logs/$target.log"
  status="$(cat "$build/logs/$target.status" 2>/dev/null || echo '?')"
  # libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/..b ... exec/s: E") and final stats.
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
  corp="$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")"
  execs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
  rate="$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
  result=ok
  if [ "$status" != 0 ]; then
    result="FAILED (exit $status)"
    failed=1
  fi
  printf '%-22s %12s %9s %7s %7s %7s  %s\n' "$target" "${execs:--}" "${rate:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$result"
done

if [ "$failed" != 0 ]; then
  for target in "${targets[@]}"; do
    [ "$(cat "$build/logs/$target.status" 2>/dev/null)" = 0 ] && continue
    log="$build/logs/$target.log"
    echo
    echo "== $target failed (full log: $log)"
    { grep -A1 'invariant violated' "$log" || true; } | head -n 4
    { grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$log" || true; } | head -n 4
    # The stack, reduced to the frames in the project's code: "#N function file:line".
    grep -E '^ +#[0-9]+ .*/(src|tests)/.*\.(cpp|hpp):[0-9]+' "$log" | grep -v '/usr/' |
      sed -E 's/^ +(#[0-9]+) 0x[0-9a-f]+ in (.{0,90}).* ([^ ]+:[0-9]+(:[0-9]+)?)$/   \1 \2 \3/' | head -n 14 || true
    for artifact in "$build/artifacts/$target"/*; do
      [ -e "$artifact" ] || continue
      echo "-- input $artifact ($(wc -c <"$artifact") bytes):"
      od -An -tx1 "$artifact" | head -n 8
      for seed in tests/fuzz/corpus/"$target"/*; do
        if cmp -s "$seed" "$artifact"; then echo "   = the regression input $seed"; fi
      done
      echo "   replay: $build/tests/$target $artifact   (WASMCHAT_FUZZ_TRACE=1 narrates a fuzz-chat-session input)"
    done
  done
  exit 1
fi
