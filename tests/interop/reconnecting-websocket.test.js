// reconnecting-websocket in the browser with `WasmWebSocket` as its
// `WebSocket` option, against the real server (server/index.js, a child
// process) and its /echo endpoint: messages echo; the server is killed
// (SIGKILL: no close frame) and the library notices and keeps retrying;
// messages sent while it is down wait in the library's queue; the server is
// started again on the same port, the library reconnects and sends them, then
// sends more. The same page runs the same scenario with the engine's native
// WebSocket first, and the two traces must be equal. A second case gives the
// library no option and replaces `globalThis.WebSocket` before it loads.
//
// How many reconnection attempts fail while the server is down depends on
// timing, so that part of the trace is compared as the distinct events seen,
// in order of first appearance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChatServerProcess } from '../fixtures/chat-server-process.js';
import { connectionFailedLog } from '../browser/browsers.js';
import { useInteropSite, closePages, until } from './site.js';

const DEADLINE_MS = 20_000;
const BEFORE = ['before 1', 'before 2'];
const WHILE_DOWN = ['while down 1', 'while down 2', 'while down 3'];
const AFTER = ['after 1', 'after 2'];

const env = useInteropSite({ 'reconnecting-websocket': "export { default } from 'reconnecting-websocket';" });

// In the page: one ReconnectingWebSocket with fast retries, everything it
// dispatches traced; `socketsAtOpen` says which implementation each opened
// connection really was. 'option': the WebSocket option is the constructor of
// `side`. 'global': no option; for wasm the library is loaded (a module
// instance of its own) after the global was replaced.
async function startInPage({ side, mode, url }) {
  window.__NativeWebSocket ??= WebSocket;
  let lib;
  if (mode === 'global' && side === 'wasm') {
    globalThis.WebSocket = window.WasmWebSocket;
    lib = await import('/lib/reconnecting-websocket.js?global=WasmWebSocket');
  } else {
    lib = await import('/lib/reconnecting-websocket.js');
  }
  const implementation = mode === 'option' ? { WebSocket: side === 'native' ? WebSocket : window.WasmWebSocket } : {};
  const rws = new lib.default(url, undefined, {
    ...implementation,
    minReconnectionDelay: 50,
    maxReconnectionDelay: 300,
    connectionTimeout: 10_000,
  });
  const state = { rws, trace: [], echoes: [], socketsAtOpen: [], opens: 0, closes: 0, errors: 0 };
  rws.addEventListener('open', () => {
    state.opens++;
    state.trace.push('open');
    const ws = rws._ws; // the library's current socket, to check what it constructed
    state.socketsAtOpen.push(ws instanceof window.WasmWebSocket ? 'WasmWebSocket'
      : ws instanceof window.__NativeWebSocket ? 'WebSocket' : 'other');
  });
  rws.addEventListener('message', (e) => { state.trace.push('message'); state.echoes.push(e.data); });
  rws.addEventListener('error', () => { state.errors++; state.trace.push('error'); });
  rws.addEventListener('close', (e) => { state.closes++; state.trace.push(`close ${e.code} ${e.wasClean}`); });
  window.__rws = state;
}

function sendInPage(texts) {
  for (const text of texts) window.__rws.rws.send(text);
  return window.__rws.rws.readyState;
}

function snapshotInPage() {
  const { trace, echoes, opens, closes, errors } = window.__rws;
  return { trace: [...trace], echoes: [...echoes], opens, closes, errors };
}

async function closeInPage(deadlineMs) {
  const state = window.__rws;
  const closed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${deadlineMs} ms`)), deadlineMs);
    state.rws.addEventListener('close', () => { clearTimeout(timer); resolve(); });
  });
  state.rws.close(1000, 'bye');
  await closed;
  return { trace: state.trace, echoes: state.echoes, socketsAtOpen: state.socketsAtOpen, readyState: state.rws.readyState };
}

const distinct = (list) => [...new Set(list)];

async function scenario(t, mode) {
  const server = await startChatServerProcess();
  const url = `ws://127.0.0.1:${server.port}/echo`;
  const pages = [];
  try {
    const tab = await env.open();
    pages.push(tab);
    const { page } = tab;
    const out = {};
    for (const side of ['native', 'wasm']) {
      await page.evaluate(startInPage, { side, mode, url });
      await until(page, () => window.__rws.opens === 1, null, `the first open (${side})`, DEADLINE_MS);
      await page.evaluate(sendInPage, BEFORE);
      await until(page, (n) => window.__rws.echoes.length === n, BEFORE.length, `echoes before the kill (${side})`, DEADLINE_MS);
      const beforeKill = await page.evaluate(snapshotInPage);

      await server.kill();
      await until(page, () => window.__rws.closes + window.__rws.errors > 0, null, `the library noticing the kill (${side})`, DEADLINE_MS);
      const readyStateWhileDown = await page.evaluate(sendInPage, WHILE_DOWN);
      // At least one more attempt fails against the closed port before the restart.
      const noticed = await page.evaluate(snapshotInPage);
      await until(page, (n) => window.__rws.closes + window.__rws.errors > n, noticed.closes + noticed.errors,
        `a reconnection attempt failing while the server is down (${side})`, DEADLINE_MS);
      await server.restart();

      await until(page, () => window.__rws.opens === 2, null, `the reconnection (${side})`, DEADLINE_MS);
      await until(page, (n) => window.__rws.echoes.length === n, BEFORE.length + WHILE_DOWN.length,
        `echoes of what waited (${side})`, DEADLINE_MS);
      await page.evaluate(sendInPage, AFTER);
      await until(page, (n) => window.__rws.echoes.length === n, BEFORE.length + WHILE_DOWN.length + AFTER.length,
        `echoes after the reconnection (${side})`, DEADLINE_MS);
      const end = await page.evaluate(closeInPage, DEADLINE_MS);

      const reopened = end.trace.lastIndexOf('open');
      out[side] = {
        beforeKill: beforeKill.trace,
        whileDown: distinct(end.trace.slice(beforeKill.trace.length, reopened)),
        afterRestart: end.trace.slice(reopened),
        readyStateWhileDown,
        echoes: end.echoes,
        socketsAtOpen: end.socketsAtOpen,
        readyState: end.readyState,
        failedAttempts: end.trace.slice(beforeKill.trace.length, reopened).filter((e) => e.startsWith('close')).length,
      };
    }

    assert.deepStrictEqual(out.native.socketsAtOpen, ['WebSocket', 'WebSocket'], 'the baseline ran on the native WebSocket');
    assert.deepStrictEqual(out.wasm.socketsAtOpen, ['WasmWebSocket', 'WasmWebSocket'], 'the library used the given WebSocket');
    assert.deepStrictEqual(out.native.echoes, [...BEFORE, ...WHILE_DOWN, ...AFTER], 'every message echoed once, in order');
    assert.deepStrictEqual(out.native.beforeKill, ['open', 'message', 'message']);
    assert.deepStrictEqual(out.native.afterRestart,
      ['open', ...Array(WHILE_DOWN.length + AFTER.length).fill('message'), 'close 1000 true']);
    // CONNECTING or CLOSED, depending on where the retry loop is: timing.
    for (const side of ['native', 'wasm']) {
      assert.notEqual(out[side].readyStateWhileDown, 1, `the messages sent while down were queued, not sent (${side})`);
    }
    const { failedAttempts: nativeAttempts, readyStateWhileDown: _n, socketsAtOpen: _ns, ...native } = out.native;
    const { failedAttempts: wasmAttempts, readyStateWhileDown: _w, socketsAtOpen: _ws, ...wasm } = out.wasm;
    assert.deepStrictEqual(wasm, native, 'WasmWebSocket against the native baseline');
    // The drop itself, then at least one refused attempt (waited for above).
    assert.ok(nativeAttempts >= 2 && wasmAttempts >= 2, `closes while down: native ${nativeAttempts}, wasm ${wasmAttempts}`);
    t.diagnostic(`while the server was down: ${JSON.stringify(native.whileDown)}; closes: native ${nativeAttempts}, wasm ${wasmAttempts}`);
  } finally {
    const problems = await closePages(pages);
    await server.stop();
    // While nothing listens on the port every attempt is refused, and the engine logs it.
    const refused = connectionFailedLog(url.replaceAll('.', '\\.'));
    const unexpected = problems.consoleErrors.filter((text) => !refused.test(text));
    assert.deepStrictEqual({ ...problems, consoleErrors: unexpected }, { consoleErrors: [], pageErrors: [] }, 'errors in the page');
  }
}

test('reconnecting-websocket with WebSocket: WasmWebSocket: echoes, the server killed and restarted, it reconnects and sends what waited',
  (t) => scenario(t, 'option'));

test('reconnecting-websocket with globalThis.WebSocket = WasmWebSocket before it loads: the same, server killed and restarted', (t) => scenario(t, 'global'));
