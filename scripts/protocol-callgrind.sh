#!/usr/bin/env bash
# Instructions per decoded and per encoded chat message, counted by valgrind's
# callgrind on the pure protocol code built natively (g++ -O2, the
# native-release preset): noise-free, unlike the timed benchmarks.
#
#   bash scripts/protocol-callgrind.sh [source-dir]    # npm run bench:callgrind
#
# source-dir (default: this checkout) lets the same measurement run on another
# tree, e.g. an export of an older commit (bench/protocol_callgrind.cpp is
# copied into it when it lacks one). Each figure is (I(n2) - I(n1)) / (n2 - n1)
# over two runs, so start-up and first-call costs cancel out.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$(cd "${1:-$here}" && pwd)"
command -v valgrind >/dev/null || { echo "protocol-callgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }

if [ ! -f "$source_dir/bench/protocol_callgrind.cpp" ]; then
  cp "$here/bench/protocol_callgrind.cpp" "$source_dir/bench/"
fi
if ! grep -q protocol_callgrind "$source_dir/CMakeLists.txt"; then
  # An older tree: build the program against its wasmchat_chat library.
  build="$source_dir/build/protocol-callgrind"
  cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" --target wasmchat_chat >/dev/null
  third_party="$build/third_party/include"
  g++ -std=c++20 -O2 -DNDEBUG -I"$source_dir/src" -isystem "$third_party" \
    "$source_dir/bench/protocol_callgrind.cpp" "$build/libwasmchat_chat.a" "$build/libwasmchat_rules.a" \
    -o "$build/protocol_callgrind"
  program="$build/protocol_callgrind"
else
  (cd "$source_dir" && cmake --preset native-release >/dev/null && cmake --build --preset native-release --target protocol_callgrind >/dev/null)
  program="$source_dir/build/native-release/protocol_callgrind"
fi

n1=1000
n2=11000
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
instructions() {  # mode count -> total instructions (Ir) of the run
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2" "$program" "$1" "$2" >/dev/null 2>&1
  awk '/^(summary|totals):/ { print $2; exit }' "$out/$1.$2"
}
echo "source: $source_dir ($(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout'))"
for mode in decode encode; do
  a="$(instructions "$mode" "$n1")"
  b="$(instructions "$mode" "$n2")"
  echo "$mode: $(( (b - a) / (n2 - n1) )) instructions per message"
done
