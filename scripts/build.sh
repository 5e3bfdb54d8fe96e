#!/usr/bin/env bash
# Configures and builds the given CMake presets (default: wasm-release, which
# assembles the npm package in dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emcc needs Node to find acorn & co. in /usr/share/nodejs; harmless with emsdk.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
for preset in "${@:-wasm-release}"; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
done
