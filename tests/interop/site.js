// Shared by tests/interop/*.test.js: third-party WebSocket libraries bundled
// for the browser with esbuild (one ES module per library, made at set-up in
// a temporary directory: no CDN, no network), served beside the package's
// dist/ from 127.0.0.1, and one browser per test file.
//
// Each test drives the library in one page with the engine's native
// `WebSocket` first (the baseline) and then with `WasmWebSocket`, and compares
// what it observed. Pages come from the browser harness (openPage), so every
// page has `window.WasmWebSocket` and the `window.__h` helpers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import { build } from 'esbuild';
import { launchBrowser, assertDistBuilt, openPage } from '../browser/harness.js';
import { distDir, repoRoot } from '../browser/scenario-server.js';
import { serveStatic } from '../package/helpers.js';

export { until, withDeadline } from '../package/helpers.js';


const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8">' +
  '<link rel="icon" href="data:,"><title>wasmchat interop tests</title></head><body></body></html>';

/**
 * Bundles `libraries` ({ name: ES module source importing from node_modules })
 * into `<dir>/lib/<name>.js`, each one self-contained (its dependencies
 * inlined) and resolved the way a browser bundler does (`browser` fields).
 */
async function bundleLibraries(dir, libraries) {
  for (const [name, contents] of Object.entries(libraries)) {
    await build({
      stdin: { contents, resolveDir: repoRoot, sourcefile: `${name}.entry.js` },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outfile: path.join(dir, 'lib', `${name}.js`),
      logLevel: 'silent',
    });
  }
}

/**
 * Registers the hooks of one interop test file: bundles `libraries`, serves
 * them at /lib/<name>.js with the package at /dist/ and a blank page at /,
 * and launches the browser. `env.open()` opens a page of that site (see
 * harness openPage: console errors and page errors are recorded).
 */
export function useInteropSite(libraries) {
  const env = {
    site: null,
    browser: null,
    open: () => openPage(env.browser, env.site),
  };
  let dir = null;
  before(async () => {
    assertDistBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmchat-interop-'));
    fs.writeFileSync(path.join(dir, 'index.html'), BLANK_PAGE);
    await bundleLibraries(dir, libraries);
    env.site = await serveStatic({ '/': dir, '/dist/': distDir }, { csp: null });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.site?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return env;
}

/** Closes every page opened by a test and returns what they logged as errors. */
export async function closePages(pages) {
  const problems = { consoleErrors: [], pageErrors: [] };
  for (const { page, consoleErrors, pageErrors } of pages) {
    await page.close();
    problems.consoleErrors.push(...consoleErrors);
    problems.pageErrors.push(...pageErrors);
  }
  return problems;
}
