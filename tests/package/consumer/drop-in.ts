// WasmWebSocket as a drop-in where code expects the browser's WebSocket
// (compiled by types.test.js against the installed package, like main.ts).
import { WasmWebSocket } from 'wasmchat';

function attach(socket: WebSocket): void {
  socket.onmessage = (event) => console.log(event.data);
}

attach(new WasmWebSocket('wss://chat.example/ws'));

const Socket: typeof WebSocket = WasmWebSocket;
export const socket: WebSocket = new Socket('wss://chat.example/ws', 'wasmchat.v1');
