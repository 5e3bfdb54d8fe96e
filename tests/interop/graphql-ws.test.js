// graphql-ws in the browser with `WasmWebSocket` as its `webSocketImpl`,
// against graphql-ws's own server for `ws` (graphql-ws/use/ws + graphql) on
// 127.0.0.1: a subscription delivers 100 events in order, then completes; the
// lazy client then closes its socket (1000). The same page runs the same
// client with the engine's native WebSocket first, and the two traces (and
// what the server saw) must be equal. A second case gives graphql-ws no
// option and replaces `globalThis.WebSocket` before the library loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLSchema, GraphQLObjectType, GraphQLInt, GraphQLNonNull, GraphQLString } from 'graphql';
import { useInteropSite, closePages, withDeadline } from './site.js';

const EVENTS = 100;
const DEADLINE_MS = 20_000;

const env = useInteropSite({ 'graphql-ws': "export { createClient } from 'graphql-ws';" });

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: GraphQLInt,
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        // Each yield is one `next` message; the default resolver reads `count`.
        async* subscribe(_, { to }) {
          for (let i = 1; i <= to; i++) yield { count: i };
        },
      },
    },
  }),
});

/** A `ws` server with graphql-ws's handler; `log` lists each connection's subprotocol and close. */
async function startGraphqlServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve, reject) => { wss.once('listening', resolve); wss.once('error', reject); });
  const disposable = useServer({ schema }, wss);
  const log = [];
  wss.on('connection', (socket) => {
    const entry = { protocol: socket.protocol, closeCode: null, closeReason: null };
    entry.closed = new Promise((resolve) => socket.once('close', (code, reason) => {
      entry.closeCode = code;
      entry.closeReason = reason.toString();
      resolve();
    }));
    log.push(entry);
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/graphql`,
    log,
    async close() {
      await disposable.dispose();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

// In the page: one lazy client, a query, then the subscription, each operation
// traced as it arrives; then the socket's close. Returns the trace and which
// implementation the library's socket really was. 'option': webSocketImpl is
// the constructor of `side`. 'global': no option; for wasm the library is
// loaded (a module instance of its own) after the global was replaced.
async function subscribeInPage({ side, mode, url, events, deadlineMs }) {
  window.__NativeWebSocket ??= WebSocket;
  let lib;
  if (mode === 'global' && side === 'wasm') {
    globalThis.WebSocket = window.WasmWebSocket;
    lib = await import('/lib/graphql-ws.js?global=WasmWebSocket');
  } else {
    lib = await import('/lib/graphql-ws.js');
  }
  const implementation = mode === 'option' ? { webSocketImpl: side === 'native' ? WebSocket : window.WasmWebSocket } : {};
  const trace = [];
  const sockets = [];
  let closes = 0;
  const client = lib.createClient({
    url,
    ...implementation,
    retryAttempts: 0,
    on: {
      connected: (socket) => {
        sockets.push(socket instanceof window.WasmWebSocket ? 'WasmWebSocket'
          : socket instanceof window.__NativeWebSocket ? 'WebSocket' : 'other');
        trace.push({ connected: socket.protocol });
      },
      closed: (e) => {
        trace.push({ closed: e.code, reason: e.reason, wasClean: e.wasClean });
        closes++;
      },
      error: (e) => trace.push({ error: String(e?.message ?? e?.type ?? e) }),
    },
  });
  const within = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)), deadlineMs))]);
  const run = (payload, what) => within(new Promise((resolve, reject) => {
    client.subscribe(payload, {
      next: (result) => trace.push({ next: result }),
      error: (e) => { trace.push({ operationError: String(e?.message ?? e?.code ?? e) }); reject(new Error(`${what} failed`)); },
      complete: () => { trace.push({ complete: what }); resolve(); },
    });
  }), what);
  const closedTimes = (n, what) => within(new Promise((resolve) => {
    const poll = () => (closes >= n ? resolve() : setTimeout(poll, 10));
    poll();
  }), what);
  try {
    // Lazy: once an operation completes and none is left, the client closes
    // its socket, so each operation has its own (waited for, so the next one
    // never meets a CLOSING socket).
    await run({ query: '{ hello }' }, 'query');
    await closedTimes(1, "the lazy client's close after the query");
    await run({ query: `subscription { count(to: ${events}) }` }, 'subscription');
    await closedTimes(2, "the lazy client's close after the subscription");
  } finally {
    await client.dispose();
  }
  return { trace, sockets };
}

async function scenario(mode) {
  const server = await startGraphqlServer();
  const pages = [];
  try {
    const tab = await env.open();
    pages.push(tab);
    const out = {};
    for (const side of ['native', 'wasm']) {
      const mark = server.log.length;
      const result = await withDeadline(
        tab.page.evaluate(subscribeInPage, { side, mode, url: server.url, events: EVENTS, deadlineMs: DEADLINE_MS }),
        `the ${side} graphql-ws client`, DEADLINE_MS + 5000);
      const connections = server.log.slice(mark);
      await withDeadline(Promise.all(connections.map((c) => c.closed)), `the server seeing the ${side} sockets close`);
      out[side] = { ...result, server: connections.map(({ protocol, closeCode, closeReason }) => ({ protocol, closeCode, closeReason })) };
    }

    assert.deepStrictEqual(out.native.sockets, ['WebSocket', 'WebSocket'], 'the baseline ran on the native WebSocket');
    assert.deepStrictEqual(out.wasm.sockets, ['WasmWebSocket', 'WasmWebSocket'], 'graphql-ws used the given webSocketImpl');

    const counts = Array.from({ length: EVENTS }, (_, i) => i + 1);
    const expected = [
      { connected: 'graphql-transport-ws' },
      { next: { data: { hello: 'world' } } },
      { complete: 'query' },
      { closed: 1000, reason: 'Normal Closure', wasClean: true },
      { connected: 'graphql-transport-ws' },
      ...counts.map((count) => ({ next: { data: { count } } })),
      { complete: 'subscription' },
      { closed: 1000, reason: 'Normal Closure', wasClean: true },
    ];
    assert.deepStrictEqual(out.native.trace, expected, `the native baseline: ${EVENTS} events, in order, then complete`);
    assert.deepStrictEqual(out.wasm.trace, out.native.trace, 'WasmWebSocket against the native baseline');
    assert.deepStrictEqual(out.wasm.server, out.native.server, 'what the server saw');
    assert.deepStrictEqual(out.native.server.map((c) => c.closeCode), [1000, 1000]);
  } finally {
    const problems = await closePages(pages);
    await server.close();
    assert.deepStrictEqual(problems, { consoleErrors: [], pageErrors: [] }, 'errors in the page');
  }
}

test(`graphql-ws with webSocketImpl: WasmWebSocket: a query, then a subscription of ${EVENTS} events in order, then complete`,
  () => scenario('option'));

test(`graphql-ws with globalThis.WebSocket = WasmWebSocket before it loads: a query, then ${EVENTS} subscription events in order, then complete`, () => scenario('global'));
