// `wasmchat/websocket` as a consumer gets it: the INSTALLED tarball's
// exports["./websocket"], resolved by Node's own resolver, imported by a plain
// page under the strict CSP. WasmWebSocket alone works there (a real chat
// connection), and the page downloads only that entry's JS and its own small
// wasm: at most 15 kB gzip in all (issue 10, item 4; scripts/check-size.mjs
// holds the same budget for dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { usePackageSite, openPage, withDeadline, gzipSize, NO_PROBLEMS } from './helpers.js';

const BUDGET_GZIP_BYTES = 15_000;

const env = usePackageSite('websocket');

test('wasmchat/websocket: WasmWebSocket alone from the installed package, strict CSP, its own small wasm', async (t) => {
  const resolved = createRequire(path.join(env.pkg.project, 'main.js')).resolve('wasmchat/websocket');
  assert.equal(resolved, path.join(env.pkg.installed, 'dist', 'websocket.js'));
  const entry = `/${path.relative(env.pkg.project, resolved).split(path.sep).join('/')}`;

  const mark = env.site.requests.length;
  const loaded = await withDeadline(openPage(env.browser, `${env.site.origin}/?entry=${encodeURIComponent(entry)}`), 'the page');
  let result;
  try {
    result = await withDeadline(loaded.page.evaluate(() => window.result), 'the socket\'s open, first message and close');
    assert.deepEqual(await loaded.problems(), NO_PROBLEMS);
  } finally {
    await loaded.close();
  }
  const origin = env.site.origin.replace(/^http/, 'ws');
  assert.deepEqual(result, {
    exports: ['WasmWebSocket', 'ready'], name: 'WasmWebSocket', isWebSocketLike: true,
    readyState: 1, protocol: 'wasmchat.v1', url: `${origin}/ws`, first: 'welcome', closeCode: 1000,
  });

  // Everything the page took from the package: the entry and its wasm, not the chat's.
  const served = [...new Set(env.site.requests.slice(mark).filter((p) => p.startsWith('/node_modules/')))].sort();
  assert.deepEqual(served, ['/node_modules/wasmchat/dist/wasmchat-websocket.wasm', '/node_modules/wasmchat/dist/websocket.js']);
  const sizes = served.map((url) => {
    const file = path.join(env.pkg.project, url);
    return { url, raw: fs.statSync(file).size, gzip: gzipSize(file) };
  });
  const gzip = sizes.reduce((sum, s) => sum + s.gzip, 0);
  for (const s of sizes) t.diagnostic(`${s.url}: ${s.raw} B, ${s.gzip} B gzip`);
  t.diagnostic(`wasmchat/websocket downloads ${gzip} B gzip in all (budget ${BUDGET_GZIP_BYTES} B)`);
  assert.ok(gzip <= BUDGET_GZIP_BYTES, `${gzip} B gzip > ${BUDGET_GZIP_BYTES} B`);
});
