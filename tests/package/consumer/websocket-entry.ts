// wasmchat/websocket as a TypeScript consumer imports it: WasmWebSocket and
// `ready` with the same types as the main entry's, and nothing of the chat.
import { WasmWebSocket, ready } from 'wasmchat/websocket';
import type { WasmWebSocketEventMap } from 'wasmchat/websocket';

await ready;
const socket: WebSocket = new WasmWebSocket('wss://chat.example/ws', ['wasmchat.v1']);
const Impl: typeof WebSocket = WasmWebSocket;
const onMessage = (event: WasmWebSocketEventMap['message']): string => String(event.data);
socket.addEventListener('message', onMessage);
// @ts-expect-error the chat is not part of this entry
import { createChatClient } from 'wasmchat/websocket';
console.log(Impl.OPEN, createChatClient);
export {};
