// The bench's own HTTP server on 127.0.0.1: serves the bench pages, the built
// package (dist/), the page (web/), and the C++ echo program; receives the
// pages' results (POST /report/<block>); hands out plans (GET /plan/<block>)
// and go-signals (GET /wait/<block>/<name>); and is the loopback echo server
// for the transport benchmarks (ws /echo).
import http from 'node:http';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { staticFiles } from '../../server/static-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const paths = {
  root,
  web: `${root}web`,
  dist: `${root}dist`,
  bench: `${root}bench`,
  buildBench: `${root}build/wasm-release/bench`,
};

// The chat page, byte for byte, plus one module script that runs before
// page.js: it hooks window.chat and reports to this server (bench/pages/chat-probe.js).
const PROBE_TAG = '<script type="module" src="/bench/pages/chat-probe.js"></script>\n  ';

let nextBlock = 1;

export async function startBenchServer() {
  const blocks = new Map();
  const serve = staticFiles({
    '/bench/': paths.bench,
    '/build/bench/': paths.buildBench,
    '/dist/': paths.dist,
    '/': paths.web,
  });

  function block(id) {
    let entry = blocks.get(id);
    if (!entry) {
      entry = { plan: null, messages: [], listeners: new Set(), signals: new Set(), signalWaiters: new Map() };
      blocks.set(id, entry);
    }
    return entry;
  }

  function deliver(id, message) {
    const entry = block(id);
    message.receivedAt = Date.now();
    entry.messages.push(message);
    for (const listener of [...entry.listeners]) listener(message);
  }

  const server = http.createServer((request, response) => {
    const { pathname, searchParams } = new URL(request.url, 'http://localhost');
    if (process.env.BENCH_DEBUG) console.error(`[bench-server] ${request.method} ${request.url}`);
    let match;
    if (request.method === 'POST' && (match = pathname.match(/^\/report\/([\w-]+)$/))) {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        try {
          const parsed = JSON.parse(body);
          for (const message of Array.isArray(parsed) ? parsed : [parsed]) deliver(match[1], message);
          response.writeHead(204).end();
        } catch (error) {
          response.writeHead(400).end(String(error.message));
        }
      });
      return;
    }
    if (request.method === 'GET' && (match = pathname.match(/^\/plan\/([\w-]+)$/))) {
      const plan = blocks.get(match[1])?.plan;
      if (!plan) return response.writeHead(404).end('no such plan');
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return response.end(JSON.stringify(plan));
    }
    if (request.method === 'GET' && (match = pathname.match(/^\/wait\/([\w-]+)\/([\w-]+)$/))) {
      // Long poll: 200 once the harness signalled `name`, 408 after `timeout` ms.
      const entry = block(match[1]);
      const name = match[2];
      const answer = (status) => {
        if (response.writableEnded) return;
        response.writeHead(status, { 'cache-control': 'no-store' }).end(status === 200 ? 'go' : 'timeout');
      };
      if (entry.signals.has(name)) return answer(200);
      const timeout = Math.min(Number(searchParams.get('timeout')) || 30_000, 600_000);
      const timer = setTimeout(() => answer(408), timeout);
      const waiters = entry.signalWaiters.get(name) ?? new Set();
      entry.signalWaiters.set(name, waiters);
      const waiter = () => { clearTimeout(timer); answer(200); };
      waiters.add(waiter);
      request.on('close', () => { clearTimeout(timer); waiters.delete(waiter); });
      return;
    }
    if (request.method === 'GET' && (pathname === '/' || pathname === '/index.html')) {
      // The chat page with the probe (see PROBE_TAG).
      const html = fs.readFileSync(`${paths.web}/index.html`, 'utf8');
      const marker = '<script type="module" src="/page.js"></script>';
      if (!html.includes(marker)) return response.writeHead(500).end('web/index.html has no page.js script tag');
      const probed = html.replace(marker, PROBE_TAG + marker);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      return response.end(probed);
    }
    if (pathname === '/bench/pages/echo.html') {
      // Cross-origin isolated: performance.now() at 5 µs instead of 100 µs, for the latency percentiles.
      response.setHeader('cross-origin-opener-policy', 'same-origin');
      response.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    serve(request, response, () => {
      if (pathname === '/favicon.ico') return response.writeHead(204).end();
      response.writeHead(404).end('not found');
    });
  });

  // The loopback echo server: every message back with its frame type, no compression.
  const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  echo.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => {});
    if (new URL(request.url, 'http://localhost').pathname === '/echo') {
      echo.handleUpgrade(request, socket, head, (ws) => echo.emit('connection', ws, request));
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    echoUrl: `ws://127.0.0.1:${port}/echo`,

    /** A new block: an id for the pages' reports, with an optional plan. */
    newBlock(plan = null) {
      const id = `b${nextBlock++}`;
      block(id).plan = plan;
      return new Mailbox(id, block(id));
    },

    /** Releases a block's long polls. */
    signal(id, name) {
      const entry = block(id);
      entry.signals.add(name);
      for (const waiter of entry.signalWaiters.get(name) ?? []) waiter();
      entry.signalWaiters.delete(name);
    },

    dropBlock(id) { blocks.delete(id); },

    async close() {
      for (const client of echo.clients) client.terminate();
      echo.close();
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** What the pages of one block reported, with waits that always have a deadline. */
export class Mailbox {
  constructor(id, entry) {
    this.id = id;
    this.entry = entry;
  }

  get messages() { return this.entry.messages; }

  /** Calls `listener(message)` for every message from now on; returns an unsubscribe function. */
  on(listener) {
    this.entry.listeners.add(listener);
    return () => this.entry.listeners.delete(listener);
  }

  /**
   * Resolves with the first message (already received or future) matching
   * `predicate`. Rejects after `ms`, or at once when the page reports
   * { type: 'error' } (its own failure) or `abort` (e.g. Chromium exited) settles.
   */
  waitFor(predicate, ms, what, { abort = null, since = 0, idleMs = 0 } = {}) {
    return new Promise((resolve, reject) => {
      let idleTimer = null;
      const check = (message) => {
        if (message.type === 'fatal') {
          finish();
          reject(new Error(`page reported: ${message.error}`));
          return true;
        }
        if (predicate(message)) {
          finish();
          resolve(message);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`));
      }, ms);
      const idle = () => {
        if (!idleMs) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          finish();
          reject(new Error(`nothing reported for ${Math.round(idleMs / 1000)} s while waiting for ${what}`));
        }, idleMs);
      };
      const unsubscribe = this.on((message) => { if (!check(message)) idle(); });
      const finish = () => { clearTimeout(timer); clearTimeout(idleTimer); unsubscribe(); };
      abort?.then((reason) => { finish(); reject(new Error(`${reason} while waiting for ${what}`)); });
      idle();
      for (const message of this.entry.messages.slice(since)) if (check(message)) return;
    });
  }
}
