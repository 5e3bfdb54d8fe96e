// Shared by tests/server/*.test.js: servers on 127.0.0.1 port 0 and a `ws`
// client whose frames can be awaited one by one, every wait with a deadline.
import http from 'node:http';
import net from 'node:net';
import { WebSocket } from 'ws';
import { createChatServer } from '../../server/chat-server.js';

export const PROTOCOL = 'wasmchat.v1';
export const DEADLINE_MS = 2000;

/** Rejects with `what` if `promise` has not settled after `ms`. */
export function withDeadline(promise, what, ms = DEADLINE_MS) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** createChatServer(options) behind a bare HTTP server; `url` is its ws:// address. */
export async function startChat(options = {}) {
  const chat = createChatServer(options);
  const server = http.createServer((request, response) => response.writeHead(404).end());
  server.on('upgrade', (request, socket, head) => chat.handleUpgrade(request, socket, head));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    chat,
    port,
    url: `ws://127.0.0.1:${port}/`,
    async close() {
      await chat.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A connected client. Frames are queued as they arrive; `next()` takes them in
 * order, `expect(type)` skips envelopes of other types (kept in `skipped`).
 */
export class Client {
  /** Opens `url`; resolves once open, rejects with the handshake error. */
  static async open(url, { protocols = [], ...options } = {}) {
    const ws = new WebSocket(url, protocols, options);
    const client = new Client(ws);
    await withDeadline(new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }), `open ${url}`);
    return client;
  }

  /**
   * A wasmchat.v1 client that has received its welcome (in `welcome`) and
   * the presence announcing its own arrival, so tests start from a quiet queue.
   */
  static async v1(url, options = {}) {
    const client = await Client.open(url, { ...options, protocols: [PROTOCOL] });
    client.welcome = await client.envelope();
    if (client.welcome.type !== 'welcome') throw new Error(`first frame: ${JSON.stringify(client.welcome)}`);
    client.joined = await client.envelope();
    if (client.joined.type !== 'presence') throw new Error(`second frame: ${JSON.stringify(client.joined)}`);
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.waiters = [];
    this.skipped = [];
    ws.on('message', (data, isBinary) => {
      this.frames.push({ data, isBinary, text: data.toString('utf8') });
      this.waiters.splice(0).forEach((wake) => wake());
    });
    ws.on('error', () => {}); // surfaced through `closed`
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
  }

  /** The next frame: { data: Buffer, isBinary, text }. */
  async next(what = 'a frame', ms = DEADLINE_MS) {
    const frame = await withDeadline((async () => {
      while (this.frames.length === 0) {
        if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for ${what}`);
        await new Promise((resolve) => this.waiters.push(resolve));
      }
      return this.frames.shift();
    })(), what, ms);
    return frame;
  }

  /** The next frame, parsed as a JSON envelope. */
  async envelope(ms) {
    const frame = await this.next('an envelope', ms);
    assertText(frame);
    return JSON.parse(frame.text);
  }

  /** The next envelope of `type`, skipping (and keeping in `skipped`) others. */
  async expect(type, ms = DEADLINE_MS) {
    return withDeadline((async () => {
      for (;;) {
        const envelope = await this.envelope(ms);
        if (envelope.type === type) return envelope;
        this.skipped.push(envelope);
      }
    })(), `a ${type} envelope`, ms);
  }

  /** Sends an object as JSON, anything else as is. */
  send(value, options) {
    this.ws.send(typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : value, options);
  }

  /**
   * Round trip: pings and returns every envelope received before the pong.
   * Frames are in order on one connection, so this proves what the server
   * did NOT send in answer to earlier requests without sleeping.
   */
  async sync(nonce = 424242) {
    this.send({ type: 'ping', nonce });
    const before = [];
    for (;;) {
      const envelope = await this.envelope();
      if (envelope.type === 'pong' && envelope.nonce === nonce) return before;
      before.push(envelope);
    }
  }

  async waitClose(ms = DEADLINE_MS) {
    return withDeadline(this.closed, 'the close', ms);
  }

  close() {
    this.ws.close();
    return this.waitClose();
  }
}

function assertText(frame) {
  if (frame.isBinary) throw new Error(`expected a text frame, got binary ${frame.data.toString('hex')}`);
}

/** The HTTP status of a refused WebSocket handshake. */
export async function refusedStatus(url, options = {}) {
  const ws = new WebSocket(url, [], options);
  const error = await withDeadline(new Promise((resolve) => {
    ws.once('open', () => resolve(new Error('handshake unexpectedly succeeded')));
    ws.once('error', resolve);
  }), `refusal of ${url}`);
  ws.terminate();
  const match = /Unexpected server response: (\d+)/.exec(error.message);
  if (!match) throw error;
  return Number(match[1]);
}

/** The handshake headers of a WebSocket upgrade request, for raw requests. */
export const UPGRADE_HEADERS = 'Upgrade: websocket\r\nConnection: Upgrade\r\n'
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/**
 * Writes `head` (a raw HTTP request, CRLFs and all) on a new TCP connection
 * and resolves with everything the server answered once it closed the
 * connection: what a server said on the wire, byte for byte.
 */
export async function rawExchange(port, head) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let response = '';
  socket.on('data', (chunk) => { response += chunk; });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(head);
  await withDeadline(closed, `the answer to ${JSON.stringify(head.split('\r\n')[0])}`);
  return response;
}
