// Subprotocol negotiation: what the server is offered, what `protocol` says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEntry } from './harness.js';
import { connectionFailedLog, ENGINE } from './browsers.js';

// Opens `path` offering `protocols` and reports `protocol` before open, after
// open and after close. /protocol picks ?select=, /echo picks the first offer.
async function negotiate({ ctor, h, arg: { path, protocols } }) {
  const ws = protocols === undefined ? new ctor(h.url(path)) : new ctor(h.url(path), protocols);
  const seen = { connecting: ws.protocol };
  await h.waitFor(ws, 'open', 5000, { failOn: ['close'] });
  seen.open = ws.protocol;
  await h.closeAndWait(ws);
  seen.closed = ws.protocol;
  return { seen };
}

const offeredAndSelected = (native) => [native.server[0].offeredProtocols, native.server[0].selectedProtocol];

describeEachEntry('subprotocols', (h) => {

  test('the offered list reaches the server in order and the selected one shows in protocol', async () => {
    const { native, wasm } = await h.both(negotiate, { path: '/protocol?select=chat.v1', protocols: ['chat.v2', 'chat.v1', 'x-debug'] });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.seen, { connecting: '', open: 'chat.v1', closed: 'chat.v1' });
    assert.deepStrictEqual(offeredAndSelected(native), ['chat.v2, chat.v1, x-debug', 'chat.v1']);
  });

  test("the string form offers a single protocol: new ctor(url, 'single')", async () => {
    const { native, wasm } = await h.both(negotiate, { path: '/echo', protocols: 'single' });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.seen, { connecting: '', open: 'single', closed: 'single' });
    assert.deepStrictEqual(offeredAndSelected(native), ['single', 'single']);
  });

  test("no protocols offered: no header, protocol is ''", async () => {
    for (const protocols of [undefined, []]) {
      const { native, wasm } = await h.both(negotiate, { path: '/protocol', protocols });
      assert.deepStrictEqual(wasm, native);
      assert.deepStrictEqual(native.seen, { connecting: '', open: '', closed: '' });
      assert.deepStrictEqual(offeredAndSelected(native), [null, '']);
    }
  });

  test('protocol names are case-sensitive and non-strings are stringified', async () => {
    const { native, wasm } = await h.both(negotiate, { path: '/protocol?select=a', protocols: ['A', 'a', 1, null] });
    assert.deepStrictEqual(wasm, native);
    assert.equal(native.seen.open, 'a');
    assert.deepStrictEqual(offeredAndSelected(native), ['A, a, 1, null', 'a']);
  });

  // RFC 6455 4.1: the client fails the connection if the server picks nothing
  // it offered; Chromium also fails it when the server picks nothing at all,
  // while Firefox and WebKit then open with protocol '' (as the RFC has it: a
  // server may decline every subprotocol).
  test('the server selecting none of the offers, or one never offered, fails the connection', async () => {
    h.allowConsoleErrors(connectionFailedLog('ws://.*/protocol.*', 'Error during WebSocket handshake: .*Sec-WebSocket-Protocol'));
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const outcome = async (path) => {
        const ws = new ctor(h.url(path), ['a', 'b']);
        const rec = h.record(ws);
        // Opened (Firefox and WebKit, selecting none): closed again by the client.
        await h.waitFor(ws, 'open', undefined, { failOn: ['close'] }).then(() => h.closeAndWait(ws), () => {});
        return { protocol: ws.protocol, events: (await rec.events()).map((e) => [e.type, e.code, e.wasClean]) };
      };
      return { selectsNone: await outcome('/protocol'), selectsOther: await outcome('/protocol?select=c') };
    });
    assert.deepStrictEqual(wasm, native);
    const failed = { protocol: '', events: [['error', undefined, undefined], ['close', 1006, false]] };
    const declined = { protocol: '', events: [['open', undefined, undefined], ['close', 1005, true]] };
    assert.deepStrictEqual(native.selectsNone, ENGINE === 'chromium' ? failed : declined);
    assert.deepStrictEqual(native.selectsOther, failed);
    assert.deepStrictEqual(native.server.map((c) => [c.offeredProtocols, c.selectedProtocol]), [['a, b', ''], ['a, b', 'c']]);
  });
});
