#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for building and testing
# wasmchat: Debian packages (as root) and the npm dependencies. Idempotent and
# quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(emscripten cmake ninja-build nlohmann-json3-dev doctest-dev chromium clang-14 libclang-rt-14-dev valgrind
  firefox-esr webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb redis-server nginx openssl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
