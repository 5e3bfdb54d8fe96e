// Destroying the C++ WebSocket while the browser still has events queued for
// it (tests/wasm/websocket_lifetime.cpp, built with AddressSanitizer): no event
// may reach the freed object, and websocket.h's socket table entry must be
// freed (3.1.6's emscripten_websocket_delete leaks it). An ASan report aborts
// the module, which shows up as a page error and fails the test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBrowser } from './harness.js';
import { wasmTestsDir } from './scenario-server.js';
import { connectionFailedLog } from './browsers.js';

const built = fs.existsSync(path.join(wasmTestsDir, 'websocket_lifetime.js'));

// Loads the test program and runs one of its scenarios; resolves with its report.
async function runLifetimeScenario(page, scenario, endpoint) {
  return page.evaluate(async ({ scenario, endpoint }) => {
    const { default: createModule } = await import('/wasm-tests/websocket_lifetime.js');
    let settle;
    const report = new Promise((resolve) => { settle = resolve; });
    const module = await createModule({
      onReport: (name, ok, detail) => settle({ name, ok, detail }),
      printErr: (text) => console.error(text),  // ASan reports must fail the test
    });
    const url = new URL(endpoint, location.href).href.replace(/^http/, 'ws');
    module.ccall(scenario, null, ['string'], [url]);
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`${scenario}: no report within 5 s`)), 5000));
    return Promise.race([report, timeout]);
  }, { scenario, endpoint });
}

// Lets every event the browser had queued for the destroyed socket be
// dispatched: the server has seen its close, and a later round trip completed.
async function drain(h, page, burstEntry) {
  await burstEntry.settled;
  await page.evaluate(async () => {
    const ws = new WebSocket(new URL('/echo', location.href).href.replace(/^http/, 'ws'));
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('drain: the /echo WebSocket failed to open')); });
    ws.send('ping');
    await new Promise((resolve) => { ws.onmessage = resolve; });
    ws.close();
  });
}

describe('C++ WebSocket lifetime', { skip: !built && 'build/wasm-debug/tests/websocket_lifetime.js not built' }, () => {
  const h = useBrowser();

  test('destroyed inside its first message handler while a burst is still queued', async () => {
    const mark = h.server.log.length;
    const report = await runLifetimeScenario(h.page, 'destroy_in_first_message', '/burst');
    assert.ok(report.ok, report.detail);
    const burst = h.server.log.slice(mark).find((e) => e.path === '/burst');
    await drain(h, h.page, burst);
    // The destructor closed the connection without a code, as for a collected socket.
    assert.equal(burst.closeCode, 1005);
  });

  test('a handler replaced inside its own call, then the new one destroys the socket', async () => {
    const mark = h.server.log.length;
    const report = await runLifetimeScenario(h.page, 'replace_handler_in_message', '/burst');
    assert.ok(report.ok, report.detail);
    await drain(h, h.page, h.server.log.slice(mark).find((e) => e.path === '/burst'));
  });

  test('destroyed inside its open handler', async () => {
    const mark = h.server.log.length;
    const report = await runLifetimeScenario(h.page, 'destroy_in_open', '/burst');
    assert.ok(report.ok, report.detail);
    await drain(h, h.page, h.server.log.slice(mark).find((e) => e.path === '/burst'));
  });

  test('destroyed inside its close handler', async () => {
    const report = await runLifetimeScenario(h.page, 'destroy_in_close', '/echo');
    assert.ok(report.ok, report.detail);
  });

  // Chromium logs the first for any socket closed before its handshake
  // finished; Firefox logs the second (alone, unless the page is unloading).
  const allowClosedWhileConnecting = () => h.allowConsoleErrors(/closed before the connection is established/,
    connectionFailedLog(String.raw`ws://127\.0\.0\.1:\d+/echo`, '', 'firefox'));

  test('destroyed while still connecting: no event is ever delivered', async () => {
    allowClosedWhileConnecting();
    const mark = h.server.log.length;
    const report = await runLifetimeScenario(h.page, 'destroy_while_connecting', '/echo');
    assert.ok(report.ok, report.detail);
    const entry = h.server.log.slice(mark).find((e) => e.path === '/echo');
    if (entry) await drain(h, h.page, entry);
  });

  test('invalid arguments are rejected in C++ and never reach websocket.h', async () => {
    allowClosedWhileConnecting();  // the scenario ends by destroying a valid socket while it connects
    const report = await runLifetimeScenario(h.page, 'rejected_before_javascript', '/echo');
    assert.ok(report.ok, report.detail);
  });
});
