// wasmchat/websocket: WasmWebSocket alone, for pages that want the transport
// and not the chat. The same WasmWebSocket (web/wasm-websocket.js) and the
// same loader (web/module.js) as the full entry, bundled over the
// transport-only module (the wasmchat_websocket CMake target: no chat core,
// no JSON), so the page downloads a fraction of the bytes. Importing it starts
// fetching and compiling that wasm (streaming, while the page goes on);
// `await ready`, then `new WasmWebSocket(url)` is synchronous.
export { WasmWebSocket } from './wasm-websocket.js';
export { ready } from './module.js';
