// The package's ES module entry, unbundled: it loads wasmchat.js and fetches
// wasmchat.wasm from next to itself.
import * as wasmchat from '/node_modules/wasmchat/dist/index.js';
import { startChat } from './chat-app.js';

startChat(wasmchat);
