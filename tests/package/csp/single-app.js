// Uses the API of the single file that the page's <script type="module"> loaded.
import * as wasmchat from '/node_modules/wasmchat/dist/wasmchat.single.js';
import { startChat } from './chat-app.js';

startChat(wasmchat);
