// In-process HTTP + WebSocket server for the browser tests.
//
// One listener on 127.0.0.1 serves the blank test page, the build output under
// /dist/, a tiny control API for the page, and WebSocket endpoints whose
// behaviour is chosen by path. Every upgrade attempt is appended to `log`, so a
// test can check what the server saw from the client (offered subprotocols,
// close code and reason, message framing).
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { staticFiles } from '../../server/static-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const distDir = path.join(repoRoot, 'dist');
/** C++ test programs that run in the page (tests/wasm/), from the wasm-debug build. */
export const wasmTestsDir = path.join(repoRoot, 'build', 'wasm-debug', 'tests');

// The icon link stops Chromium from requesting /favicon.ico, whose 404 would
// show up as a console error in every test.
const BLANK_PAGE = '<!doctype html><html><head><meta charset="utf-8">' +
  '<link rel="icon" href="data:,"><title>wasmchat browser tests</title></head><body></body></html>';

// The fixed sequence sent by /send-then-close.
export const SEND_THEN_CLOSE = {
  messages: ['a', Buffer.from([1, 2, 3]), 'x\u0000y\u{1F600}'],
  code: 4001,
  reason: 'done',
};

const WS_PATHS = new Set(['/echo', '/close', '/drop', '/refuse', '/stall', '/protocol', '/send-then-close', '/burst']);

/** How many messages /burst sends right after open. */
export const BURST_SIZE = 200;

const utf8 = new TextDecoder('utf-8');

/**
 * @returns {Promise<{ port: number, origin: string, wsOrigin: string, log: object[],
 *   resumeStalled(): number, close(): Promise<void> }>}
 */
export async function startTestServer({ dist = distDir } = {}) {
  const log = [];
  const stalled = new Set();

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // ws calls this only when the client offered at least one subprotocol.
    handleProtocols(protocols, request) {
      const { pathname, searchParams } = new URL(request.url, 'http://x');
      if (pathname === '/protocol') return searchParams.get('select') ?? false;
      // Elsewhere mimic ws's default (pick the first offer): Chromium fails the
      // handshake when it offered protocols and the server picks none.
      return protocols.values().next().value ?? false;
    },
  });

  function resumeStalled() {
    const n = stalled.size;
    for (const socket of stalled) socket.resume();
    stalled.clear();
    return n;
  }

  const serveFiles = staticFiles({ '/dist/': dist, '/wasm-tests/': wasmTestsDir });

  function serveHttp(req, res) {
    const { pathname } = new URL(req.url, 'http://x');
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      return send(405, 'text/plain; charset=utf-8', 'method not allowed');
    }
    if (pathname === '/') return send(200, 'text/html; charset=utf-8', BLANK_PAGE);
    if (pathname === '/control/resume') {
      return send(200, 'application/json', JSON.stringify({ resumed: resumeStalled() }));
    }
    serveFiles(req, res, () => send(404, 'text/plain; charset=utf-8', `not found: ${pathname}`));
  }

  function rejectUpgrade(socket, status, text) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  }

  function onUpgrade(req, socket, head) {
    const url = new URL(req.url, 'http://x');
    let settle;
    const entry = {
      id: log.length,
      path: url.pathname,
      query: url.search,
      // Raw header as sent, so the order of the offered list is observable.
      offeredProtocols: req.headers['sec-websocket-protocol'] ?? null,
      selectedProtocol: null,
      refused: false,
      opened: false,
      messages: [],
      closeCode: null,
      closeReason: null,
      settled: new Promise((resolve) => { settle = resolve; }),
    };
    log.push(entry);
    socket.on('error', () => {});
    // A client that gives up mid-handshake never reaches 'connection'.
    socket.on('close', () => settle());

    if (!WS_PATHS.has(url.pathname)) return rejectUpgrade(socket, 404, 'Not Found');
    if (url.pathname === '/refuse') {
      entry.refused = true;
      return rejectUpgrade(socket, 403, 'Forbidden');
    }

    wss.handleUpgrade(req, socket, head, (ws) => {
      entry.opened = true;
      entry.selectedProtocol = ws.protocol;
      ws.on('message', (data, isBinary) => {
        entry.messages.push({ binary: isBinary, length: data.length });
      });
      ws.on('close', (code, reason) => {
        entry.closeCode = code;
        entry.closeReason = utf8.decode(reason);
        settle();
      });
      behave(url, ws, socket);
    });
  }

  function behave(url, ws, socket) {
    switch (url.pathname) {
      case '/echo':
      case '/protocol':
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        break;
      case '/close': {
        const code = Number(url.searchParams.get('code') ?? 1000);
        ws.close(code, url.searchParams.get('reason') ?? '');
        break;
      }
      case '/send-then-close':
        for (const m of SEND_THEN_CLOSE.messages) ws.send(m, { binary: typeof m !== 'string' });
        ws.close(SEND_THEN_CLOSE.code, SEND_THEN_CLOSE.reason);
        break;
      case '/burst':
        for (let i = 0; i < BURST_SIZE; i++) ws.send(`burst ${i}`);
        break;
      case '/drop':
        // Drops the TCP connection on the client's first message: only then is
        // the client surely past 'open' (Firefox can take a drop right behind
        // the 101 response as a failed handshake, and skip 'open').
        ws.once('message', () => socket.destroy());
        break;
      case '/stall':
        // ws resumed the socket when it attached its 'data' listener; pausing it
        // stops reading, so the kernel buffers fill and the client's
        // bufferedAmount cannot drain until /control/resume.
        socket.pause();
        stalled.add(socket);
        socket.once('close', () => stalled.delete(socket));
        break;
    }
  }

  const server = http.createServer(serveHttp);
  server.on('upgrade', onUpgrade);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    wsOrigin: `ws://127.0.0.1:${port}`,
    log,
    resumeStalled,
    async close() {
      resumeStalled();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
