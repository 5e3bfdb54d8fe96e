// wasmchat's ES module entry. Importing it fetches and instantiates the wasm
// module once (top-level await), so afterwards every export works synchronously.
export { WasmWebSocket } from './wasm-websocket.js';
export { createChatClient } from './chat-client.js';
export { defineChatElement } from './chat-element.js';
export { bindChatView } from './chat-view.js';
export { memoryStats } from './module.js';
