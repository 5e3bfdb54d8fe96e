// `npm start`: serves the page (web/) and the built package (dist/) and a
// WebSocket echo endpoint at /echo, on one port.
//   node server/index.js [--port 8080] [--host 127.0.0.1]
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { staticFiles } from './static-files.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.PORT ?? '8080' }, host: { type: 'string', default: '127.0.0.1' } },
});

const serve = staticFiles({ '/': `${root}web`, '/dist/': `${root}dist` });
const server = http.createServer((request, response) =>
  serve(request, response, () => {
    // No icon: answer without an error so the page's console stays clean.
    if (request.url === '/favicon.ico') return response.writeHead(204).end();
    response.writeHead(404).end('not found');
  }));

// Echo: each message comes back with the same frame type.
const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false });
echo.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

server.on('upgrade', (request, socket, head) => {
  if (new URL(request.url, 'http://localhost').pathname !== '/echo') {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  echo.handleUpgrade(request, socket, head, (ws) => echo.emit('connection', ws, request));
});

server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  console.log(`wasmchat: http://${address}:${port}/  (echo at ws://${address}:${port}/echo)`);
});
