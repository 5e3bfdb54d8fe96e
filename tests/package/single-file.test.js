// The INSTALLED package used from plain pages with no bundler, under the strict
// CSP header: wasmchat.single.js by <script type="module" src> with
// createChatClient imported from it by a same-origin module, and the ES module
// entry (dist/index.js, wasmchat.js, a separate wasmchat.wasm). Also measures
// what a page downloads and how long it takes from import() to `open`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import {
  usePackageSite, openPage, withDeadline, gzipSize, median,
  splitKnown, twoPagesTalk, NO_PROBLEMS,
} from './helpers.js';

const inlinedWasmFetches = { single: 0, multi: 0 };

const env = usePackageSite('csp');

async function pagesTalk(t, kind) {
  const mark = env.site.requests.length;
  const { problems, inspected: defined } = await twoPagesTalk(env.browser,
    (nickname) => `${env.site.origin}/${kind}.html?nickname=${nickname}`, kind,
    { inspect: () => typeof customElements.get('wasm-chat') });
  const served = [...new Set(env.site.requests.slice(mark).filter((p) => p.startsWith('/node_modules/')))].sort();
  t.diagnostic(`${kind}.html loaded from the package: ${served.join(', ')}`);
  for (const { other, inlinedWasmFetch } of problems) {
    inlinedWasmFetches[kind] += inlinedWasmFetch;
    assert.deepEqual(other, NO_PROBLEMS, `problems on a ${kind} page`);
  }
  return { served, defined };
}

test('single file, no bundler, strict CSP: <script type=module src=wasmchat.single.js> + a module using createChatClient', async (t) => {
  const { served, defined } = await pagesTalk(t, 'single');
  assert.deepEqual(served, ['/node_modules/wasmchat/dist/wasmchat.single.js'], 'one file, the wasm inlined');
  assert.equal(defined, 'function', 'the single file defines <wasm-chat> by itself');
});

test('the single-file build makes no request that connect-src blocks', () => {
  assert.equal(inlinedWasmFetches.single, 0, 'console errors and CSP violations for fetching the inlined data: URL');
});

test('ES module entry, no bundler, strict CSP: dist/index.js + wasmchat.js + a separate wasmchat.wasm', async (t) => {
  const { served, defined } = await pagesTalk(t, 'multi');
  assert.ok(served.includes('/node_modules/wasmchat/dist/wasmchat.wasm'), 'the wasm is fetched from next to the JS');
  assert.ok(!served.includes('/node_modules/wasmchat/dist/wasmchat.single.js'));
  assert.equal(defined, 'undefined', 'the ES module entry defines no element by itself');
  assert.equal(inlinedWasmFetches.multi, 0);
});

test('download size and time from import() to open (median of 5 cold page loads each)', async (t) => {
  const runs = { single: [], multi: [] };
  const downloads = {};
  // One unmeasured load of each first (the env.browser starts its helper processes), then 5 each, interleaved.
  for (let i = -1; i < 5; i++) {
    for (const kind of ['single', 'multi']) {
      const mark = env.site.requests.length;
      const loaded = await withDeadline(openPage(env.browser, `${env.site.origin}/timing.html?entry=${kind}`), 'timing.html');
      try {
        const timing = await withDeadline(loaded.page.evaluate(() => window.timing), `import() to open (${kind})`);
        if (i >= 0) runs[kind].push(timing);
        downloads[kind] = [...new Set(env.site.requests.slice(mark).filter((p) => p.startsWith('/node_modules/wasmchat/')))].sort();
        assert.deepEqual(splitKnown(await loaded.problems()).other, NO_PROBLEMS);
      } finally {
        await loaded.close();
      }
    }
  }

  const installedFile = (url) => path.join(env.pkg.project, url);
  const sizes = (urls) => ({
    files: urls.length,
    raw: urls.reduce((sum, url) => sum + fs.statSync(installedFile(url)).size, 0),
    gzip: urls.reduce((sum, url) => sum + gzipSize(installedFile(url)), 0),
  });
  const dist = (names) => names.map((name) => `/node_modules/wasmchat/dist/${name}`).sort();
  // What the page downloaded is exactly the entry, its imports (every shipped
  // module but the single file and the wasmchat/websocket entry, see
  // pack.test.js) and the wasm.
  const shipped = fs.readdirSync(path.join(env.pkg.installed, 'dist'));
  const otherEntries = ['wasmchat.single.js', 'websocket.js'];
  assert.deepEqual(downloads.multi,
    dist([...shipped.filter((f) => f.endsWith('.js') && !otherEntries.includes(f)), 'wasmchat.wasm']));
  assert.deepEqual(downloads.single, dist(['wasmchat.single.js']));
  const multi = sizes(downloads.multi);
  const single = sizes(downloads.single);
  t.diagnostic(`download to start a chat, ES module entry (${multi.files} files: the bundled index.js + wasmchat.wasm): ` +
    `${multi.raw} B raw, ${multi.gzip} B gzip`);
  t.diagnostic(`download to start a chat, wasmchat.single.js: ${single.raw} B raw, ${single.gzip} B gzip`);

  for (const kind of ['single', 'multi']) {
    const open = runs[kind].map((r) => r.openMs);
    const imported = runs[kind].map((r) => r.importMs);
    t.diagnostic(`import() to open, ${kind === 'single' ? 'wasmchat.single.js' : 'dist/index.js'} on loopback: ` +
      `median ${median(open).toFixed(1)} ms (import() resolved at ${median(imported).toFixed(1)} ms; ` +
      `runs ${open.map((ms) => ms.toFixed(1)).join(', ')})`);
    for (const r of runs[kind]) assert.ok(r.importMs <= r.createMs && r.createMs <= r.openMs);
  }
});
