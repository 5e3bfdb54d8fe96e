// open-native.html's socket, with WasmWebSocket from wasmchat/websocket: the
// import starts compiling the wasm (streaming); the socket is made once it is ready.
import { WasmWebSocket, ready } from '/dist/websocket.js';

window.__benchExpectWelcome = true;
const mark = (what) => window.__benchMark?.(what);
mark('script');
await ready;
mark('ready');
const socket = new WasmWebSocket(new URLSearchParams(location.search).get('server'), ['wasmchat.v1']);
socket.onopen = () => mark('open');
socket.onmessage = () => { socket.onmessage = null; mark('welcome'); };
