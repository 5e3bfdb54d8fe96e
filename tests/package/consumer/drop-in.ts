// WasmWebSocket as a drop-in where code expects the browser's WebSocket
// (compiled by types.test.js against the installed package, like main.ts).
import { WasmWebSocket, ready } from 'wasmchat';

await ready;

function attach(socket: WebSocket): void {
  socket.onmessage = (event) => console.log(event.data);
}

attach(new WasmWebSocket('wss://chat.example/ws'));

// An instance is a WebSocket; handlers written for one fit, `this` included.
const url = 'wss://chat.example/ws';
const plain: WebSocket = new WasmWebSocket(url);
plain.onclose = function (event) { console.log(this.readyState, event.code); };
plain.addEventListener('message', function (event) { console.log(this.url, event.data); });
const state: number = plain.readyState;
const wasmState: WebSocket["readyState"] = new WasmWebSocket(url).readyState;

// The class where a library asks for a constructor: `typeof WebSocket`
// itself, or the structural shape libraries declare for their option.
const Socket: typeof WebSocket = WasmWebSocket;
export const socket: WebSocket = new Socket('wss://chat.example/ws', 'wasmchat.v1');
type WebSocketLike = { new (url: string | URL, protocols?: string | string[]): WebSocket; readonly OPEN: number };
function connectWith(Impl: WebSocketLike): WebSocket { return new Impl(url); }
export const viaOption = connectWith(WasmWebSocket);
const options: { WebSocket?: typeof WebSocket } = { WebSocket: WasmWebSocket };
export { state, wasmState, options };
