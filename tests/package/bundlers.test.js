// A consumer app (consumer/app: index.html + main.js importing 'wasmchat')
// built against the INSTALLED package with Vite 7 and with esbuild, each
// output served statically (strict CSP header) and opened twice in the browser
// against one real chat server (server/app.js startServer) on another port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { build as viteBuild, version as viteVersion } from 'vite';
import { build as esbuild } from 'esbuild';
import {
  packAndInstall, serveStatic, launchBrowser, startServer, twoPagesTalk, here, copyDir, NO_PROBLEMS, cachedBuild,
} from './helpers.js';

let pkg;
let chat;
let browser;
let app;
const sites = [];

before(async () => {
  pkg = await packAndInstall();
  app = path.join(pkg.project, 'app');
  copyDir(path.join(here, 'consumer', 'app'), app);
  chat = await startServer({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const site of sites) await site.close();
  await chat?.close();
  pkg?.cleanup();
});

async function serve(mounts) {
  const site = await serveStatic(mounts);
  sites.push(site);
  return site;
}

const chatUrl = () => `ws://127.0.0.1:${chat.port}/ws`;
const pageUrl = (site, file, extra = '') => (nickname) =>
  `${site.origin}/${file}?server=${encodeURIComponent(chatUrl())}&nickname=${nickname}${extra}`;

/** Files under `dir`, relative, sorted. */
const listFiles = (dir) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();

function assertNoProblems(problems) {
  for (const { other, inlinedWasmFetch } of problems) {
    assert.deepEqual(other, NO_PROBLEMS);
    assert.equal(inlinedWasmFetch, 0);
  }
}

test('Vite 7 builds the app, emits the .wasm as an asset, and two built pages chat both ways', async (t) => {
  const outDir = path.join(pkg.project, 'dist-vite');
  const started = performance.now();
  // Built once for all engines (same package, same app): see cachedBuild.
  const built = await cachedBuild(`vite-${viteVersion}`, [app, pkg.installed], outDir, () => viteBuild({
    configFile: false,
    root: app,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  }));
  const files = listFiles(outDir);
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  const js = files.filter((f) => f.endsWith('.js'));
  t.diagnostic(`vite build${built ? '' : ' (cached)'}: ${(performance.now() - started).toFixed(0)} ms, ${files.map((f) => `${f} ${fs.statSync(path.join(outDir, f)).size} B`).join(', ')}`);
  assert.equal(wasm.length, 1, `one .wasm asset in ${files}`);
  assert.deepEqual(fs.readFileSync(path.join(outDir, wasm[0])), fs.readFileSync(path.join(pkg.installed, 'dist', 'wasmchat.wasm')));
  assert.equal(js.length, 1, `one JS chunk in ${files}`);
  assert.ok(fs.readFileSync(path.join(outDir, js[0]), 'utf8').includes(path.basename(wasm[0])), 'the chunk names the hashed wasm');

  const site = await serve({ '/': outDir });
  const { problems } = await twoPagesTalk(browser, pageUrl(site, 'index.html'), 'vite');
  assertNoProblems(problems);
  assert.ok(site.requests.includes(`/${wasm[0]}`), 'the page fetched the emitted wasm');
});

test('esbuild bundles the app; with wasmchat.wasm copied next to the bundle, two pages chat both ways', async (t) => {
  const outDir = path.join(pkg.project, 'dist-esbuild');
  const result = await esbuild({
    absWorkingDir: pkg.project,
    entryPoints: [path.join(app, 'main.js')],
    bundle: true,
    format: 'esm',
    outdir: outDir,
    logLevel: 'silent',
    metafile: true,
  });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(Object.keys(result.metafile.outputs), ['dist-esbuild/main.js']);
  const bundle = fs.readFileSync(path.join(outDir, 'main.js'), 'utf8');
  assert.ok(bundle.includes('new URL("wasmchat.wasm", import.meta.url)'), 'esbuild keeps the wasm URL relative to the bundle');
  // The documented esbuild step: esbuild does not copy the .wasm.
  fs.copyFileSync(path.join(pkg.installed, 'dist', 'wasmchat.wasm'), path.join(outDir, 'wasmchat.wasm'));
  fs.copyFileSync(path.join(app, 'index.html'), path.join(outDir, 'index.html'));
  t.diagnostic(`esbuild: main.js ${Buffer.byteLength(bundle)} B + wasmchat.wasm`);

  const site = await serve({ '/': outDir });
  const { problems } = await twoPagesTalk(browser, pageUrl(site, 'index.html'), 'esbuild');
  assertNoProblems(problems);
  assert.ok(site.requests.includes('/wasmchat.wasm'));
});

// The same bundle without the copy step: the wasm is elsewhere (a CDN-like
// path), and the app says where with the `wasmUrl` option of createChatClient.
async function cdnSite() {
  const outDir = path.join(pkg.project, 'dist-esbuild-cdn');
  const cdn = path.join(pkg.project, 'cdn', 'v1');
  if (!fs.existsSync(outDir)) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.mkdirSync(cdn, { recursive: true });
    fs.copyFileSync(path.join(pkg.project, 'dist-esbuild', 'main.js'), path.join(outDir, 'main.js'));
    for (const html of ['index.html', 'meta.html']) fs.copyFileSync(path.join(app, html), path.join(outDir, html));
    fs.copyFileSync(path.join(pkg.installed, 'dist', 'wasmchat.wasm'), path.join(cdn, 'wasmchat.wasm'));
  }
  return serve({ '/': outDir, '/cdn/v1/': cdn });
}

test('esbuild bundle without the copy step: createChatClient({ wasmUrl }) loads the wasm from another path', async (t) => {
  const site = await cdnSite();
  const { problems } = await twoPagesTalk(browser,
    pageUrl(site, 'index.html', `&wasmUrl=${encodeURIComponent('/cdn/v1/wasmchat.wasm')}`), 'wasmUrl');
  assert.ok(site.requests.includes('/cdn/v1/wasmchat.wasm'), 'the wasm came from wasmUrl');
  // The import-time attempt next to the bundle necessarily 404s first.
  assert.ok(site.requests.includes('/wasmchat.wasm'));
  for (const { other } of problems) {
    t.diagnostic(`console errors with wasmUrl: ${JSON.stringify(other.consoleErrors)}`);
    assert.deepEqual(other.pageErrors, []);
    assert.deepEqual(other.cspViolations, []);
    // Only the browser's own line for that 404, and whatever the package logs about it.
    for (const line of other.consoleErrors) {
      assert.match(line, /404|wasm/i, 'only errors about the missing wasm next to the bundle');
    }
  }
});

test('esbuild bundle without the copy step: <meta name="wasmchat:wasm-url"> points the package at the wasm', async () => {
  const site = await cdnSite();
  const mark = site.requests.length;
  const { problems } = await twoPagesTalk(browser, pageUrl(site, 'meta.html'), 'meta');
  assertNoProblems(problems);
  const wasmRequests = site.requests.slice(mark).filter((p) => p.endsWith('.wasm'));
  assert.deepEqual([...new Set(wasmRequests)], ['/cdn/v1/wasmchat.wasm'], 'no attempt next to the bundle');
});
