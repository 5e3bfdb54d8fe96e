// Benchmark 5: time to `open` on a fresh page with an empty HTTP cache (a new
// Playwright browser context per sample): the browser's WebSocket on a bare
// page, our chat page (`/` of startServer, `open` of window.chat), the
// single-file embed (<wasm-chat> from dist/wasmchat.single.js) and the same
// bare page with a WasmWebSocket from wasmchat/websocket (`websocket`). Only a handful
// of frames per sample, so DevTools being attached costs nothing here.
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../lib/browser.js';
import { startServer } from '../../server/app.js';
import { summary, ratio } from '../lib/stats.js';
import { round } from './transport.js';

export const OPEN_VARIANTS = ['native', 'page', 'single', 'websocket'];

// Runs in every page before its own scripts.
function hook() {
  const marks = {};
  let opened;
  window.__benchOpened = new Promise((resolve) => { opened = resolve; });
  window.__benchMark = (what) => {
    if (!(what in marks)) marks[what] = performance.now();
    if (what === 'open') opened(marks);
  };
  // When the page creates its socket: every variant's socket is the
  // engine's (our glue takes the global when the module loads, after this
  // script), so the time to open splits into getting to the socket (page
  // load, module compile, the chat's outbox store) and the handshake.
  const EngineWebSocket = window.WebSocket;
  window.WebSocket = class extends EngineWebSocket {
    constructor(...args) {
      window.__benchMark('socket');
      super(...args);
    }
  };
  // The chat page assigns window.chat = client right after createChatClient
  // resolves, before the socket can be open.
  let chat;
  Object.defineProperty(window, 'chat', {
    configurable: true,
    get: () => chat,
    set(value) {
      chat = value;
      value.addEventListener('open', () => window.__benchMark('open'));
    },
  });
}

async function sample(browser, url, timeoutMs) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.addInitScript(hook);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    const result = await page.evaluate(async (ms) => {
      const marks = await Promise.race([
        window.__benchOpened,
        new Promise((resolve) => setTimeout(() => resolve(null), ms)),
      ]);
      if (marks && window.__benchExpectWelcome) {
        for (let waited = 0; !('welcome' in marks) && waited < 5000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource');
      return {
        marks,
        responseEnd: nav.responseEnd,
        requests: 1 + resources.length,
        transferBytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
        bodyBytes: nav.encodedBodySize + resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
      };
    }, timeoutMs);
    if (!result.marks) throw new Error(`no open within ${timeoutMs} ms${problems.length ? `: ${problems.join('; ')}` : ''}`);
    return {
      navToOpenMs: round(result.marks.open, 1),
      ...('welcome' in result.marks && { navToWelcomeMs: round(result.marks.welcome, 1) }),
      docToOpenMs: round(result.marks.open - result.responseEnd, 1),
      navToSocketMs: round(result.marks.socket, 1),
      requests: result.requests,
      transferBytes: result.transferBytes,
    };
  } finally {
    await context.close();
  }
}

export async function runOpen({ server, options, log }) {
  const { samples, timeoutMs } = options.open;
  log(`  time to open: ${samples} samples each, fresh browser context per sample`);
  const chat = await startServer({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 30_000 });
  try {
    const wsUrl = `ws://127.0.0.1:${chat.port}/ws`;
    const urls = {
      native: `${server.origin}/bench/pages/open-native.html?server=${encodeURIComponent(wsUrl)}`,
      page: chat.url,  // the real thing: `/` of startServer
      single: `${server.origin}/bench/pages/open-single.html?server=${encodeURIComponent(wsUrl)}`,
      websocket: `${server.origin}/bench/pages/open-websocket.html?server=${encodeURIComponent(wsUrl)}`,
    };
    const runs = Object.fromEntries(OPEN_VARIANTS.map((variant) => [variant, []]));
    const errors = [];
    // One unrecorded round first: the browser process itself warms up
    // (the pages' caches do not carry over: every sample has a new context).
    for (const variant of OPEN_VARIANTS) await sample(browser, urls[variant], timeoutMs).catch(() => {});
    for (let i = 0; i < samples; i++) {
      for (const variant of OPEN_VARIANTS) {
        try {
          runs[variant].push(await sample(browser, urls[variant], timeoutMs));
        } catch (error) {
          errors.push(`open ${variant} sample ${i + 1}: ${error.message}`);
          runs[variant].push(null);
        }
      }
    }
    const stats = {};
    for (const variant of OPEN_VARIANTS) {
      stats[variant] = {};
      for (const key of ['navToOpenMs', 'docToOpenMs', 'navToSocketMs']) {
        const values = runs[variant].map((r) => r?.[key] ?? NaN);
        stats[variant][key] = { ...summary(values), vsNative: ratio(values, runs.native.map((r) => r?.[key] ?? NaN)) };
      }
    }
    // The chat's `open` waits for the server's welcome; the native page's first frame is that welcome.
    const welcome = runs.native.map((r) => r?.navToWelcomeMs ?? NaN);
    stats.nativeWelcome = { navToWelcomeMs: { ...summary(welcome), vsNative: ratio(welcome, runs.native.map((r) => r?.navToOpenMs ?? NaN)) } };
    return {
      samples,
      urls: {
        native: '/bench/pages/open-native.html', page: '/ (startServer)', single: '/bench/pages/open-single.html',
        websocket: '/bench/pages/open-websocket.html',
      },
      runs, stats, errors,
    };
  } finally {
    await browser.close().catch(() => {});
    await chat.close();
  }
}
