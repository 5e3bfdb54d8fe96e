#!/usr/bin/env bash
# The README's `npm start`: set up, build the package, serve the page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh wasm-release
exec node server/index.js "$@"
