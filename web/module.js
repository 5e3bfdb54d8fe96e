// The one shared instance of the wasm module, and the memory plumbing every
// binding uses. Instantiation starts when this module is first imported (the
// earlier the fetch and compile start, the earlier a chat opens) and is shared
// by everything on the page; `ready` says when it is done. No top-level
// await: bundlers that wrap modules in functions (esbuild in a CommonJS
// project) cannot carry it.
import createWasmchatModule from './wasmchat.js';
import { wasmBinary } from './wasm-binary.js';

// The engine's own WebSocket, taken before the page can replace the global
// with WasmWebSocket; the glue connects with it (src/websocket/browser_websocket.js).
const engineWebSocket = globalThis.WebSocket;

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text, not a byte-order mark to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Receivers of events from C++, by sink id (see src/bindings/event_sink.js). */
const sinks = new Map();
let nextSinkId = 1;

/**
 * Registers the receiver of one C++ object's events and returns its id. It
 * stays registered (and so reachable) until `unregister(id)`.
 */
export function registerSink(receiver) {
  const id = nextSinkId++;
  sinks.set(id, receiver);
  return id;
}

/** Stops delivering events to sink `id`. */
export const unregisterSink = (id) => sinks.delete(id);

const sink = {
  open: (id) => sinks.get(id)?.open(),
  message: (id, kind) => sinks.get(id)?.message(kind),  // the data stays in JS: frame().received
  error: (id) => sinks.get(id)?.error(),
  close: (id, code, wasClean, reason, length) => sinks.get(id)?.close(code, !!wasClean, readString(reason, length)),
  chatEvents: (id, batch) => sinks.get(id)?.chatEvents(batch),  // a pointer: web/event-batch.js reads it
};

/** The instantiated module (exports `_wasmchat_*`, `HEAPU8`), once loaded. */
export let wasm = null;
let loading = null;

/**
 * Instantiates the module once; later calls share it. `wasmUrl` (used only if
 * no load has succeeded yet) overrides where the .wasm is, e.g. on a CDN: if
 * a load is under way (the one at import), it is tried once that one failed.
 */
export function loadWasm(wasmUrl = undefined) {
  const under = loading;
  const attempt = under && wasmUrl !== undefined && !wasm
    ? under.catch(() => instantiate(wasmUrl))
    : under ?? instantiate(wasmUrl);
  if (attempt !== under) {
    loading = attempt;
    // A failed load is forgotten, so that a later call tries again.
    attempt.catch(() => { if (loading === attempt) loading = null; });
  }
  return attempt;
}

function instantiate(wasmUrl) {
  return createWasmchatModule({
    wasmchatSink: sink,
    wasmchatWebSocket: engineWebSocket,
    ...(wasmBinary && { wasmBinary }),
    ...(wasmUrl && { locateFile: () => String(wasmUrl) }),
  }).then((instance) => { wasm = instance; });
}

/** The module, or a clear error saying how to wait for it or point us at the .wasm. */
export function requireWasm() {
  if (wasm) return wasm;
  throw new Error('wasmchat: the WebAssembly module is not loaded yet: `await ready` (exported by the package) ' +
    'first. If it fails, serve wasmchat.wasm next to the package\'s JS, add <meta name="wasmchat:wasm-url" ' +
    'content="URL">, or pass { wasmUrl } to createChatClient().');
}

// Where the .wasm is: a <meta name="wasmchat:wasm-url"> on the page (for CDNs
// and script-tag embeds, which cannot pass options), else next to this module
// (Emscripten's `new URL('wasmchat.wasm', import.meta.url)`, which bundlers
// follow and rewrite).
const declared = globalThis.document?.querySelector?.('meta[name="wasmchat:wasm-url"]')?.content;

/**
 * Settles when the module loaded at import is instantiated: WasmWebSocket
 * is usable (synchronously) once it resolved. It rejects if wasmchat.wasm
 * could not be loaded from there; createChatClient({ wasmUrl }) can still
 * load it from elsewhere (and awaits the load itself).
 */
export const ready = loadWasm(declared ? new URL(declared, document.baseURI).href : undefined);
// Handled here, so a page that never awaits `ready` (it may pass wasmUrl
// instead) reports no unhandled rejection; requireWasm() explains.
ready.catch(() => {});

/**
 * Memory diagnostics: the size of the wasm heap in bytes (it only grows), or
 * 0 before the module is loaded. For leak checks and benchmarks.
 */
export function memoryStats() {
  return { wasmHeapBytes: wasm ? wasm.HEAPU8.length : 0 };
}

/**
 * JS values crossing with a call (src/websocket/browser_websocket.js):
 * `received` is the browser's own data of the message being dispatched,
 * `staged` what the next send_staged call sends.
 */
export const frame = () => wasm.wasmchatFrame;

/** The heap as bytes; re-read after anything that may grow memory. */
const heap = () => wasm.HEAPU8;

/** Decodes `length` UTF-8 bytes at `pointer` (U+0000 kept). */
function readString(pointer, length) {
  return length ? decoder.decode(heap().subarray(pointer, pointer + length)) : '';
}

/**
 * Reads the result record a binding returned (src/bindings/websocket_bindings.cpp):
 * a uint32 `value`, then `count` strings, each a uint32 length and UTF-8
 * bytes. Valid until the next call into the module, so it is read at once.
 */
export function readResult(pointer, count) {
  const view = new DataView(heap().buffer);
  const strings = [];
  let at = pointer + 4;
  for (let n = 0; n < count; n++) {
    const length = view.getUint32(at, true);
    strings.push(readString(at + 4, length));
    at += 4 + length;
  }
  return { value: view.getUint32(pointer, true), strings };
}

/**
 * For a binding that returns null or a rejection (value 0, then the
 * exception's name and message): throws the browser's exception for it.
 */
export function check(pointer, context) {
  if (!pointer) return;
  const { strings: [name, message] } = readResult(pointer, 2);
  throwMisuse({ name, message }, context);
}

/** Throws the browser's exception for a misuse: `name` (a DOMException name or TypeError) and `message`. */
export function throwMisuse({ name, message }, context) {
  const text = `Failed to ${context}: ${message}`;
  // TypeError is an ECMAScript error, not a DOMException, in the browser too.
  throw name === 'TypeError' ? new TypeError(text) : new DOMException(text, name);
}

// One reusable scratch area for arguments: sends do not allocate per message.
let scratchPointer = 0;
let scratchSize = 0;

function scratch(size) {
  if (size > scratchSize) {
    if (scratchPointer) wasm._free(scratchPointer);
    scratchSize = Math.max(size, 2 * scratchSize, 1024);
    scratchPointer = wasm._malloc(scratchSize);
  }
  return scratchPointer;
}

/**
 * Copies `text` into the scratch area as UTF-8 (lone surrogates become U+FFFD,
 * as WebIDL's USVString does) and returns [pointer, length]. Valid until the
 * next scratch use.
 */
export function writeString(text) {
  const pointer = scratch(text.length * 3);
  const { written } = encoder.encodeInto(text, heap().subarray(pointer, pointer + text.length * 3));
  return [pointer, written];
}

/** Copies bytes into the scratch area and returns [pointer, length]. */
export function writeBytes(bytes) {
  const pointer = scratch(bytes.byteLength);
  heap().set(bytes, pointer);
  return [pointer, bytes.byteLength];
}

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD). */
export const encodeUtf8 = (text) => encoder.encode(text);

/** Strings as one buffer of (uint32 little-endian length, UTF-8 bytes) records. */
export function encodeRecords(strings) {
  const encoded = strings.map(encodeUtf8);
  const records = new Uint8Array(encoded.reduce((sum, bytes) => sum + 4 + bytes.length, 0));
  const view = new DataView(records.buffer);
  let at = 0;
  for (const bytes of encoded) {
    view.setUint32(at, bytes.length, true);
    records.set(bytes, at + 4);
    at += 4 + bytes.length;
  }
  return records;
}
