// The classic polyfill pattern: `globalThis.WebSocket = WasmWebSocket`, so
// that libraries which use the global get the drop-in. The glue must keep
// connecting with the engine's own WebSocket (taken when the package was
// imported), not recurse into WasmWebSocket (issue 9: RangeError, then a
// corrupt wasm heap in later sockets).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, NATIVE_ONLY } from './harness.js';

describe('globalThis.WebSocket replaced by the constructor under test', () => {
  const h = useBrowser();

  test('new WebSocket(url) through the replaced global opens, echoes and closes, socket after socket', { skip: NATIVE_ONLY }, async () => {
    const { native, wasm } = await h.both(async ({ ctor, h }) => {
      const engineWebSocket = globalThis.WebSocket;
      globalThis.WebSocket = ctor;
      try {
        const rounds = [];
        // Several in a row: a recursion would also have corrupted the heap
        // for the sockets after it.
        for (const round of [1, 2, 3]) {
          const ws = await h.open(WebSocket, h.url(`/echo?round=${round}`));
          const reply = h.messages(ws, 1);
          ws.send(`round ${round}`);
          const [data] = await reply;
          await h.closeAndWait(ws, 1000, `round ${round}`);
          rounds.push({ isCtor: ws instanceof ctor, data, readyState: ws.readyState });
        }
        return { rounds, globalIsCtor: globalThis.WebSocket === ctor };
      } finally {
        globalThis.WebSocket = engineWebSocket;
      }
    });
    assert.deepStrictEqual(wasm, native);
    assert.deepStrictEqual(native.rounds.map((r) => [r.isCtor, JSON.parse(r.data.json), r.readyState]),
      [[true, 'round 1', 3], [true, 'round 2', 3], [true, 'round 3', 3]]);
    assert.deepStrictEqual(native.server.map((c) => [c.query, c.closeCode, c.closeReason]),
      [['?round=1', 1000, 'round 1'], ['?round=2', 1000, 'round 2'], ['?round=3', 1000, 'round 3']]);
  });

  test('the C++ chat client connects with the engine\'s WebSocket while the global is WasmWebSocket', { skip: NATIVE_ONLY }, async () => {
    const seen = await h.page.evaluate(async (url) => {
      const { createChatClient } = await import('/dist/index.js');
      const engineWebSocket = globalThis.WebSocket;
      globalThis.WebSocket = window.WasmWebSocket;
      try {
        // /echo is a plain server to the client: no welcome, so after the
        // greeting timeout it chats in plain mode and hears its own lines.
        const chat = await createChatClient({ server: url, greetingTimeout: 200 });
        const heard = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no echo within 10 s')), 10_000);
          chat.addEventListener('message', ({ detail }) => {
            if (!detail.own) { clearTimeout(timer); resolve(detail.text); }
          });
        });
        await new Promise((resolve) => chat.addEventListener('open', resolve, { once: true }));
        chat.send('hello through the replaced global');
        const text = await heard;
        const closed = new Promise((resolve) => chat.addEventListener('close', ({ detail }) => resolve(detail.code)));
        chat.close(1000);
        return { mode: chat.mode, text, closeCode: await closed };
      } finally {
        globalThis.WebSocket = engineWebSocket;
      }
    }, `${h.server.wsOrigin}/echo`);
    assert.deepStrictEqual(seen, { mode: 'plain', text: 'hello through the replaced global', closeCode: 1000 });
  });
});
