// /hello: the WebSocket lesson's first demo. The server speaks first: right
// after the handshake it sends the text frame "Hello from server!", then
// closes with 1000 "bye" after closeAfterMs (default 5000 ms; a connection
// may ask for another delay with ?closeAfterMs=<0..60000>).
import { WebSocketServer } from 'ws';
import { closeGracefully } from './chat-server.js';

export const HELLO_TEXT = 'Hello from server!';
const MAX_CLOSE_AFTER_MS = 60000;

/**
 * @param {{ closeAfterMs?: number }} [options]
 * @returns {{ handleUpgrade(request, socket, head): void, close(): Promise<void> }}
 */
export function createHelloServer({ closeAfterMs = 5000 } = {}) {
  // Default handleProtocols: ws selects the first offered subprotocol, which
  // keeps browsers that offer one from failing the handshake.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096 });
  const timers = new Set();

  wss.on('connection', (ws, request) => {
    ws.on('error', () => {}); // ws emits 'error' for bad frames and closes by itself; see chat-server.js
    ws.on('message', () => {}); // the demo only talks
    ws.send(HELLO_TEXT);
    const timer = setTimeout(() => {
      timers.delete(timer);
      ws.close(1000, 'bye');
    }, delayFor(request));
    timers.add(timer);
    ws.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });

  function delayFor(request) {
    const asked = new URL(request.url, 'http://localhost').searchParams.get('closeAfterMs');
    if (asked === null || !/^\d+$/.test(asked)) return closeAfterMs;
    return Math.min(Number(asked), MAX_CLOSE_AFTER_MS);
  }

  return {
    handleUpgrade(request, socket, head) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeGracefully(wss.clients, { code: 1001, reason: 'server shutting down' });
      wss.close();
    },
  };
}
