// bufferedAmount: bytes queued by send() but not yet handed to the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEntry } from './harness.js';
import { ENGINE } from './browsers.js';

describeEachEntry('bufferedAmount', (h) => {

  // The increase is synchronous (spec: send() "increase the bufferedAmount
  // attribute by the number of bytes needed to express the argument"); the
  // decrease happens later, as the data leaves.
  test('grows synchronously by the UTF-8 / byte size of each send and drains to 0', async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = new ctor(h.url('/echo'));
      const seen = { connecting: ws.bufferedAmount };
      await h.waitFor(ws, 'open');
      seen.open = ws.bufferedAmount;
      const replies = h.messages(ws, 4);
      ws.send('é😀');
      seen.afterText = ws.bufferedAmount;
      ws.send(new Uint8Array(10));
      seen.afterBytes = ws.bufferedAmount;
      ws.send(new Blob(['abc']));
      seen.afterBlob = ws.bufferedAmount;
      ws.send(new Uint16Array(new ArrayBuffer(64), 2, 4));
      seen.afterView = ws.bufferedAmount;
      await replies;
      await h.until(() => ws.bufferedAmount === 0, 'bufferedAmount is 0');
      await h.closeAndWait(ws);
      return { seen };
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.seen, { connecting: 0, open: 0, afterText: 6, afterBytes: 16, afterBlob: 19, afterView: 27 });
  });

  test('rises while the server stops reading and falls back to 0 once it resumes', async () => {
    // Loopback socket buffers swallow roughly the first 4 MiB even with the
    // server paused, so send well beyond that for some of it to stay queued.
    const CHUNK = 64 * 1024;
    const COUNT = 160;
    const { native, wasm } = await h.both(async ({ ctor, h, arg: { CHUNK, COUNT } }) => {
      const ws = await h.open(ctor, h.url('/stall'));
      const total = CHUNK * COUNT;
      const chunk = new Uint8Array(CHUNK);
      for (let i = 0; i < COUNT; i++) ws.send(chunk);
      const afterSend = ws.bufferedAmount;
      // Data leaving for the kernel shows as a decrease...
      await h.until(() => ws.bufferedAmount < total, 'bufferedAmount decreases');
      // ...but with the server not reading, the queue cannot empty.
      const stalled = ws.bufferedAmount;
      await h.control('resume');
      await h.until(() => ws.bufferedAmount === 0, 'bufferedAmount drains after resume');
      await h.closeAndWait(ws);
      return { afterSend, stalledAboveZero: stalled > 0, stalledBelowTotal: stalled < total };
    }, { CHUNK, COUNT });
    // WebKit hands queued frames to its network process, which buffers without
    // bound: its bufferedAmount can reach 0 while the server reads nothing,
    // sooner or later, so there it is not compared.
    if (ENGINE === 'webkit') for (const run of [native, wasm]) delete run.stalledAboveZero;
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(
      { afterSend: native.afterSend, stalledAboveZero: native.stalledAboveZero, stalledBelowTotal: native.stalledBelowTotal },
      { afterSend: CHUNK * COUNT, stalledAboveZero: ENGINE === 'webkit' ? undefined : true, stalledBelowTotal: true },
    );
    // Everything sent was delivered once the server read again.
    assert.equal(native.server[0].messages.length, COUNT);
    assert.ok(native.server[0].messages.every((m) => m.binary && m.length === CHUNK));
  });

  // Spec: send() while CLOSING or CLOSED does not throw, sends nothing, and
  // still increases bufferedAmount, which then never decreases.
  test('keeps counting sends made while CLOSING and CLOSED', async () => {
    h.allowConsoleErrors(/^WebSocket is already in CLOSING or CLOSED state\.$/);
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const ws = await h.open(ctor, h.url('/echo'));
      const seen = {};
      const closed = h.waitFor(ws, 'close');
      ws.close();
      seen.closingState = ws.readyState;
      seen.sendWhileClosing = h.attempt(() => ws.send('abcd')).threw;
      seen.afterTextWhileClosing = ws.bufferedAmount;
      ws.send(new Blob(['xyz']));
      seen.afterBlobWhileClosing = ws.bufferedAmount;
      await closed;
      seen.afterCloseEvent = ws.bufferedAmount;
      seen.sendWhileClosed = h.attempt(() => ws.send(new Uint8Array(10))).threw;
      seen.afterBytesWhileClosed = ws.bufferedAmount;
      ws.send('é');
      seen.afterTextWhileClosed = ws.bufferedAmount;
      return { seen };
    });
    assert.deepStrictEqual(wasm, native);
    // WebKit counts each frame's header too once CLOSING (2 bytes, and a
    // 4-byte mask key, for payloads up to 125 bytes).
    const frame = (payload) => payload + (ENGINE === 'webkit' ? 6 : 0);
    assert.deepStrictEqual(native.seen, {
      closingState: 2,
      sendWhileClosing: false,
      afterTextWhileClosing: frame(4),
      afterBlobWhileClosing: frame(4) + frame(3),
      afterCloseEvent: frame(4) + frame(3),
      sendWhileClosed: false,
      afterBytesWhileClosed: frame(4) + frame(3) + frame(10),
      afterTextWhileClosed: frame(4) + frame(3) + frame(10) + frame(2),
    });
    // None of it reached the server.
    assert.deepStrictEqual(native.server[0].messages, []);
    assert.equal(native.server[0].closeCode, 1005);
  });
});
