// One page API over three browser engines, for every test that drives a page.
//
//   chromium  Debian's /usr/bin/chromium through playwright-core
//   firefox   Debian's /usr/bin/firefox-esr through puppeteer-core (WebDriver BiDi)
//   webkit    WebKitGTK's MiniBrowser through /usr/bin/WebKitWebDriver (classic
//             W3C WebDriver, a small fetch client below), under its own Xvfb
//
// The engine comes from WASMCHAT_BROWSER (default chromium); scripts/test.sh
// runs the browser and package suites once per engine of WASMCHAT_BROWSERS.
//
// launch() -> Browser { engine, version, newPage(), newContext(), close() }
// Context  -> { newPage(), setOffline(bool), close() }
// Page     -> goto(url, { timeout }), evaluate(fn, arg), waitForFunction(fn, arg,
//             { timeout, polling }) (resolves with fn's truthy JSON value),
//             on('console', ({ type, text })), on('pageerror', (text)),
//             on('dialog', (message)) (every dialog is dismissed), close(),
//             isClosed(), textContent/inputValue/isVisible(selector),
//             fill(selector, text), press(selector, 'Enter'), click(selector),
//             screenshot({ path }), setViewportSize({ width, height }),
//             addInitScript(fn), context(), raw (the driver's own page object).
//
// Selectors are CSS; `a >> b` finds `b` inside the open shadow root of `a`.
// fill/press/click act from script in the page, the same way in every engine
// (events are untrusted; nothing under test looks at isTrusted) and return once
// the next frame is drawn. press knows only 'Enter', which submits the input's
// form as implicit submission does.
//
// Classic WebDriver has no console, error or dialog events and no init
// scripts: on WebKit a probe (installProbe) is evaluated right after every
// navigation, before the init scripts; it records console.error calls,
// uncaught errors and rejections and replaces alert/confirm/prompt by
// dismissing recorders. Its records are emitted as the events above before
// every later call on the page returns. A test server can serve it ahead of
// the page's scripts (PROBE_PATH), so that it sees the page load too; the
// package tests' servers do. Messages the engine itself logs (a failed
// handshake, a CSP report) are not seen there.
//
// Every process a Browser starts (the browser and all of its descendants,
// Firefox's crash helper, WebKitWebDriver, MiniBrowser, Xvfb) is ended by PID
// in close().
import { spawn, execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** The engine this process drives: WASMCHAT_BROWSER, else chromium. */
export const ENGINE = process.env.WASMCHAT_BROWSER || 'chromium';
if (!ENGINES.includes(ENGINE)) throw new Error(`WASMCHAT_BROWSER=${ENGINE}: expected one of ${ENGINES.join(', ')}`);

const CHROMIUM = '/usr/bin/chromium';
const FIREFOX = '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

// Firefox takes ~2 s to start, up to 10 s on a loaded machine; WebKit similar.
const LAUNCH_MS = 60_000;
// Bounds every single WebDriver request but scripts, which bound themselves.
const REQUEST_MS = 30_000;
const SCRIPT_MS = 120_000;
const DEFAULT_WAIT_MS = 30_000;

/** `<engine> <version>` of the binary, e.g. "Mozilla Firefox 153.8.0esr". */
export function engineVersion(engine = ENGINE) {
  if (engine === 'chromium') return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim().replace(/ built on .*/, '');
  if (engine === 'firefox') return execFileSync(FIREFOX, ['--version'], { encoding: 'utf8' }).trim();
  const version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' });
  return `WebKitGTK ${version.replace(/-.*/, '')} (MiniBrowser)`;
}

/**
 * Starts the engine (default: ENGINE) and returns its Browser.
 * `ignoreCertificateErrors`: accept self-signed certificates (the tests' own
 * TLS, tests/cluster/); WebDriver's `acceptInsecureCerts` in Firefox and WebKit.
 */
export async function launch(engine = ENGINE, { ignoreCertificateErrors = false } = {}) {
  if (engine === 'chromium') return launchChromium(ignoreCertificateErrors);
  if (engine === 'firefox') return launchFirefox(ignoreCertificateErrors);
  if (engine === 'webkit') return launchWebKit(ignoreCertificateErrors);
  throw new Error(`unknown engine ${engine}`);
}

/**
 * The console error the engine logs when a WebSocket to `url` (a RegExp
 * source) fails to connect. Chromium adds why (`detail`, a RegExp source);
 * Firefox does not; WebKit's log is not seen (see the header).
 */
export function connectionFailedLog(url, detail = '', engine = ENGINE) {
  if (engine === 'firefox') return new RegExp(`^Firefox can’t establish a connection to the server at ${url}\\.$`);
  return new RegExp(`^WebSocket connection to '${url}' failed: ${detail}`);
}

/**
 * `consoleErrors` without what Firefox logs for a socket given up while
 * CONNECTING (closed, or its page closed): "The connection to <url> was
 * interrupted while the page was loading." and, before it, one "Firefox can’t
 * establish a connection to the server at <url>." Chromium and WebKit log
 * nothing then. A connection that really failed is still reported.
 */
export function withoutAbandonedConnections(consoleErrors) {
  const out = [...consoleErrors];
  for (let i = out.length - 1; i >= 0; i--) {
    const abandoned = /^The connection to (.*) was interrupted while the page was loading\.$/.exec(out[i]);
    if (!abandoned) continue;
    out.splice(i, 1);
    const failed = out.lastIndexOf(`Firefox can’t establish a connection to the server at ${abandoned[1]}.`, i - 1);
    if (failed >= 0) { out.splice(failed, 1); i--; }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Processes

/** pid -> parent pid for every process now. */
function processParents() {
  const parents = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  return parents;
}

/** `pid` and all of its descendants now. */
export function processTree(pid) {
  const parents = processParents();
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) { tree.add(child); grew = true; }
    }
  }
  return [...tree];
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** SIGTERM, then SIGKILL after `ms` for those still there; resolves when all are gone. */
async function endProcesses(pids, ms = 3000) {
  for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids.filter(alive)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** Ends a browser: `closeGracefully()` within a bound, then every process of the tree by PID. */
async function shutDown(rootPids, closeGracefully) {
  // Taken before closing: children (Firefox's crash helper) outlive their parent.
  const pids = [...new Set(rootPids.flatMap(processTree))];
  // withTimeout clears its timer: a pending one would keep the test file's
  // process alive for the rest of the bound after every browser closed.
  await withTimeout(closeGracefully(), 10_000, 'closing the browser').catch(() => {});
  await endProcesses(pids);
}

// ---------------------------------------------------------------------------
// Page-side code shared by all engines.

async function domAction([selector, action, value]) {
  // Input settles as after a user's: once the next frame is drawn (pages render on animation frames).
  const settled = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve({ value: null }))));
  let root = document;
  let el = null;
  for (const part of selector.split(' >> ')) {
    el = root?.querySelector(part) ?? null;
    root = el?.shadowRoot ?? null;
  }
  if (!el) return { missing: true };
  if (action === 'textContent') return { value: el.textContent };
  if (action === 'inputValue') return { value: el.value };
  if (action === 'isVisible') {
    const r = el.getBoundingClientRect();
    return { value: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' };
  }
  if (action === 'fill') {
    el.focus();
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return settled();
  }
  if (action === 'press') {
    if (value !== 'Enter') throw new Error(`press: only 'Enter' is supported, got ${value}`);
    el.focus();
    const init = { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true, composed: true };
    const go = el.dispatchEvent(new KeyboardEvent('keydown', init))
      && el.dispatchEvent(new KeyboardEvent('keypress', init));
    if (go && el.form && el instanceof HTMLInputElement) {
      const submitter = el.form.querySelector('[type=submit]');
      if (submitter) submitter.click(); else el.form.requestSubmit();
    }
    el.dispatchEvent(new KeyboardEvent('keyup', init));
    return settled();
  }
  if (action === 'click') { el.click(); return settled(); }
  throw new Error(`unknown action ${action}`);
}

/** Records what classic WebDriver cannot report (see the header). Runs in the page. */
function installProbe() {
  if (window.__wasmchatProbe) return;
  const seen = [];
  const error = console.error;
  console.error = function probedError(...args) {
    seen.push({ kind: 'console', type: 'error', text: args.map(String).join(' ') });
    return error.apply(this, args);
  };
  // A page that cancels the event keeps the error out of the console, as the
  // engine does: looked at once every listener ran (a task later).
  const unlessCancelled = (e, text) => setTimeout(() => { if (!e.defaultPrevented) seen.push({ kind: 'pageerror', text }); });
  window.addEventListener('error', (e) => unlessCancelled(e, e.error ? String(e.error) : e.message));
  window.addEventListener('unhandledrejection', (e) => unlessCancelled(e, String(e.reason)));
  const answers = { alert: undefined, confirm: false, prompt: null };
  for (const name of Object.keys(answers)) {
    window[name] = (message) => { seen.push({ kind: 'dialog', text: String(message ?? '') }); return answers[name]; };
  }
  window.__wasmchatProbe = { take: () => seen.splice(0) };
}

/**
 * Where a test server that serves HTML can offer the probe, for engines whose
 * driver cannot run it before the page's own scripts (WebKit): with
 * `<script src="${PROBE_PATH}">` first in its <head>, the probe also sees what
 * happens while the page loads. `extra` (a function's source) runs with it,
 * for a server's own early recorders. The script removes its element again,
 * so that the page's document.scripts stay the page's own.
 */
export const PROBE_PATH = '/__wasmchat-probe.js';
export const PROBE_NEEDED = ENGINE === 'webkit';
export const probeScript = (extra = null) =>
  `(${installProbe})();${extra ? `(${extra})();` : ''}document.currentScript && document.currentScript.remove();\n`;

// ---------------------------------------------------------------------------
// The Page every engine returns. Engine adapters implement the `_`-methods.

const asSource = (fn) => (typeof fn === 'function' ? fn.toString() : `() => (${fn})`);

class Page extends EventEmitter {
  constructor(context) {
    super();
    this._context = context;
    this.closed = false;
  }

  context() { return this._context; }
  isClosed() { return this.closed; }

  async textContent(selector, opts) { return this._dom(selector, 'textContent', null, opts); }
  async inputValue(selector, opts) { return this._dom(selector, 'inputValue', null, opts); }
  async isVisible(selector) {
    const r = await this.evaluate(domAction, [selector, 'isVisible', null]);
    return r.missing ? false : r.value;
  }
  async fill(selector, text, opts) { await this._dom(selector, 'fill', text, opts); }
  async press(selector, key, opts) { await this._dom(selector, 'press', key, opts); }
  async click(selector, opts) { await this._dom(selector, 'click', null, opts); }

  // Waits for the element as Playwright's actions do, then acts once.
  async _dom(selector, action, value, { timeout = DEFAULT_WAIT_MS } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const r = await this.evaluate(domAction, [selector, action, value]);
      if (!r.missing) return r.value;
      if (Date.now() > deadline) throw new Error(`${action}: no element matches ${selector} after ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

// ---------------------------------------------------------------------------
// Chromium: playwright-core.

async function launchChromium(ignoreCertificateErrors) {
  const { chromium } = await import('playwright-core');
  const args = ignoreCertificateErrors ? [...CHROMIUM_ARGS, '--ignore-certificate-errors'] : CHROMIUM_ARGS;
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args, timeout: LAUNCH_MS });
  const pid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint(), { timeout: LAUNCH_MS });
  const wrapPage = (raw, context) => {
    const page = new ChromiumPage(raw, context);
    raw.on('console', (m) => page.emit('console', { type: m.type(), text: m.text() }));
    raw.on('pageerror', (e) => page.emit('pageerror', String(e)));
    raw.on('dialog', (d) => { page.emit('dialog', d.message()); d.dismiss().catch(() => {}); });
    raw.on('close', () => { page.closed = true; });
    return page;
  };
  const makeContext = async () => {
    const raw = await browser.newContext();
    const context = {
      raw,
      async newPage() { return wrapPage(await raw.newPage(), context); },
      setOffline: (offline) => raw.setOffline(offline),
      close: () => raw.close(),
    };
    return context;
  };
  return {
    engine: 'chromium',
    version: engineVersion('chromium'),
    pids: () => processTree(pid),
    newContext: makeContext,
    // Each page gets its own context, as Playwright's browser.newPage() does.
    async newPage() {
      const context = await makeContext();
      const page = await context.newPage();
      page.raw.on('close', () => context.close().catch(() => {}));
      return page;
    },
    close: () => shutDown([pid], async () => { await browser.close(); await server.close(); }),
  };
}

class ChromiumPage extends Page {
  constructor(raw, context) { super(context); this.raw = raw; }
  async goto(url, { timeout = DEFAULT_WAIT_MS } = {}) { await this.raw.goto(url, { waitUntil: 'load', timeout }); }
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  async waitForFunction(fn, arg, { timeout = DEFAULT_WAIT_MS, polling = 'raf' } = {}) {
    const handle = await this.raw.waitForFunction(fn, arg, { timeout, polling });
    return handle.jsonValue();
  }
  async close() { if (!this.closed) await this.raw.close(); this.closed = true; }
  async screenshot({ path }) { await this.raw.screenshot({ path }); }
  setViewportSize(size) { return this.raw.setViewportSize(size); }
  addInitScript(fn, arg) { return this.raw.addInitScript(fn, arg); }
}

// ---------------------------------------------------------------------------
// Firefox: puppeteer-core over WebDriver BiDi.

async function launchFirefox(acceptInsecureCerts) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    acceptInsecureCerts,
    executablePath: FIREFOX,
    headless: true,
    timeout: LAUNCH_MS,
    protocolTimeout: SCRIPT_MS,
    // The crash reporter's helper process outlives Firefox; it is still ended
    // by PID in close() should it start anyway.
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  const pid = browser.process().pid;
  const wrapPage = (raw, context) => {
    const page = new FirefoxPage(raw, context);
    raw.on('console', (m) => page.emit('console', { type: m.type(), text: m.text() }));
    // BiDi reports what Firefox itself logs as an error ("Firefox can’t
    // establish a connection…") as a javascript log entry, which Puppeteer
    // turns into a pageerror like an uncaught exception. Only an exception's
    // text starts with its name; the rest is what other engines log to the
    // console, and is reported so. (Puppeteer's message already has "Error: ".)
    raw.on('pageerror', (e) => {
      if (UNCAUGHT.test(e.message)) page.emit('pageerror', e.message);
      else page.emit('console', { type: 'error', text: e.message });
    });
    raw.on('dialog', (d) => { page.emit('dialog', d.message()); d.dismiss().catch(() => {}); });
    raw.on('close', () => { page.closed = true; });
    return page;
  };
  // A second tab would be hidden (document.visibilityState), so every page is a window.
  const makeContext = async (rawContext) => {
    const raw = rawContext ?? await browser.createBrowserContext();
    const pages = new Set();
    const context = {
      raw,
      async newPage() {
        const page = wrapPage(await raw.newPage({ type: 'window' }), context);
        pages.add(page);
        return page;
      },
      async setOffline(offline) { for (const page of pages) if (!page.closed) await page.raw.setOfflineMode(offline); },
      close: () => (rawContext ? Promise.all([...pages].map((p) => p.close())) : raw.close()),
    };
    return context;
  };
  return {
    engine: 'firefox',
    version: engineVersion('firefox'),
    pids: () => processTree(pid),
    newContext: () => makeContext(),
    async newPage() {
      const context = await makeContext();
      const page = await context.newPage();
      page.raw.on('close', () => context.close().catch(() => {}));
      return page;
    },
    close: () => shutDown([pid], () => browser.close()),
  };
}

const UNCAUGHT = /^(Uncaught )?(\w*Error|\w*Exception|uncaught exception)\b/;

class FirefoxPage extends Page {
  constructor(raw, context) { super(context); this.raw = raw; }
  async goto(url, { timeout = DEFAULT_WAIT_MS } = {}) { await this.raw.goto(url, { waitUntil: 'load', timeout }); }
  evaluate(fn, arg) { return this.raw.evaluate(fn, arg); }
  async waitForFunction(fn, arg, { timeout = DEFAULT_WAIT_MS, polling = 'raf' } = {}) {
    const handle = await this.raw.waitForFunction(fn, { timeout, polling }, arg);
    return handle.jsonValue();
  }
  async close() { if (!this.closed) await this.raw.close(); this.closed = true; }
  async screenshot({ path }) { await this.raw.screenshot({ path }); }
  setViewportSize({ width, height }) { return this.raw.setViewport({ width, height }); }
  addInitScript(fn, arg) { return this.raw.evaluateOnNewDocument(fn, arg); }
}

// ---------------------------------------------------------------------------
// WebKit: WebKitWebDriver + MiniBrowser, classic WebDriver over fetch.

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/** Rejects when `child` exits, with what it printed last. */
function exitOf(child, name) {
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => { tail = (tail + d).slice(-2000); });
  return new Promise((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (code ${code}, signal ${signal}): ${tail}`)));
  });
}

/** Starts Xvfb on the first free display; resolves with { child, display }. */
async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child, 'Xvfb');
  exited.catch(() => {});
  const display = await withTimeout(Promise.race([exited, new Promise((resolve) => {
    let out = '';
    child.stdio[3].on('data', (d) => { out += d; if (out.includes('\n')) resolve(`:${out.trim()}`); });
  })]), LAUNCH_MS, 'Xvfb to report its display');
  return { child, display };
}

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives the race. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

class WebDriverClient {
  constructor(base, watch) { this.base = base; this.watch = watch; this.queue = Promise.resolve(); }

  /** One request, bounded, raced with the processes' exit. */
  async request(method, path, body, ms = REQUEST_MS) {
    const response = await Promise.race([
      fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ms),
      }).catch((e) => { throw new Error(`WebDriver ${method} ${path}: ${e.name === 'TimeoutError' ? `no answer within ${ms} ms` : e.message}`); }),
      this.watch,
    ]);
    const json = await response.json();
    if (json.value?.error) throw new Error(`WebDriver ${method} ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  }

  /** Runs `fn` alone: the session has one current window for all pages. */
  exclusive(fn) {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

async function launchWebKit(acceptInsecureCerts) {
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: xvfb.display }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const roots = [driver.pid, xvfb.child.pid];
  const watch = Promise.race([exitOf(driver, 'WebKitWebDriver'), exitOf(xvfb.child, 'Xvfb')]);
  watch.catch(() => {});
  const client = new WebDriverClient(`http://127.0.0.1:${port}`, watch);
  const stop = () => endProcesses(roots.flatMap(processTree));
  try {
    const deadline = Date.now() + LAUNCH_MS;
    for (;;) {
      try { await client.request('GET', '/status', undefined, 2000); break; } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // POST /session hangs if MiniBrowser cannot start: bounded, and raced with
    // MiniBrowser's exit once it is there.
    const minibrowserGone = (async () => {
      let seen = false;
      for (const until = Date.now() + LAUNCH_MS; Date.now() < until;) {
        const present = processTree(driver.pid).some((pid) => {
          try { return fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/MiniBrowser'); } catch { return false; }
        });
        if (present) seen = true; else if (seen) throw new Error('MiniBrowser exited while the session was being created');
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`MiniBrowser did not open a session within ${LAUNCH_MS} ms`);
    })();
    let created = false;
    const session = await Promise.race([
      client.request('POST', '/session', {
        capabilities: {
          alwaysMatch: { acceptInsecureCerts, 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } },
        },
      }, LAUNCH_MS),
      minibrowserGone.then(() => {}, (e) => { if (!created) throw e; }),
    ]);
    created = true;
    minibrowserGone.catch(() => {});
    client.base += `/session/${session.sessionId}`;
    await client.request('POST', '/timeouts', { script: SCRIPT_MS, pageLoad: DEFAULT_WAIT_MS, implicit: 0 });
    // The first window stays open on about:blank: closing the last one would end the session.
    const keeper = await client.request('GET', '/window');
    const state = { client, current: keeper };
    const makeContext = () => {
      const pages = new Set();
      const context = {
        async newPage() {
          const { handle } = await client.exclusive(async () => {
            // New windows need a current one; the page last used may be closed.
            if (state.current === null) {
              await client.request('POST', '/window', { handle: keeper });
              state.current = keeper;
            }
            return client.request('POST', '/window/new', { type: 'window' });
          });
          const page = new WebKitPage(state, handle, context);
          pages.add(page);
          return page;
        },
        setOffline() { throw new Error('WebKit over classic WebDriver cannot emulate being offline'); },
        async close() { for (const page of pages) await page.close(); },
      };
      return context;
    };
    return {
      engine: 'webkit',
      version: engineVersion('webkit'),
      pids: () => roots.flatMap(processTree),
      newContext: async () => makeContext(),
      newPage: () => makeContext().newPage(),
      close: () => shutDown(roots, () => client.request('DELETE', '', undefined, 10_000)),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function unmark(v) {
  if (Array.isArray(v)) return v.map(unmark);
  if (!v || typeof v !== 'object') return v;
  if ('\u0000u' in v) return undefined;
  if ('\u0000n' in v) return Number(v['\u0000n']);
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = unmark(x);
  return out;
}

class WebKitPage extends Page {
  constructor(state, handle, context) {
    super(context);
    this.state = state;
    this.handle = handle;
    this.initScripts = [];
  }

  // Every command switches to this page's window first, alone on the session.
  _command(method, path, body, ms) {
    const { client } = this.state;
    return client.exclusive(async () => {
      if (this.closed) throw new Error('the page is closed');
      if (this.state.current !== this.handle) {
        await client.request('POST', '/window', { handle: this.handle });
        this.state.current = this.handle;
      }
      return client.request(method, path, body, ms);
    });
  }

  async _script(src, arg, ms = SCRIPT_MS) {
    // Async script: a promise's value is awaited; thrown errors come back as data.
    // WebDriver's JSON would turn undefined into null (or drop it), and NaN,
    // Infinity and -0 into null: they travel marked, as the other drivers keep them.
    const script = `const done = arguments[arguments.length - 1];
      const mark = (k, v) => (v === undefined ? { '\\u0000u': 1 }
        : typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { '\\u0000n': Object.is(v, -0) ? '-0' : String(v) } : v);
      Promise.resolve().then(() => (${src})(arguments[0]))
        .then((value) => done({ json: JSON.stringify(value, mark) }), (e) => done({ error: String(e && e.stack ? e + '\\n' + e.stack : e) }));`;
    const out = await this._command('POST', '/execute/async', { script, args: [arg ?? null] }, ms + 5000);
    if (out && 'error' in out) throw new Error(`evaluate: ${out.error}`);
    return unmark(JSON.parse(out.json));
  }

  async _drainProbe() {
    const records = await this._script('() => window.__wasmchatProbe ? window.__wasmchatProbe.take() : []', null, REQUEST_MS);
    for (const r of records ?? []) {
      if (r.kind === 'console') this.emit('console', { type: r.type, text: r.text });
      else this.emit(r.kind, r.text);
    }
  }

  evaluate(fn, arg) { return this._evaluateSource(asSource(fn), arg); }

  async _evaluateSource(src, arg) {
    try {
      return await this._script(src, arg);
    } finally {
      if (!this.closed) await this._drainProbe().catch(() => {});
    }
  }

  async goto(url, { timeout = DEFAULT_WAIT_MS } = {}) {
    await this._command('POST', '/url', { url }, timeout + 5000);
    await this._script(installProbe.toString(), null, REQUEST_MS);
    for (const [src, arg] of this.initScripts) await this._script(src, arg, REQUEST_MS);
  }

  async waitForFunction(fn, arg, { timeout = DEFAULT_WAIT_MS, polling = 20 } = {}) {
    const deadline = Date.now() + timeout;
    const src = asSource(fn);
    for (;;) {
      const value = await this._evaluateSource(src, arg);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waitForFunction: timed out after ${timeout} ms`);
      await new Promise((r) => setTimeout(r, typeof polling === 'number' ? polling : 20));
    }
  }

  async close() {
    if (this.closed) return;
    await this._drainProbe().catch(() => {});
    await this._command('DELETE', '/window');
    this.closed = true;
    this.state.current = null;
  }

  async screenshot({ path }) {
    const png = await this._command('GET', '/screenshot');
    fs.writeFileSync(path, Buffer.from(png, 'base64'));
  }

  async setViewportSize({ width, height }) {
    // WebDriver sizes the window; the viewport is what is left inside it.
    const inner = async () => this._script('() => [innerWidth, innerHeight]', null, REQUEST_MS);
    await this._command('POST', '/window/rect', { width, height });
    const [w, h] = await inner();
    await this._command('POST', '/window/rect', { width: width + (width - w), height: height + (height - h) });
  }

  async addInitScript(fn, arg) { this.initScripts.push([asSource(fn), arg ?? null]); }
}
