// Bundles web/embed.js and everything it imports into one ES module with the
// wasm inlined: web/wasm-binary.js (which exports nothing in the package) is
// replaced by the bytes of wasmchat.wasm, handed to Emscripten as wasmBinary.
// Not Emscripten's -sSINGLE_FILE: its glue first fetch()es the inlined
// data: URL, which a strict connect-src reports as a CSP violation.
//   node scripts/bundle-single-file.mjs <dist-dir> <output.js>
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [dist, output] = process.argv.slice(2);
if (!dist || !output) {
  console.error('usage: bundle-single-file.mjs <dist-dir> <output.js>');
  process.exit(2);
}
const web = fileURLToPath(new URL('../web/', import.meta.url));

await build({
  entryPoints: [path.join(web, 'embed.js')],
  outfile: output,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  loader: { '.wasm': 'binary' },
  plugins: [{
    name: 'inline-wasm',
    setup(b) {
      b.onResolve({ filter: /^\.\/wasmchat\.js$/ }, () => ({ path: path.resolve(dist, 'wasmchat.js') }));
      b.onResolve({ filter: /^\.\/wasm-binary\.js$/ }, () => ({ path: 'wasm-binary', namespace: 'inline-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'inline-wasm' }, () => ({
        contents: `export { default as wasmBinary } from ${JSON.stringify(path.resolve(dist, 'wasmchat.wasm'))};`,
        loader: 'js',
        resolveDir: dist,
      }));
    },
  }],
});
