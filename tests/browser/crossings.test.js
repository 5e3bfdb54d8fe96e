// How often WasmWebSocket crosses between JS and wasm per send and per
// received message (issue 10, item 3), counted in the page itself: before the
// package is imported, WebAssembly.instantiate(Streaming) is wrapped so that
// every export (JS -> wasm), every import (wasm -> JS) and every function
// taken from the table (callbacks into wasm) counts its calls. A count is a
// property of the code, not a timing. Also checks that a received payload,
// however large, never enters the wasm heap.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser } from './harness.js';
import { countCrossings, total } from './crossing-counter.js';

async function countingPage(h) {
  const page = await h.browser.newPage();
  await page.goto(`${h.server.origin}/`);
  await page.evaluate(countCrossings);
  await page.evaluate(async () => {
    const m = await import('/dist/index.js');
    await m.ready;
    window.wasmchat = m;
  });
  return page;
}

// Opens a WasmWebSocket on /echo, then sends and receives `count` messages
// of `expr`, and returns the crossings of the sends and of the receives.
async function echoCounts(page, { expr, count, binaryType }) {
  return page.evaluate(async ({ expr, count, binaryType }) => {
    const ws = new window.wasmchat.WasmWebSocket(new URL('/echo', location.href).href.replace(/^http/, 'ws'));
    ws.binaryType = binaryType;
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    const received = [];
    let allIn;
    const done = new Promise((resolve) => { allIn = resolve; });
    ws.onmessage = (e) => { received.push(e.data); if (received.length === count) allIn(); };
    const snapshot = () => JSON.parse(JSON.stringify(window.__crossings));
    const zero = () => { window.__crossings.in = {}; window.__crossings.out = {}; };
    zero();
    const payload = (0, eval)(expr);
    for (let i = 0; i < count; i++) ws.send(payload);
    const sends = snapshot();
    zero();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('echoes did not arrive within 10 s')), 10_000));
    await Promise.race([done, timeout]);
    const receives = snapshot();
    const types = [...new Set(received.map((d) => Object.prototype.toString.call(d)))];
    ws.close();
    await new Promise((resolve) => { ws.onclose = resolve; });
    return { sends, receives, types };
  }, { expr, count, binaryType });
}

describe('crossings between JS and wasm', () => {
  const h = useBrowser();

  for (const [name, expr, binaryType, type] of [
    ['text', "'hello, world'", 'blob', '[object String]'],
    ['ArrayBuffer', 'new Uint8Array([1, 2, 3]).buffer', 'arraybuffer', '[object ArrayBuffer]'],
    ['bytes received as Blob', 'new Uint8Array([1, 2, 3])', 'blob', '[object Blob]'],
  ]) {
    test(`${name}: one call into wasm per send, one back per received message, no heap copy`, async (t) => {
      const page = await countingPage(h);
      try {
        const count = 20;
        const { sends, receives, types } = await echoCounts(page, { expr, count, binaryType });
        t.diagnostic(`per ${count} sends: ${JSON.stringify(sends)}; per ${count} receives: ${JSON.stringify(receives)}`);
        assert.deepStrictEqual(types, [type]);
        // send(): the one export, which makes one call into JS (check and send).
        assert.equal(total(sends.in), count, JSON.stringify(sends.in));
        assert.equal(total(sends.out), count, JSON.stringify(sends.out));
        // A message: the glue calls the C++ callback once, which hands the
        // event to JS once; nothing is allocated or copied for the payload.
        assert.equal(total(receives.in), count, JSON.stringify(receives.in));
        assert.equal(total(receives.out), count, JSON.stringify(receives.out));
        assert.ok(!('malloc' in receives.in), 'no allocation for received payloads');
      } finally {
        await page.close();
      }
    });
  }

  test('a 48 MiB message in each direction leaves the wasm heap as it was', async () => {
    const page = await countingPage(h);
    try {
      const result = await page.evaluate(async () => {
        const { WasmWebSocket, memoryStats } = window.wasmchat;
        const ws = new WasmWebSocket(new URL('/echo', location.href).href.replace(/^http/, 'ws'));
        ws.binaryType = 'arraybuffer';
        await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
        const before = memoryStats().wasmHeapBytes;
        const reply = new Promise((resolve) => { ws.onmessage = (e) => resolve(e.data.byteLength); });
        ws.send(new Uint8Array(48 * 1024 * 1024));
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no echo within 20 s')), 20_000));
        const length = await Promise.race([reply, timeout]);
        const after = memoryStats().wasmHeapBytes;
        ws.close();
        await new Promise((resolve) => { ws.onclose = resolve; });
        return { before, after, length };
      });
      assert.equal(result.length, 48 * 1024 * 1024);
      assert.equal(result.after, result.before, 'the heap did not grow');
    } finally {
      await page.close();
    }
  });
});
