// Shared by tests/package/*.test.js: the package as a consumer gets it (packed
// with `npm pack`, installed offline into a fresh temporary project), static
// servers on 127.0.0.1 with a strict Content-Security-Policy, and browser
// pages (tests/browser/browsers.js) that record console errors and CSP violations. Every wait has a deadline.
import { before, after } from 'node:test';
import { execFile } from 'node:child_process';
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
import { withoutAbandonedConnections } from '../browser/browsers.js';

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
 */
export async function packAndInstall() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmchat-package-'));
  const npm = { timeout: 60_000, maxBuffer: 16 << 20 };
  const { stdout: dryRun } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { ...npm, cwd: repoRoot });
  const [packInfo] = JSON.parse(dryRun);
  const { stdout: packed } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { ...npm, cwd: repoRoot });
  const tarball = path.join(dir, JSON.parse(packed)[0].filename);

  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'),
    JSON.stringify({ name: 'wasmchat-consumer', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--offline', '--ignore-scripts', '--loglevel=error'],
    { ...npm, cwd: project });
  const installed = path.join(project, 'node_modules', 'wasmchat');
  if (!fs.existsSync(path.join(installed, 'package.json'))) throw new Error(`npm install did not create ${installed}`);
  return {
    dir,
    project,
    installed,
    tarball,
    packInfo,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
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
    requests.push(new URL(request.url, 'http://localhost').pathname);
    if (csp) response.setHeader('content-security-policy', csp);
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
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
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
