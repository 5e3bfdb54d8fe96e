// Browser harness: runs one scenario against the native WebSocket and against
// our WasmWebSocket in the same page of the engine under test (browsers.js), so the two traces can be compared.
//
// A scenario is an async function serialised into the page and called as
// `scenario({ ctor, h, arg })`: `ctor` is the constructor under test, `h` the
// page-side helpers installed by installPageHelpers() below, `arg` any
// JSON-serialisable value from the test. It must not close over Node variables.
import fs from 'node:fs';
import path from 'node:path';
import { describe, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, ENGINE, withoutAbandonedConnections, withTimeout } from './browsers.js';
import { startTestServer, distDir } from './scenario-server.js';

export const NATIVE_ONLY = process.env.WASMCHAT_NATIVE_ONLY === '1';

// Generous next to the few milliseconds a scenario needs on loopback, but far
// below node:test's own timeout so a hang is reported as such.
const SCENARIO_TIMEOUT_MS = 20_000;
const SERVER_SETTLE_MS = 5_000;

/** The engine of WASMCHAT_BROWSER (chromium, firefox or webkit), see browsers.js. */
export { ENGINE };

/**
 * Starts the engine of WASMCHAT_BROWSER; see browsers.js for the page API and
 * the options (`ignoreCertificateErrors` for the tests' own TLS, tests/cluster/).
 */
export function launchBrowser(options = {}) {
  return launch(ENGINE, options);
}

/**
 * The package entries that export WasmWebSocket, as the pages import them:
 * the fidelity files run every scenario against each (describeEachEntry).
 */
export const WEBSOCKET_ENTRIES = [
  { name: 'wasmchat', module: '/dist/index.js' },
  { name: 'wasmchat/websocket', module: '/dist/websocket.js' },
];

export function assertDistBuilt(module = '/dist/index.js') {
  if (NATIVE_ONLY) return;
  const entry = path.join(distDir, path.basename(module));
  if (!fs.existsSync(entry)) {
    throw new Error(`${entry} is missing: run \`npm run build\` first, ` +
      'or set WASMCHAT_NATIVE_ONLY=1 to run the scenarios against the native WebSocket only');
  }
}

// ---------------------------------------------------------------------------
// Page side. Everything in installPageHelpers runs in the browser.

function installPageHelpers() {
  const DEFAULT_MS = 5000;
  let notes = [];

  // Resolves with the next `type` event; rejects after `ms`, or as soon as one
  // of the `failOn` events fires instead (e.g. 'close' while waiting for 'open').
  function waitFor(target, type, ms = DEFAULT_MS, { failOn = [] } = {}) {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        target.removeEventListener(type, onEvent);
        for (const f of failOn) target.removeEventListener(f, onFail);
      };
      const onEvent = (e) => { cleanup(); resolve(e); };
      const onFail = (e) => { cleanup(); reject(new Error(`got '${e.type}' while waiting for '${type}'`)); };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms waiting for '${type}'`));
      }, ms);
      target.addEventListener(type, onEvent);
      for (const f of failOn) target.addEventListener(f, onFail);
    });
  }

  // For state without an event (bufferedAmount): poll until pred() is true.
  async function until(pred, what, ms = DEFAULT_MS) {
    const deadline = performance.now() + ms;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  function fnv1a(units) {
    let h = 0x811c9dc5;
    for (let i = 0; i < units.length; i++) {
      h ^= units[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  }

  function stringUnits(s) {
    const u = new Uint16Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return u;
  }

  // JSON.stringify escapes lone surrogates and U+0000, so `json` survives the
  // trip to Node intact and reads well in a diff.
  function describeString(s) {
    return s.length <= 256 ? { length: s.length, json: JSON.stringify(s) }
      : { length: s.length, fnv: fnv1a(stringUnits(s)) };
  }

  function describeBytes(u8) {
    return u8.length <= 256 ? { byteLength: u8.length, bytes: Array.from(u8) }
      : { byteLength: u8.length, fnv: fnv1a(u8) };
  }

  async function describeData(d) {
    if (typeof d === 'string') return { type: 'string', ...describeString(d) };
    if (d instanceof ArrayBuffer) return { type: 'ArrayBuffer', ...describeBytes(new Uint8Array(d)) };
    if (d instanceof Blob) {
      return { type: 'Blob', blobType: d.type, ...describeBytes(new Uint8Array(await d.arrayBuffer())) };
    }
    return { type: Object.prototype.toString.call(d) };
  }

  // Everything about an event that both implementations must agree on.
  // isTrusted is noted but not compared: events dispatched from script are untrusted.
  function describeEvent(e, ws) {
    notes.push({ event: e.type, isTrusted: e.isTrusted });
    const d = {
      type: e.type,
      class: e.constructor.name,
      isEvent: e instanceof Event,
      targetIsSocket: e.target === ws,
      currentTargetIsSocket: e.currentTarget === ws,
      bubbles: e.bubbles,
      cancelable: e.cancelable,
      readyState: ws.readyState,
    };
    if (e instanceof MessageEvent) {
      Object.assign(d, { origin: e.origin, lastEventId: e.lastEventId, source: e.source, ports: e.ports.length });
    }
    if (e instanceof CloseEvent) Object.assign(d, { code: e.code, reason: e.reason, wasClean: e.wasClean });
    return d;
  }

  // Records every event of `types` on ws, in dispatch order. `await rec.events()`
  // returns them once every message payload is described (Blobs are read
  // asynchronously, so the list is not exposed before that).
  function record(ws, types = ['open', 'message', 'error', 'close']) {
    const events = [];
    const pending = [];
    for (const type of types) {
      ws.addEventListener(type, (e) => {
        const entry = describeEvent(e, ws);
        events.push(entry);
        if (e.type === 'message') pending.push(describeData(e.data).then((data) => { entry.data = data; }));
      });
    }
    return { events: async () => { await Promise.all(pending); return events; } };
  }

  // Collects the next n message payloads (described), failing if the socket closes first.
  function messages(ws, n, ms = DEFAULT_MS) {
    return new Promise((resolve, reject) => {
      const got = [];
      const cleanup = () => {
        clearTimeout(timer);
        ws.removeEventListener('message', onMessage);
        ws.removeEventListener('close', onClose);
      };
      const onMessage = (e) => {
        got.push(describeData(e.data));
        if (got.length === n) { cleanup(); resolve(Promise.all(got)); }
      };
      const onClose = (e) => { cleanup(); reject(new Error(`closed (${e.code}) after ${got.length} of ${n} messages`)); };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${ms} ms with ${got.length} of ${n} messages`));
      }, ms);
      ws.addEventListener('message', onMessage);
      ws.addEventListener('close', onClose);
    });
  }

  // Runs fn and describes the exception it throws, if any. The message text is
  // noted, not compared: only the exception's type is part of the contract.
  function attempt(fn) {
    try {
      const value = fn();
      if (value && typeof value.close === 'function' && 'readyState' in value) value.close();
      return { threw: false };
    } catch (e) {
      notes.push({ exception: String(e) });
      return {
        threw: true,
        name: e?.name,
        isDOMException: e instanceof DOMException,
        isTypeError: e instanceof TypeError,
        code: e instanceof DOMException ? e.code : null,
      };
    }
  }

  // Opens a socket and waits for 'open', failing fast if it closes instead.
  async function open(ctor, url, protocols) {
    const ws = protocols === undefined ? new ctor(url) : new ctor(url, protocols);
    await waitFor(ws, 'open', DEFAULT_MS, { failOn: ['close'] });
    return ws;
  }

  async function closeAndWait(ws, ...args) {
    if (ws.readyState === 3) return;
    const closed = waitFor(ws, 'close');
    ws.close(...args);
    await closed;
  }

  function sameBytes(a, b) {
    if (a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  window.__h = {
    url: (p) => `ws://${location.host}${p}`,
    wsOrigin: `ws://${location.host}`,
    waitFor, until, record, messages, describeData, describeString, describeBytes,
    attempt, open, closeAndWait, sameBytes, fnv1a,
    note: (x) => notes.push(x),
    control: (name) => fetch(`/control/${name}`, { method: 'POST' }).then((r) => r.json()),
    takeNotes: () => { const n = notes; notes = []; return n; },
  };
}

async function runScenario({ src, side, arg }) {
  // Indirect eval: the scenario sees only page globals, never this closure.
  const scenario = (0, eval)(`(${src})`);
  const ctor = side === 'native' ? WebSocket : window.WasmWebSocket;
  window.__h.takeNotes();
  try {
    const result = await scenario({ ctor, h: window.__h, arg });
    return { result, notes: window.__h.takeNotes() };
  } catch (e) {
    return { error: `${e?.name}: ${e?.message}`, notes: window.__h.takeNotes() };
  }
}

// ---------------------------------------------------------------------------
// Node side: expected values, described the way the page describes data.

function fnv1a(units) {
  let h = 0x811c9dc5;
  for (let i = 0; i < units.length; i++) {
    h ^= units[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** How the page describes a received string message `s`. */
export function text(s) {
  if (s.length <= 256) return { type: 'string', length: s.length, json: JSON.stringify(s) };
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return { type: 'string', length: s.length, fnv: fnv1a(units) };
}

/** How the page describes a received binary message of `type` ('ArrayBuffer' or 'Blob'). */
export function binary(type, bytes) {
  const u8 = Uint8Array.from(bytes);
  const body = u8.length <= 256 ? { byteLength: u8.length, bytes: Array.from(u8) }
    : { byteLength: u8.length, fnv: fnv1a(u8) };
  // Blobs built from WebSocket messages have no MIME type.
  return type === 'Blob' ? { type, blobType: '', ...body } : { type, ...body };
}

// ---------------------------------------------------------------------------
// Node side: running scenarios.

const servers = new WeakMap();

/**
 * Opens a fresh page on the test server with helpers and WasmWebSocket loaded
 * from `entry` (a module path of WEBSOCKET_ENTRIES).
 */
export async function openPage(browser, server, { entry = '/dist/index.js' } = {}) {
  const page = await browser.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  page.on('console', (m) => { if (m.type === 'error') consoleErrors.push(m.text); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  servers.set(page, server);
  await page.goto(`${server.origin}/`);
  await page.evaluate(installPageHelpers);
  if (NATIVE_ONLY) {
    await page.evaluate(() => { window.WasmWebSocket = WebSocket; });
  } else {
    const kind = await page.evaluate(async (module) => {
      const m = await import(module);
      await m.ready;
      window.WasmWebSocket = m.WasmWebSocket;
      return m.WasmWebSocket === WebSocket ? 'native WebSocket' : typeof m.WasmWebSocket;
    }, entry);
    assert.equal(kind, 'function', `${entry} must export a WasmWebSocket class, got ${kind}`);
  }
  return { page, consoleErrors, pageErrors };
}

// What the server saw on the connections a scenario opened, minus bookkeeping.
async function serverView(server, mark) {
  const entries = server.log.slice(mark);
  await withTimeout(Promise.all(entries.map((e) => e.settled)), SERVER_SETTLE_MS,
    'closing of the connections the scenario opened (a scenario must close every socket it opens)');
  return entries.map(({ path: p, query, offeredProtocols, selectedProtocol, refused, opened, messages, closeCode, closeReason }) =>
    ({ path: p, query, offeredProtocols, selectedProtocol, refused, opened, messages, closeCode, closeReason }));
}

/**
 * Runs `scenario` with ctor = WebSocket, then with ctor = WasmWebSocket.
 * Returns { native, wasm, notes }: native/wasm are the scenario's results (an
 * object gets a `server` key listing the connections the server saw, unless
 * opts.server is false, for scenarios where whether the handshake reaches the
 * server is a race); a scenario that throws yields { scenarioError }.
 * `notes` holds what h.note()/h.attempt()/h.record() noted but must not be compared.
 */
export async function both(page, scenario, arg = null, { server: captureServer = true } = {}) {
  const server = servers.get(page);
  const out = { notes: {} };
  for (const side of ['native', 'wasm']) {
    const mark = server.log.length;
    const run = await withTimeout(page.evaluate(runScenario, { src: scenario.toString(), side, arg }),
      SCENARIO_TIMEOUT_MS, `${side} scenario`);
    if (run.error !== undefined) {
      // The native side failing means the scenario itself is wrong.
      if (side === 'native') throw new Error(`native scenario failed: ${run.error}`);
      out[side] = { scenarioError: run.error };
    } else {
      out[side] = run.result;
      if (captureServer && run.result && typeof run.result === 'object') {
        out[side] = { ...run.result, server: await serverView(server, mark) };
      }
    }
    out.notes[side] = run.notes;
  }
  return out;
}

/**
 * both() once per [label, arg] pair; returns { native, wasm } keyed by label,
 * so one assert.deepStrictEqual(wasm, native) reports every case that differs.
 */
export async function bothEach(page, scenario, cases, opts) {
  const out = { native: {}, wasm: {} };
  for (const [label, arg] of cases) {
    const run = await both(page, scenario, arg, opts);
    out.native[label] = run.native;
    out.wasm[label] = run.wasm;
  }
  return out;
}

// One browser and one server per test file, however many suites use them
// (describeEachEntry makes one per entry): started by the first suite's
// before(), stopped by the last suite's after(). Suites register while the
// file loads, before any hook runs, so `users` is complete by then.
const shared = { users: 0, started: null };

function acquireShared() {
  shared.started ??= (async () => {
    const server = await startTestServer();
    try {
      return { server, browser: await launchBrowser() };
    } catch (error) {
      await server.close();
      throw error;
    }
  })();
  return shared.started;
}

async function releaseShared() {
  if (--shared.users > 0 || !shared.started) return;
  const started = shared.started;
  shared.started = null;
  const { browser, server } = await started.catch(() => ({}));
  await browser?.close();
  await server?.close();
}

/**
 * describe(`title (entry)`) once per entry of WEBSOCKET_ENTRIES, calling
 * `body(h, entry)` with a useBrowser() whose pages load WasmWebSocket from
 * that entry: the same scenarios, proven for each entry in the same run.
 */
export function describeEachEntry(title, body) {
  for (const entry of WEBSOCKET_ENTRIES) {
    describe(`${title} (${entry.name})`, () => body(useBrowser({ entry: entry.module }), entry));
  }
}

/**
 * Registers node:test hooks for one browser (and one server) per test file and
 * a fresh page per test, and checks after each test that the page logged no
 * console errors or page errors other than those the test allowed. Pages load
 * WasmWebSocket from `entry` (default: the package's main entry).
 */
export function useBrowser({ entry = '/dist/index.js' } = {}) {
  const ctx = {
    browser: null,
    server: null,
    page: null,
    allowed: [],
    /** Console errors matching any of these patterns are expected in this test. */
    allowConsoleErrors(...patterns) { ctx.allowed.push(...patterns); },
    both: (scenario, arg, opts) => both(ctx.page, scenario, arg, opts),
    bothEach: (scenario, cases, opts) => bothEach(ctx.page, scenario, cases, opts),
  };
  let current = null;

  shared.users++;
  before(async () => {
    assertDistBuilt(entry);
    ({ server: ctx.server, browser: ctx.browser } = await acquireShared());
  });
  after(releaseShared);
  beforeEach(async () => {
    ctx.allowed = [];
    current = null;
    current = await openPage(ctx.browser, ctx.server, { entry });
    ctx.page = current.page;
  });
  afterEach(async () => {
    if (!current) return; // beforeEach failed and already reported why
    await current.page.close();
    const unexpected = withoutAbandonedConnections(current.consoleErrors).filter((text) => !ctx.allowed.some((re) => re.test(text)));
    assert.deepStrictEqual({ consoleErrors: unexpected, pageErrors: current.pageErrors },
      { consoleErrors: [], pageErrors: [] }, 'unexpected errors in the page');
  });
  return ctx;
}
