// The one-line embed: `<script type="module" src=".../wasmchat.single.js">`
// defines <wasm-chat> and exports the whole API. Built into a single file
// with the wasm inlined (scripts/bundle-single-file.mjs).
import { defineChatElement } from './index.js';

export * from './index.js';

defineChatElement();
