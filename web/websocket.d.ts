// Types of wasmchat/websocket: the same WasmWebSocket and `ready` as the
// package's main entry (declared once, in index.d.ts), on the transport-only wasm.
export { WasmWebSocket, WasmWebSocketEventMap, ready } from './index.js';
