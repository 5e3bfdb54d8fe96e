// A consumer app of the installed package, built by bundlers.test.js with
// esbuild (in a default `npm init -y` project and a "type": "module" one),
// Vite, webpack and Rollup. No top-level await, as in most apps: esbuild
// wraps such a file in a function in a CommonJS-typed project.
// Query: ?server=ws://.../ws&nickname=ana[&wasmUrl=...]
import { createChatClient, WasmWebSocket } from 'wasmchat';

const query = new URLSearchParams(location.search);
const state = document.getElementById('state');
const log = document.getElementById('log');
const form = document.getElementById('send');

// For the tests: the class keeps its name through the app's minifier.
window.wasmWebSocketName = WasmWebSocket.name;

createChatClient({
  server: query.get('server') ?? '/ws',
  nickname: query.get('nickname') ?? undefined,
  ...(query.has('wasmUrl') && { wasmUrl: query.get('wasmUrl') }),
}).then((client) => {
  client.addEventListener('status', ({ detail }) => { state.textContent = detail.state; });
  client.addEventListener('open', ({ detail }) => { state.textContent = `open as ${detail.name}`; });
  client.addEventListener('message', ({ detail }) => {
    if (detail.own) return;
    const item = document.createElement('li');
    item.textContent = `${detail.from}: ${detail.text}`;
    log.append(item);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const result = client.send(form.elements.text.value);
    if (result.ok) form.reset();
    else state.textContent = result.message;
  });

  // For tests and the console.
  window.chat = client;
  window.sendMessage = (text) => client.send(text);
}, (error) => { state.textContent = `failed: ${error.message}`; });
