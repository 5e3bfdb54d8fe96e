// Shared by tests/package/*.test.js: the package as a consumer gets it (packed
// with `npm pack`, installed offline into a fresh temporary project), static
// servers on 127.0.0.1 with a strict Content-Security-Policy, and browser
// pages (tests/browser/browsers.js) that record console errors and CSP violations. Every wait has a deadline.
import { before, after } from 'node:test';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { staticFiles } from '../../server/static-files.js';
import { createChatServer } from '../../server/chat-server.js';

import { launchBrowser } from '../browser/harness.js';
import { withoutAbandonedConnections, PROBE_PATH, PROBE_NEEDED, probeScript } from '../browser/browsers.js';

export { launchBrowser };
export { startServer } from '../../server/app.js';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const here = fileURLToPath(new URL('./', import.meta.url));
export const bin = (name) => path.join(repoRoot, 'node_modules', '.bin', name);

/** The policy every page here is served with (no inline script, no eval, wasm allowed). */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws: wss:";

export const DEADLINE_MS = 10_000;

/** Rejects with `what` if `promise` has not settled after `ms`. */
export function withDeadline(promise, what, ms = DEADLINE_MS) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Packs the repository as it is (dist/ as built) and installs the tarball into
 * a fresh temporary project, offline. Returns the project's directory, the
 * installed package's directory and what `npm pack --dry-run --json` reports.
 * Packed and installed once per content of what npm packs (the package suite
 * runs once per browser engine, and in several files); each call gets its own
 * copy.
 */
export async function packAndInstall() {
  const hash = crypto.createHash('sha256');
  for (const input of ['package.json', 'README.md', 'LICENSE', 'dist']) hashTree(hash, path.join(repoRoot, input));
  const cacheRoot = path.join(os.tmpdir(), 'wasmchat-package-cache');
  const cache = path.join(cacheRoot, hash.digest('hex').slice(0, 16));
  if (!fs.existsSync(cache)) {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const building = fs.mkdtempSync(path.join(cacheRoot, 'building-'));
    await packAndInstallInto(building);
    // Renamed whole, so that a concurrent run sees all of it or none.
    try { fs.renameSync(building, cache); } catch { fs.rmSync(building, { recursive: true, force: true }); }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmchat-package-'));
  fs.cpSync(cache, dir, { recursive: true });
  const { packInfo, tarballName } = JSON.parse(fs.readFileSync(path.join(dir, 'pack.json'), 'utf8'));
  const project = path.join(dir, 'project');
  return {
    dir,
    project,
    installed: path.join(project, 'node_modules', 'wasmchat'),
    tarball: path.join(dir, tarballName),
    packInfo,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function packAndInstallInto(dir) {
  const npm = { timeout: 60_000, maxBuffer: 16 << 20 };
  const { stdout: dryRun } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { ...npm, cwd: repoRoot });
  const [packInfo] = JSON.parse(dryRun);
  const { stdout: packed } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { ...npm, cwd: repoRoot });
  const tarballName = JSON.parse(packed)[0].filename;

  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'),
    JSON.stringify({ name: 'wasmchat-consumer', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', path.join(dir, tarballName), '--no-audit', '--no-fund', '--offline', '--ignore-scripts', '--loglevel=error'],
    { ...npm, cwd: project });
  const installed = path.join(project, 'node_modules', 'wasmchat');
  if (!fs.existsSync(path.join(installed, 'package.json'))) throw new Error(`npm install did not create ${installed}`);
  fs.writeFileSync(path.join(dir, 'pack.json'), JSON.stringify({ packInfo, tarballName }));
}

/** Bytes of `file` gzipped at zlib's default level (what a server's gzip usually sends). */
export const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file)).length;

/**
 * An HTTP server on 127.0.0.1:0 serving `mounts` (see server/static-files.js)
 * with the CSP header (unless `csp` is null), and, with `chat`, the real chat
 * server's upgrade on /ws of the same origin. `requests` lists the paths served.
 */
export async function serveStatic(mounts, { csp = CSP, chat = false } = {}) {
  const serve = staticFiles(mounts);
  const requests = [];
  const chatServer = chat ? createChatServer(typeof chat === 'object' ? chat : {}) : null;
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url, 'http://localhost');
    if (PROBE_NEEDED && pathname === PROBE_PATH) {
      return response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(probeScript(recordCspViolations));
    }
    requests.push(pathname);
    if (csp) response.setHeader('content-security-policy', csp);
    if (PROBE_NEEDED) injectProbe(response);
    serve(request, response, () => {
      if (request.url === '/favicon.ico') return response.writeHead(204).end();
      response.writeHead(404).end('not found');
    });
  });
  server.on('upgrade', (request, socket, head) => {
    if (chatServer && new URL(request.url, 'http://localhost').pathname === '/ws') {
      return chatServer.handleUpgrade(request, socket, head);
    }
    socket.on('error', () => {});
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    chat: chatServer,
    requests,
    async close() {
      await chatServer?.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// Runs in the page, from its start: securitypolicyviolation events, recorded once.
function recordCspViolations() {
  if (window.__cspViolations) return;
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
  });
}

// For WebKit (see PROBE_PATH): an HTML response gets the probe's script tag
// first in its <head>, so that it runs before the page's own scripts.
function injectProbe(response) {
  const { writeHead, write, end } = response;
  let html = false;
  const chunks = [];
  response.writeHead = function probedWriteHead(status, headers = {}) {
    html = /^text\/html/.test(headers['content-type'] ?? '');
    if (html) delete headers['content-length'];
    return writeHead.call(this, status, headers);
  };
  response.write = function probedWrite(chunk, ...rest) {
    if (!html) return write.call(this, chunk, ...rest);
    chunks.push(Buffer.from(chunk));
    return true;
  };
  response.end = function probedEnd(chunk, ...rest) {
    if (!html) return end.call(this, chunk, ...rest);
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    const page = Buffer.concat(chunks).toString('utf8');
    const tag = `<script src="${PROBE_PATH}"></script>`;
    const at = page.search(/<head[^>]*>/i);
    const probed = at < 0 ? tag + page : page.replace(/<head[^>]*>/i, (head) => head + tag);
    return end.call(this, probed);
  };
}

/**
 * Opens `url` in a new page of `browser` (its own context, so nothing is
 * cached between pages) that records console errors, page errors, failed
 * requests and `securitypolicyviolation` events from the document's start.
 */
export async function openPage(browser, url, { waitUntil = 'load' } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = { consoleErrors: [], pageErrors: [] };
  page.on('console', (m) => { if (m.type === 'error') problems.consoleErrors.push(m.text); });
  page.on('pageerror', (e) => problems.pageErrors.push(String(e)));
  await page.addInitScript(recordCspViolations);
  await page.goto(url, { waitUntil, timeout: DEADLINE_MS });
  return {
    page,
    context,
    /** Console errors, page errors and CSP violations so far. */
    async problems() {
      const cspViolations = page.isClosed() ? [] : await page.evaluate(() => window.__cspViolations);
      return { ...problems, consoleErrors: withoutAbandonedConnections(problems.consoleErrors), cspViolations };
    },
    close: () => context.close(),
  };
}

/** Waits until `fn(arg)` is truthy in the page; returns its value. */
export async function until(page, fn, arg, what, ms = DEADLINE_MS) {
  try {
    return await page.waitForFunction(fn, arg, { timeout: ms, polling: 20 });
  } catch (error) {
    throw new Error(`timed out after ${ms} ms waiting until ${what}: ${error.message.split('\n')[0]}`);
  }
}

/**
 * Registers the hooks of a test file that serves `directory` as a static site
 * beside the installed package (/node_modules/), with the chat server, under
 * the strict CSP; `env.pkg`, `env.site` and `env.browser` are set once the
 * `before` hook ran.
 */
export function usePackageSite(directory) {
  const env = { pkg: null, site: null, browser: null };
  before(async () => {
    env.pkg = await packAndInstall();
    env.site = await serveStatic({
      '/': path.join(here, directory),
      '/node_modules/': path.join(env.pkg.project, 'node_modules'),
    }, { chat: true });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.site?.close();
    env.pkg?.cleanup();
  });
  return env;
}

function hashTree(hash, root) {
  const entries = fs.statSync(root).isDirectory()
    ? fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name)).sort()
    : [root];
  for (const file of entries) hash.update(`${path.relative(root, file)}\0`).update(fs.readFileSync(file));
}

/**
 * Runs `build()` (which writes `outDir`) once per content of `inputs` (files
 * and directories) and `what` (say, the bundler and its version); otherwise
 * copies that build's output into `outDir`. The package suite runs once per
 * browser engine and a bundle does not depend on the engine. Returns whether
 * it built.
 */
export async function cachedBuild(what, inputs, outDir, build) {
  const hash = crypto.createHash('sha256').update(what);
  for (const input of inputs) hashTree(hash, input);
  const slug = what.replace(/[^\w.-]+/g, '_');
  const root = path.join(os.tmpdir(), 'wasmchat-build-cache');
  const cache = path.join(root, `${slug}-${hash.digest('hex').slice(0, 16)}`);
  if (fs.existsSync(path.join(cache, 'complete'))) {
    fs.cpSync(path.join(cache, 'out'), outDir, { recursive: true });
    return false;
  }
  await build();
  fs.mkdirSync(root, { recursive: true });
  for (const old of fs.readdirSync(root)) if (old.startsWith(`${slug}-`)) fs.rmSync(path.join(root, old), { recursive: true, force: true });
  fs.cpSync(outDir, path.join(cache, 'out'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'complete'), '');
  return true;
}

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Copies a directory tree. */
export const copyDir = (from, to) => fs.cpSync(from, to, { recursive: true });

// Emscripten 3.1.6's SINGLE_FILE glue fetch()es its own inlined
// `data:application/octet-stream` URL, which `connect-src` blocks. The
// single-file build avoids it (it passes wasmBinary); these patterns are
// counted apart so the tests that guard against its return say so plainly.
const INLINED_WASM_FETCH = [
  /^Connecting to 'data:application\/octet-stream;base64,.*violates the following Content Security Policy directive: "connect-src/s,
  /^Fetch API cannot load data:application\/octet-stream;base64,.*Refused to connect because it violates the document's Content Security Policy/s,
  /^connect-src blocked data at .*\/wasmchat\.single\.js:/,
];

/** Console messages are cut short: a data: URL in one is 200 kB. */
const cut = (text) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/**
 * Splits what a page reported into the inlined-wasm fetch of the single-file
 * build (`inlinedWasmFetch`, a count) and everything else (cut short).
 */
export function splitKnown({ consoleErrors, pageErrors, cspViolations }) {
  const known = (text) => INLINED_WASM_FETCH.some((re) => re.test(text));
  return {
    other: {
      consoleErrors: consoleErrors.filter((e) => !known(e)).map(cut),
      pageErrors: pageErrors.map(cut),
      cspViolations: cspViolations.filter((e) => !known(e)).map(cut),
    },
    inlinedWasmFetch: [...consoleErrors, ...cspViolations].filter(known).length,
  };
}


/**
 * Opens `url(nickname)` for ana and ben (pages with #state, form#send with
 * input[name=text], #log li lines "from: text", and `window.chat`), waits for
 * both chats to open, sends one line from each (ana by Enter, ben by the
 * button) and checks each sees the other's. `label` makes the lines unique:
 * the server replays its history to newcomers. Returns what the pages
 * reported (console errors, page errors, CSP violations) and `evaluate(fn)`
 * results of `inspect` on ana's page, after closing both.
 */
export async function twoPagesTalk(browser, url, label, { inspect = () => null } = {}) {
  const pages = [];
  try {
    for (const nickname of ['ana', 'ben']) {
      pages.push(await withDeadline(openPage(browser, url(nickname)), `page ${url(nickname)}`));
    }
    const [ana, ben] = pages;
    for (const { page } of pages) await until(page, () => window.chat?.state === 'open', null, `the chat is open (${label})`);

    const sees = (text) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === text);
    await ana.page.fill('#send input[name=text]', `ana via ${label}`);
    await ana.page.press('#send input[name=text]', 'Enter');
    await until(ben.page, sees, `ana: ana via ${label}`, `ben sees ana's message (${label})`);
    await ben.page.fill('#send input[name=text]', `ben via ${label}`);
    await ben.page.click('#send button');
    await until(ana.page, sees, `ben: ben via ${label}`, `ana sees ben's message (${label})`);

    const lines = (suffix) => [...document.querySelectorAll('#log li')].map((li) => li.textContent).filter((t) => t.endsWith(suffix));
    const seen = {
      ana: await ana.page.evaluate(lines, ` via ${label}`),
      ben: await ben.page.evaluate(lines, ` via ${label}`),
    };
    const expected = { ana: [`ben: ben via ${label}`], ben: [`ana: ana via ${label}`] };
    if (JSON.stringify(seen) !== JSON.stringify(expected)) {
      throw new Error(`lines seen ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    }
    const names = await Promise.all(pages.map(({ page }) => page.evaluate(() => window.chat.name)));
    if (names.join() !== 'ana,ben') throw new Error(`nicknames ${names}`);
    const inspected = await ana.page.evaluate(inspect);
    const problems = [];
    for (const page of pages) problems.push(splitKnown(await page.problems()));
    return { problems, inspected };
  } finally {
    for (const page of pages) await page.close();
  }
}

/** No console error, page error or CSP violation (but the known inlined-wasm fetch) on any page. */
export const NO_PROBLEMS = { consoleErrors: [], pageErrors: [], cspViolations: [] };
