// The whole server of `npm start` on one port, as a function so that tests can
// run the real thing in-process on port 0:
//   /           web/ (the page)          /dist/   dist/ (the built package)
//   ws /ws      the chat (chat-server.js)
//   ws /hello   the lesson's greeting demo (hello.js)
//   ws /echo    echo, each message back with its frame type
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { staticFiles } from './static-files.js';
import { createChatServer, closeGracefully } from './chat-server.js';
import { createHelloServer } from './hello.js';
import { createRedisStore } from './redis-store.js';
import { requestUrl } from './request-url.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * @param {{ host?: string, port?: number, redisUrl?: string, redisOptions?: object } & Parameters<typeof createChatServer>[0]} [options]
 *   redisUrl: join the cluster of every instance on that Redis (redis-store.js,
 *   given redisOptions and the chat's historySize); without it the chat lives
 *   in this process. Everything else but host and port goes to createChatServer.
 * @returns {Promise<{ url: string, port: number, chat: ReturnType<typeof createChatServer>, close(): Promise<void> }>}
 */
export async function startServer({ host = '127.0.0.1', port = 8080, redisUrl, redisOptions = {}, ...chatOptions } = {}) {
  const store = redisUrl
    ? createRedisStore({ url: redisUrl, historySize: chatOptions.historySize ?? 100, ...redisOptions })
    : undefined;
  const chat = createChatServer(store ? { ...chatOptions, store } : chatOptions);
  // Resolves once the store knows the epoch (Redis: once it answered).
  await chat.start();
  const hello = createHelloServer();
  const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  echo.on('connection', (socket) => {
    socket.on('error', () => {}); // see chat-server.js: ws emits, then closes by itself
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });

  const serve = staticFiles({ '/': `${root}web`, '/dist/': `${root}dist` });
  const server = http.createServer((request, response) =>
    serve(request, response, () => {
      // No icon: answer without an error so the page's console stays clean.
      if (request.url === '/favicon.ico') return response.writeHead(204).end();
      response.writeHead(404).end('not found');
    }));

  const sockets = new Set(); // every TCP connection, so close() can end the lingering ones
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (request, socket, head) => {
    // requestUrl: a target such as "//" is no URL, and a throw here would end the process.
    switch (requestUrl(request)?.pathname) {
      case '/ws': return chat.handleUpgrade(request, socket, head);
      case '/hello': return hello.handleUpgrade(request, socket, head);
      case '/echo': return echo.handleUpgrade(request, socket, head, (ws) => echo.emit('connection', ws, request));
      default:
        // Node removed its own 'error' listener from an upgrade socket.
        socket.on('error', () => {});
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing;
  return {
    url: `http://${urlHost}:${address.port}/`,
    port: address.port,
    chat,
    close() {
      closing ??= (async () => {
        // The WebSocket clients first, each with its close handshake (1001),
        // then whatever TCP connection is left (idle keep-alive, slow reads).
        await Promise.all([
          chat.close(),
          hello.close(),
          closeGracefully(echo.clients, { code: 1001, reason: 'server shutting down' }).then(() => echo.close()),
        ]);
        const stopped = new Promise((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}
