// wasmchat's ES module entry. Importing it starts fetching and instantiating
// the wasm module once; `await ready` (or createChatClient(), which awaits it
// itself), and afterwards every export works synchronously.
export { WasmWebSocket } from './wasm-websocket.js';
export { createChatClient } from './chat-client.js';
export { defineChatElement } from './chat-element.js';
export { bindChatView } from './chat-view.js';
export { memoryStats, ready } from './module.js';
