// The demo page: a WasmWebSocket to the server's echo endpoint. Every message
// is shown with textContent, never as HTML.
import { WasmWebSocket } from '/dist/index.js';

const status = document.getElementById('status');
const messages = document.getElementById('messages');
const socket = new WasmWebSocket('/echo');  // relative: resolved against the page, http -> ws

function show(text) {
  const line = document.createElement('div');
  line.textContent = text;
  messages.prepend(line);
}

socket.onopen = () => { status.textContent = `connected to ${socket.url}`; };
socket.onmessage = (event) => show(event.data);
socket.onclose = (event) => { status.textContent = `closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`; };

document.forms.publish.onsubmit = (event) => {
  event.preventDefault();
  const input = document.forms.publish.message;
  if (input.value && socket.readyState === WasmWebSocket.OPEN) socket.send(input.value);
  input.value = '';
};
