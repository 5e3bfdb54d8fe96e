// Bundles web/embed.js and everything it imports into one ES module, with the
// SINGLE_FILE Emscripten glue (wasm inlined as base64) in place of the
// separate wasmchat.js + wasmchat.wasm.
//   node scripts/bundle-single-file.mjs <single-file-glue.js> <output.js>
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [glue, output] = process.argv.slice(2);
if (!glue || !output) {
  console.error('usage: bundle-single-file.mjs <single-file-glue.js> <output.js>');
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
  plugins: [{
    name: 'single-file-glue',
    setup(b) {
      b.onResolve({ filter: /^\.\/wasmchat\.js$/ }, () => ({ path: path.resolve(glue) }));
    },
  }],
});
