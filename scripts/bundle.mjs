// Bundles one of web/'s entries with everything it imports, including
// Emscripten's glue, into a single minified ES module for dist/:
//   node scripts/bundle.mjs <entry.js> <module-dir> <output.js> [--inline-wasm] [--module NAME]
// <module-dir> holds the Emscripten output (NAME.js + NAME.wasm, NAME
// `wasmchat` unless given: `wasmchat-websocket` is the transport-only module
// of the wasmchat/websocket entry); web/module.js imports it as ./wasmchat.js.
// Without --inline-wasm the bundle loads wasmchat.wasm from next to itself
// (the glue's `new URL('wasmchat.wasm', import.meta.url)`, which bundlers
// follow). With it, web/wasm-binary.js (which exports nothing in the package)
// is replaced by the wasm's bytes, handed to Emscripten as wasmBinary: one
// file for a script-tag embed. Not Emscripten's -sSINGLE_FILE: its glue first
// fetch()es the inlined data: URL, which a strict connect-src reports.
import { build } from 'esbuild';
import path from 'node:path';

const [entry, moduleDir, output, ...flags] = process.argv.slice(2);
if (!entry || !moduleDir || !output) {
  console.error('usage: bundle.mjs <entry.js> <module-dir> <output.js> [--inline-wasm]');
  process.exit(2);
}
const inlineWasm = flags.includes('--inline-wasm');
const moduleName = flags.includes('--module') ? flags[flags.indexOf('--module') + 1] : 'wasmchat';

await build({
  entryPoints: [entry],
  outfile: output,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  loader: { '.wasm': 'binary' },
  plugins: [{
    name: 'wasmchat-module',
    setup(b) {
      b.onResolve({ filter: /^\.\/wasmchat\.js$/ }, () => ({ path: path.resolve(moduleDir, `${moduleName}.js`) }));
      if (!inlineWasm) return;
      b.onResolve({ filter: /^\.\/wasm-binary\.js$/ }, () => ({ path: 'wasm-binary', namespace: 'inline-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'inline-wasm' }, () => ({
        contents: `export { default as wasmBinary } from ${JSON.stringify(path.resolve(moduleDir, `${moduleName}.wasm`))};`,
        loader: 'js',
        resolveDir: moduleDir,
      }));
    },
  }],
});
