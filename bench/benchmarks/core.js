// Benchmark 8: the C++ core outside the browser, measured on this checkout in
// this run. Instructions per decoded and per encoded chat message from
// scripts/protocol-callgrind.sh (valgrind's callgrind on the native build:
// a count, not a time, so the machine's load does not move it), and the code
// bytes of each wasm module by component from scripts/wasm-components.mjs on
// the wasm-profile build (release code, function names kept). Both builds are
// brought up to date first (incremental: seconds when nothing changed).
// The "before" figures (main at b15b5c7) stay in bench/core-figures.md.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { paths } from '../lib/bench-server.js';
import { components } from '../../scripts/wasm-components.mjs';

const run = promisify(execFile);

// Main at b15b5c7, before the size work (bench/core-figures.md, "before").
export const CALLGRIND_BEFORE = { decode: 26_501, encode: 14_387 };

const PROFILE_MODULES = [
  { id: 'chat', label: 'wasmchat.wasm (transport + chat: the package module)', file: 'build/wasm-profile/module/wasmchat.wasm' },
  { id: 'websocket', label: 'wasmchat_websocket.wasm (transport only)', file: 'build/wasm-profile/module/websocket/wasmchat_websocket.wasm' },
];

async function bash(script, args, timeoutMs) {
  const { stdout } = await run('bash', [path.join(paths.root, script), ...args], {
    cwd: paths.root, timeout: timeoutMs, maxBuffer: 1 << 26,
  });
  return stdout;
}

export async function runCore({ options, log }) {
  const errors = [];
  let callgrind = null;
  if (options.core.callgrind) {
    log('  callgrind: instructions per decoded and per encoded message (native-release build)');
    try {
      const out = await bash('scripts/protocol-callgrind.sh', [], options.core.timeoutMs);
      const figure = (mode) => Number(out.match(new RegExp(`^${mode}: (\\d+) instructions per message`, 'm'))?.[1]);
      callgrind = { decode: figure('decode'), encode: figure('encode'), before: CALLGRIND_BEFORE, source: out.match(/^source: (.*)$/m)?.[1] ?? '' };
      if (!Number.isFinite(callgrind.decode) || !Number.isFinite(callgrind.encode)) throw new Error(`unexpected output: ${out.trim()}`);
    } catch (error) {
      errors.push(`core callgrind: ${error.message}`);
    }
  }
  log('  code bytes by component (wasm-profile build)');
  const modules = [];
  try {
    await bash('scripts/build.sh', ['wasm-profile'], options.core.timeoutMs);
    for (const module of PROFILE_MODULES) {
      const file = path.join(paths.root, module.file);
      if (!fs.existsSync(file)) continue;
      const { sums, codeBytes, totalBytes, functions } = components(file);
      modules.push({
        ...module,
        totalBytes,
        codeBytes,
        functionCount: functions.length,
        components: [...sums].filter(([, s]) => s.count > 0).map(([label, s]) => ({ label, bytes: s.bytes, count: s.count })),
      });
    }
    if (!modules.length) throw new Error('no wasm-profile module was built');
  } catch (error) {
    errors.push(`core components: ${error.message}`);
  }
  return { callgrind, modules, errors };
}
