// A consumer app (consumer/app: index.html + main.js importing 'wasmchat')
// built against the INSTALLED package by esbuild (the CLI, in a default
// `npm init -y` project, which npm 11 types "commonjs", and in a "type":
// "module" one), Vite 7, webpack 5 and Rollup 4: each bundler builds once,
// its output is served statically (strict CSP header) and opened twice in
// the browser against one real chat server (server/app.js startServer) on
// another port. No console error, no CSP violation, and WasmWebSocket keeps
// its name through each bundler's minifier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build as viteBuild, version as viteVersion } from 'vite';
import webpack from 'webpack';
import { rollup, VERSION as rollupVersion } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import {
  packAndInstall, serveStatic, launchBrowser, startServer, twoPagesTalk, here, copyDir, bin, NO_PROBLEMS, cachedBuild,
} from './helpers.js';

const run = promisify(execFile);

let pkg;
let chat;
let browser;
let app;
let defaultProject;
const sites = [];

before(async () => {
  pkg = await packAndInstall();
  app = path.join(pkg.project, 'app');
  copyDir(path.join(here, 'consumer', 'app'), app);
  // A new user's project: the app's files at the top of an `npm init -y` project.
  defaultProject = await pkg.defaultProject('default-project');
  copyDir(path.join(here, 'consumer', 'app'), defaultProject.project);
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

/** Each bundler's build, run once however many tests use it. */
const once = (build) => {
  let result = null;
  return () => (result ??= build());
};

// Keyed by a short label (it goes into chat lines, at most 50 code points) and what it means.
const bundlers = {
  'esbuild-cjs: esbuild in a default `npm init -y` project ("type": "commonjs")': once(async () => {
    const { project, installed } = defaultProject;
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
    assert.equal(manifest.type, 'commonjs', 'npm init -y of npm 11 types the project as CommonJS');
    return esbuildCli(project, installed, path.join(project, 'dist'));
  }),
  'esbuild-esm: esbuild in a "type": "module" project': once(() => esbuildCli(app, pkg.installed, path.join(pkg.project, 'dist-esbuild'))),
  'vite: Vite 7': once(async () => {
    const outDir = path.join(pkg.project, 'dist-vite');
    // The slower builds are made once for all engines (same package, same app): see cachedBuild.
    await cachedBuild(`vite-${viteVersion}`, [app, pkg.installed], outDir,
      () => viteBuild({ configFile: false, root: app, logLevel: 'silent', build: { outDir, emptyOutDir: true } }));
    return emitted(outDir, 'the chunk names the hashed wasm');
  }),
  'webpack: webpack 5': once(async () => {
    const outDir = path.join(pkg.project, 'dist-webpack');
    await cachedBuild(`webpack-${webpack.version}`, [app, pkg.installed], outDir, async () => {
      const stats = await new Promise((resolve, reject) => {
        webpack({
          mode: 'production', context: app, entry: './main.js', output: { path: outDir, filename: 'main.js' },
        }, (error, result) => (error ? reject(error) : resolve(result)));
      });
      assert.deepEqual(stats.compilation.errors.map(String), []);
    });
    fs.copyFileSync(path.join(app, 'index.html'), path.join(outDir, 'index.html'));
    return emitted(outDir, 'the bundle names the hashed wasm');
  }),
  'rollup: Rollup 4': once(async () => {
    const outDir = path.join(pkg.project, 'dist-rollup');
    await cachedBuild(`rollup-${rollupVersion}`, [app, pkg.installed], outDir, async () => {
      const bundle = await rollup({ input: path.join(app, 'main.js'), plugins: [nodeResolve({ browser: true })], logLevel: 'silent' });
      await bundle.write({ dir: outDir, format: 'es' });
      await bundle.close();
    });
    // Like esbuild, Rollup leaves `new URL('wasmchat.wasm', import.meta.url)` as it is: the documented copy step.
    return copied(outDir, pkg.installed, app);
  }),
};

/** `esbuild main.js --bundle --format=esm --outdir=<outDir>`, as the README says, in `cwd`. */
async function esbuildCli(cwd, installed, outDir) {
  const { stderr } = await run(bin('esbuild'), ['main.js', '--bundle', '--format=esm', `--outdir=${outDir}`, '--log-level=warning'],
    { cwd, timeout: 60_000 });
  assert.equal(stderr, '', 'esbuild warns about nothing');
  const bundle = fs.readFileSync(path.join(outDir, 'main.js'), 'utf8');
  assert.ok(bundle.includes('new URL("wasmchat.wasm", import.meta.url)'), 'esbuild keeps the wasm URL relative to the bundle');
  // The documented esbuild step: esbuild does not copy the .wasm.
  return copied(outDir, installed, cwd);
}

/** A bundle with the package's wasm and the app's page copied next to it. */
function copied(outDir, installed, appDir) {
  fs.copyFileSync(path.join(installed, 'dist', 'wasmchat.wasm'), path.join(outDir, 'wasmchat.wasm'));
  fs.copyFileSync(path.join(appDir, 'index.html'), path.join(outDir, 'index.html'));
  assert.deepEqual(listFiles(outDir), ['index.html', 'main.js', 'wasmchat.wasm']);
  return { outDir, wasm: 'wasmchat.wasm' };
}

/** A bundler that emitted the package's wasm as an asset of its own name, named by the one JS chunk. */
function emitted(outDir, why) {
  const files = listFiles(outDir);
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  const js = files.filter((f) => f.endsWith('.js'));
  assert.equal(wasm.length, 1, `one .wasm asset in ${files}`);
  assert.deepEqual(fs.readFileSync(path.join(outDir, wasm[0])), fs.readFileSync(path.join(pkg.installed, 'dist', 'wasmchat.wasm')));
  assert.equal(js.length, 1, `one JS chunk in ${files}`);
  assert.ok(fs.readFileSync(path.join(outDir, js[0]), 'utf8').includes(path.basename(wasm[0])), why);
  return { outDir, wasm: wasm[0] };
}

for (const [bundler, build] of Object.entries(bundlers)) {
  test(`${bundler}: the bundled app chats both ways in two pages under the strict CSP`, async (t) => {
    const started = performance.now();
    const { outDir, wasm } = await build();
    t.diagnostic(`${bundler}: ${(performance.now() - started).toFixed(0)} ms, ` +
      listFiles(outDir).map((f) => `${f} ${fs.statSync(path.join(outDir, f)).size} B`).join(', '));
    const site = await serve({ '/': outDir });
    const { problems, inspected } = await twoPagesTalk(browser, pageUrl(site, 'index.html'), bundler.split(':')[0],
      { inspect: () => window.wasmWebSocketName });
    assertNoProblems(problems);
    assert.equal(inspected, 'WasmWebSocket', 'WasmWebSocket.name after the bundler\'s minifier');
    assert.ok(site.requests.includes(`/${wasm}`), 'the page fetched the wasm');
  });
}

// The same bundle without the copy step: the wasm is elsewhere (a CDN-like
// path), and the app says where with the `wasmUrl` option of createChatClient.
async function cdnSite() {
  const outDir = path.join(pkg.project, 'dist-esbuild-cdn');
  const cdn = path.join(pkg.project, 'cdn', 'v1');
  if (!fs.existsSync(outDir)) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.mkdirSync(cdn, { recursive: true });
    await bundlers['esbuild-esm: esbuild in a "type": "module" project']();
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
