// The lesson's first example as an event log: open, message, error, close
// (code, reason, wasClean), with readyState and bufferedAmount kept live.
import { WasmWebSocket, ready } from '/dist/index.js';

await ready;

const $ = (id) => document.getElementById(id);
const readyStates = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const params = new URLSearchParams(location.search);
const endpoint = new URL('/hello', location.href);
if (params.has('closeAfterMs')) endpoint.searchParams.set('closeAfterMs', params.get('closeAfterMs'));

const socket = new WasmWebSocket(endpoint);

function log(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('log').append(item);
}

function showState() {
  $('ready-state').textContent = readyStates[socket.readyState];
  $('buffered-amount').textContent = String(socket.bufferedAmount);
}

socket.onopen = () => {
  log('[open] Connection established, send -> server');
  socket.send('My name is John');
};
socket.onmessage = (event) => log(`[message] Data received: ${event.data} <- server`);
socket.onerror = () => log('[error]');
socket.onclose = (event) => {
  log(event.wasClean
    ? `[close] Connection closed cleanly, code=${event.code} reason=${event.reason}`
    : `[close] Connection died, code=${event.code}`);
  showState();
};
for (const type of ['open', 'message', 'error', 'close']) socket.addEventListener(type, showState);
const timer = setInterval(() => { showState(); if (socket.readyState === WasmWebSocket.CLOSED) clearInterval(timer); }, 100);
