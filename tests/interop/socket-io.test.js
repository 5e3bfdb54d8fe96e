// socket.io-client in the browser with `WasmWebSocket` underneath, against a
// real socket.io server on 127.0.0.1 that accepts the websocket transport
// only: two pages connect, one emits with an acknowledgement (text and bytes
// back), the other emits events the server broadcasts to everyone else, then
// both disconnect. Each case runs first with the engine's native WebSocket
// (the library's own `transports: ['websocket']`) in the same pages, and the
// observations (and what the server saw) must be equal.
//
// engine.io-client has no WebSocket-constructor option: its `websocket`
// transport reads `globalThis.WebSocket` once, when the module loads. Its
// option is `transports`, which takes transport classes (socket.io-client
// 4.8); the first case passes its WebSocket transport with `createSocket`
// returning a WasmWebSocket. The second case is the classic polyfill pattern:
// `globalThis.WebSocket = WasmWebSocket` before the library loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Server } from 'socket.io';
import { useInteropSite, closePages, until, withDeadline } from './site.js';

const SHOUTS = 20;
const DEADLINE_MS = 10_000;
const ACK_BYTES = [1, 2, 3, 0, 255];

const env = useInteropSite({
  'socket.io-client': "export { io, WebSocket as WebSocketTransport } from 'socket.io-client';",
});

/** socket.io on its own HTTP server, websocket only; `log` lists each connection. */
async function startSocketIoServer() {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false });
  const log = [];
  io.on('connection', (socket) => {
    const entry = { transport: socket.conn.transport.name, name: socket.handshake.auth.name ?? null, events: [], disconnect: null };
    entry.gone = new Promise((resolve) => socket.once('disconnect', (reason) => { entry.disconnect = reason; resolve(); }));
    log.push(entry);
    socket.on('hello', (text, bytes, ack) => {
      entry.events.push({ hello: text, bytes: bytes.length });
      ack({ text: text.toUpperCase(), bytes: Buffer.from(bytes).reverse() });
    });
    socket.on('shout', (text) => {
      entry.events.push({ shout: text });
      socket.broadcast.emit('shouted', { text });
    });
  });
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${httpServer.address().port}`,
    log,
    async close() {
      await new Promise((resolve) => io.close(resolve));
    },
  };
}

// In the page: loads the library for `side` in `mode` and connects as `name`.
// 'option': native is the library's own websocket transport; wasm passes a
// transport class whose socket is a WasmWebSocket. 'global': the library is
// loaded (a separate module instance for wasm) after `globalThis.WebSocket`
// was replaced, and uses its own transport.
async function connectInPage({ side, mode, url, name, deadlineMs }) {
  window.__NativeWebSocket ??= WebSocket;
  let lib;
  let transports = ['websocket'];
  if (mode === 'global' && side === 'wasm') {
    globalThis.WebSocket = window.WasmWebSocket;
    lib = await import('/lib/socket.io-client.js?global=WasmWebSocket');
  } else {
    lib = await import('/lib/socket.io-client.js');
  }
  if (mode === 'option' && side === 'wasm') {
    const WasmWebSocket = window.WasmWebSocket;
    transports = [class WasmWebSocketTransport extends lib.WebSocketTransport {
      createSocket(uri, protocols) {
        return protocols ? new WasmWebSocket(uri, protocols) : new WasmWebSocket(uri);
      }
    }];
  }
  const socket = lib.io(url, { transports, reconnection: false, forceNew: true, auth: { name } });
  const received = [];
  socket.on('shouted', (message) => received.push(message));
  window.__io = { socket, received };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect within ${deadlineMs} ms`)), deadlineMs);
    socket.once('connect', () => { clearTimeout(timer); resolve(); });
    socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`connect_error: ${e.message}`)); });
  });
  const ws = socket.io.engine.transport.ws;
  return {
    connected: socket.connected,
    transport: socket.io.engine.transport.name,
    implementation: ws instanceof window.WasmWebSocket ? 'WasmWebSocket'
      : ws instanceof window.__NativeWebSocket ? 'WebSocket' : 'other',
  };
}

// In the page: emit with an acknowledgement; describes what came back.
async function helloInPage({ text, bytes, deadlineMs }) {
  const reply = await window.__io.socket.timeout(deadlineMs).emitWithAck('hello', text, new Uint8Array(bytes));
  return {
    text: reply.text,
    bytesType: Object.prototype.toString.call(reply.bytes),
    bytes: Array.from(new Uint8Array(reply.bytes)),
  };
}

// In the page: `count` broadcasts, then an acknowledged emit. The server
// handles one connection's events in order, so once the ack is back any
// broadcast wrongly sent back to this page would have arrived too.
async function shoutInPage({ count, deadlineMs }) {
  for (let i = 1; i <= count; i++) window.__io.socket.emit('shout', `shout ${i}`);
  await window.__io.socket.timeout(deadlineMs).emitWithAck('hello', 'barrier', new Uint8Array(0));
}

function disconnectInPage() {
  const { socket, received } = window.__io;
  socket.disconnect();
  return { received, connected: socket.connected };
}

async function scenario(mode) {
  const server = await startSocketIoServer();
  const pages = [];
  try {
    const ana = await env.open();
    pages.push(ana);
    const ben = await env.open();
    pages.push(ben);
    const out = {};
    for (const side of ['native', 'wasm']) {
      const mark = server.log.length;
      const connect = (tab, name) => withDeadline(tab.page.evaluate(connectInPage,
        { side, mode, url: server.url, name, deadlineMs: DEADLINE_MS }), `${name} connecting (${side})`, DEADLINE_MS + 5000);
      const connected = { ana: await connect(ana, 'ana'), ben: await connect(ben, 'ben') };
      const ack = await ana.page.evaluate(helloInPage, { text: 'hi', bytes: ACK_BYTES, deadlineMs: DEADLINE_MS });
      await ben.page.evaluate(shoutInPage, { count: SHOUTS, deadlineMs: DEADLINE_MS });
      await until(ana.page, (n) => window.__io.received.length >= n, SHOUTS, `ana receiving ${SHOUTS} broadcasts (${side})`);
      const disconnected = { ana: await ana.page.evaluate(disconnectInPage), ben: await ben.page.evaluate(disconnectInPage) };
      const connections = server.log.slice(mark);
      await withDeadline(Promise.all(connections.map((c) => c.gone)), `the server seeing both pages disconnect (${side})`);
      out[side] = {
        connected, ack, disconnected,
        server: connections.map(({ transport, name, events, disconnect }) => ({ transport, name, events, disconnect })),
      };
    }

    for (const name of ['ana', 'ben']) {
      assert.equal(out.native.connected[name].implementation, 'WebSocket', 'the baseline ran on the native WebSocket');
      assert.equal(out.wasm.connected[name].implementation, 'WasmWebSocket', 'socket.io-client ran on WasmWebSocket');
    }
    const shouts = Array.from({ length: SHOUTS }, (_, i) => `shout ${i + 1}`);
    assert.deepStrictEqual(out.native.connected.ana, { connected: true, transport: 'websocket', implementation: 'WebSocket' });
    assert.deepStrictEqual(out.native.ack, { text: 'HI', bytesType: '[object ArrayBuffer]', bytes: [...ACK_BYTES].reverse() });
    assert.deepStrictEqual(out.native.disconnected, {
      ana: { received: shouts.map((text) => ({ text })), connected: false },
      ben: { received: [], connected: false },
    });
    assert.deepStrictEqual(out.native.server, [
      { transport: 'websocket', name: 'ana', events: [{ hello: 'hi', bytes: ACK_BYTES.length }], disconnect: 'client namespace disconnect' },
      { transport: 'websocket', name: 'ben', events: [...shouts.map((shout) => ({ shout })), { hello: 'barrier', bytes: 0 }], disconnect: 'client namespace disconnect' },
    ]);
    const comparable = ({ connected, ...rest }) => ({
      ...rest,
      connected: Object.fromEntries(Object.entries(connected).map(([k, { implementation, ...v }]) => [k, v])),
    });
    assert.deepStrictEqual(comparable(out.wasm), comparable(out.native), 'WasmWebSocket against the native baseline');
  } finally {
    const problems = await closePages(pages);
    await server.close();
    assert.deepStrictEqual(problems, { consoleErrors: [], pageErrors: [] }, 'errors in the pages');
  }
}

test(`socket.io-client, transports: [a WebSocket transport creating WasmWebSocket]: connect, emit with ack, ${SHOUTS} broadcasts to a second page`,
  () => scenario('option'));

test(`socket.io-client with globalThis.WebSocket = WasmWebSocket before it loads: connect, emit with ack, ${SHOUTS} broadcasts to a second page`,
  () => scenario('global'));
