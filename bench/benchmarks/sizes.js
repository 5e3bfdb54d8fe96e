// Benchmark 6: the bytes a page downloads to start a chat, gzip -9 of each
// file, summed. Module graphs are read from the built files themselves
// (static relative imports and `new URL('x.wasm', import.meta.url)`), so this
// follows whatever layout dist/ has (separate modules or one bundle).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { paths } from '../lib/bench-server.js';

// Reference sizes (min+gzip) of small JS WebSocket libraries, as quoted in the
// performance issue; not downloaded or measured here.
export const REFERENCE_LIBRARIES = [
  { name: 'sockette', gzipBytes: 400 },
  { name: 'reconnecting-websocket', gzipBytes: 2600 },
  { name: 'partysocket', gzipBytes: 4200 },
  { name: 'socket.io-client', gzipBytes: 13_100 },
  { name: 'centrifuge', gzipBytes: 23_700 },
];

const gzipSize = (file) => gzipSync(fs.readFileSync(file), { level: 9 }).length;

/** Files reached from `entry`: relative static imports/exports and wasm URLs. */
function graph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    if (!file.endsWith('.js')) return;
    const source = fs.readFileSync(file, 'utf8');
    const dir = path.dirname(file);
    const specifiers = [
      ...source.matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["'](\.{1,2}\/[^"']+)["']/g),
      ...source.matchAll(/new URL\(\s*["']([^"']+\.wasm)["']\s*,\s*import\.meta\.url\s*\)/g),
    ].map((m) => m[1]);
    for (const specifier of specifiers) visit(path.resolve(dir, specifier));
  };
  visit(entry);
  return [...seen];
}

/** The page's own files and absolute imports ('/dist/index.js') resolved against web/ and dist/. */
function pageGraph() {
  const html = fs.readFileSync(path.join(paths.web, 'index.html'), 'utf8');
  const files = [path.join(paths.web, 'index.html')];
  const resolveUrl = (url) => (url.startsWith('/dist/') ? path.join(paths.dist, url.slice(6)) : path.join(paths.web, url.slice(1)));
  for (const m of html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)) {
    const file = resolveUrl(m[1]);
    if (!files.includes(file)) files.push(file);
  }
  // page.js imports /dist/... absolutely.
  for (const file of [...files]) {
    if (!file.endsWith('.js')) continue;
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/from\s*["'](\/dist\/[^"']+)["']/g)) {
      for (const dep of graph(resolveUrl(m[1]))) if (!files.includes(dep)) files.push(dep);
    }
  }
  return files.filter((file) => fs.existsSync(file));
}

function measure(name, files, note = '', id = null) {
  const entries = files.map((file) => ({ file: path.relative(paths.root, file), bytes: fs.statSync(file).size, gzipBytes: gzipSize(file) }));
  return {
    id,
    name,
    note,
    files: entries,
    bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
    gzipBytes: entries.reduce((sum, e) => sum + e.gzipBytes, 0),
  };
}

export async function runSizes({ log }) {
  log('  sizes: gzip -9 of what a page downloads');
  const dist = (file) => path.join(paths.dist, file);
  if (!fs.existsSync(dist('index.js'))) throw new Error('dist/index.js is missing: run `npm run build`');
  const entryGraph = graph(dist('index.js'));
  const results = [];
  // Item 4's separate entry for a page that wants only WasmWebSocket, when
  // the package has one (package.json exports["./websocket"]).
  const exported = JSON.parse(fs.readFileSync(path.join(paths.root, 'package.json'), 'utf8')).exports?.['./websocket'];
  const websocketEntry = typeof exported === 'string' ? exported : exported?.default ?? exported?.import;
  if (websocketEntry && fs.existsSync(path.join(paths.root, websocketEntry))) {
    results.push(measure(`WasmWebSocket only (wasmchat/websocket: ${websocketEntry.replace(/^\.\//, '')} + its imports + wasm)`,
      graph(path.join(paths.root, websocketEntry)), 'what `import { WasmWebSocket } from "wasmchat/websocket"` fetches', 'websocket'));
  }
  const separateTransport = fs.existsSync(dist('wasm-websocket.js'));
  if (separateTransport) {
    results.push(measure('transport only (wasm-websocket.js + its imports + wasm)', graph(dist('wasm-websocket.js')),
      'the least a bundler can keep for WasmWebSocket; the wasm is shared with the chat'));
  }
  results.push(measure('transport via the package entry (dist/index.js + its imports + wasm)', entryGraph,
    separateTransport ? 'what `import { WasmWebSocket } from "wasmchat"` fetches unbundled'
      : 'dist/index.js is one bundle: WasmWebSocket alone is not separable; the wasm holds transport and chat', 'package'));
  results.push(measure('full chat page (index.html + page.css + page.js + package + wasm)', pageGraph(),
    'what `/` downloads', 'page'));
  results.push(measure('single-file embed (dist/wasmchat.single.js)', [dist('wasmchat.single.js')], 'wasm inlined as base64', 'single'));
  const wasm = entryGraph.filter((file) => file.endsWith('.wasm'));
  const wasmOnly = wasm.length ? measure('of which the wasm', wasm) : null;
  return { builds: results, wasm: wasmOnly, references: REFERENCE_LIBRARIES, errors: [] };
}
