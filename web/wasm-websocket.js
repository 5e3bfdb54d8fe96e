// WasmWebSocket: the browser's WebSocket API, with its state and validation in
// C++ (src/websocket/browser_websocket.cpp) and only WebIDL conversions here.
import {
  wasm, requireWasm, registerSink, unregisterSink, frame, takeString, check, writeString, writeBytes, encodeUtf8,
  encodeRecords,
} from './module.js';
import { engine } from './engine.js';

const CONSTRUCT = "construct 'WebSocket'";
const SEND = "execute 'send' on 'WebSocket'";
const CLOSE = "execute 'close' on 'WebSocket'";

const states = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
const eventTypes = ['open', 'message', 'error', 'close'];

// A closed socket's C++ object lives as long as its JS object: attributes stay
// readable and send() keeps counting bufferedAmount, as the browser's do.
const destroyer = new FinalizationRegistry((pointer) => wasm._wasmchat_websocket_destroy(pointer));

/** WebIDL `(DOMString or sequence<DOMString>) protocols = []`. */
function toProtocolList(protocols) {
  if (protocols === undefined) return [];
  if (protocols !== null && typeof protocols === 'object' && Symbol.iterator in protocols) {
    return Array.from(protocols, String);
  }
  return [String(protocols)];
}

/**
 * `[Clamp] unsigned short` as the engine converts it: NaN -> 0, clamp to
 * 0-65535, then Chromium 156 and WebKit truncate (close(4999.5) sends 4999)
 * while Firefox rounds half to even as WebIDL says (close(4999.5) is 5000,
 * an InvalidAccessError). Drop-in means matching the engine.
 */
function clampUnsignedShort(value) {
  const clamped = Math.min(Math.max(Number(value) || 0, 0), 65535);
  if (engine !== 'gecko') return Math.trunc(clamped);
  const rounded = Math.round(clamped);
  return rounded - clamped === 0.5 && rounded % 2 ? rounded - 1 : rounded;
}

/** `(BufferSource or USVString)` as bytes or text; a Blob is handled apart. */
function toMessage(data) {
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data) };
  if (ArrayBuffer.isView(data)) return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  return { text: String(data) };
}

/**
 * A drop-in for the browser's `WebSocket`: same constructor, constants,
 * attributes, methods, events and DOMException names.
 */
export class WasmWebSocket extends EventTarget {
  #pointer;
  #sinkId;
  #url;
  #origin;
  #protocol = '';
  #extensions = '';
  // Sends that wait behind a Blob being read, to keep the browser's ordering.
  #queue = null;
  #queuedBytes = 0;

  /**
   * @param {string | URL} url ws:, wss:, http:, https: or relative to the document.
   * @param {string | string[]} [protocols] Subprotocols to offer, in order of preference.
   */
  constructor(url, protocols = undefined) {
    super();
    if (arguments.length < 1) {
      throw new TypeError(`Failed to ${CONSTRUCT}: 1 argument required, but only 0 present.`);
    }
    requireWasm();
    const urlBytes = encodeUtf8(String(url));
    const records = encodeRecords(toProtocolList(protocols));
    const buffer = new Uint8Array(urlBytes.length + records.length);
    buffer.set(urlBytes);
    buffer.set(records, urlBytes.length);
    const [at] = writeBytes(buffer);
    const id = registerSink(this.#events());
    const pointer = wasm._wasmchat_websocket_connect(at, urlBytes.length, at + urlBytes.length, records.length, id);
    if (!pointer) unregisterSink(id);
    check(pointer, CONSTRUCT);
    this.#pointer = pointer;
    this.#sinkId = id;
    this.#url = takeString(() => wasm._wasmchat_websocket_url(pointer));
    this.#origin = new URL(this.#url).origin;
    destroyer.register(this, pointer);
  }

  /** The resolved URL. */
  get url() { return this.#url; }
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState() { return wasm._wasmchat_websocket_ready_state(this.#pointer); }
  /** Bytes accepted by send() and not yet handed to the network. */
  get bufferedAmount() { return wasm._wasmchat_websocket_buffered_amount(this.#pointer) + this.#queuedBytes; }
  /** The extensions the server selected. */
  get extensions() { return this.#extensions; }
  /** The subprotocol the server selected, or ''. */
  get protocol() { return this.#protocol; }
  /** 'blob' (default) or 'arraybuffer'; other values are ignored. */
  get binaryType() { return wasm._wasmchat_websocket_binary_type(this.#pointer) ? 'arraybuffer' : 'blob'; }
  set binaryType(value) {
    if (value === 'blob' || value === 'arraybuffer') {
      wasm._wasmchat_websocket_set_binary_type(this.#pointer, value === 'arraybuffer' ? 1 : 0);
    }
  }

  /**
   * Queues `data` for sending: text as a text frame, bytes or a Blob as a
   * binary frame. InvalidStateError while CONNECTING.
   */
  send(data) {
    if (arguments.length < 1) {
      throw new TypeError(`Failed to ${SEND}: 1 argument required, but only 0 present.`);
    }
    check(wasm._wasmchat_websocket_check_can_send(this.#pointer), SEND);
    if (this.readyState >= states.CLOSING && !this.#queue) {
      // Nothing goes out any more, but bufferedAmount grows by what the
      // engine's own socket counts, and engines count differently (WebKit adds
      // each frame's header): the engine's socket gets the value as it is.
      this.#transmit(data instanceof Blob ? { bytes: data } : toMessage(data));
      return;
    }
    if (data instanceof Blob) {
      this.#enqueue({ blob: data, size: data.size });
    } else if (this.#queue) {
      const message = toMessage(data);
      this.#enqueue({ ...message, size: message.bytes ? message.bytes.byteLength : encodeUtf8(message.text).length });
    } else {
      this.#transmit(toMessage(data));
    }
  }

  /**
   * Starts the closing handshake. `code` must be 1000 or 3000-4999
   * (InvalidAccessError); `reason` at most 123 UTF-8 bytes (SyntaxError).
   */
  close(code = undefined, reason = undefined) {
    // Chromium treats an explicitly passed `undefined` code as 0, not as absent.
    const given = arguments.length >= 1 ? clampUnsignedShort(code) : -1;
    const [at, length] = writeString(reason === undefined ? '' : String(reason));
    check(wasm._wasmchat_websocket_close(this.#pointer, given, at, length), CLOSE);
  }

  // Receives the C++ object's events; dropped after close, so a closed,
  // unreferenced socket can be collected.
  #events() {
    return {
      open: () => {
        this.#protocol = takeString(() => wasm._wasmchat_websocket_protocol(this.#pointer));
        this.#extensions = takeString(() => wasm._wasmchat_websocket_extensions(this.#pointer));
        this.dispatchEvent(new Event('open'));
      },
      // The C++ object forwards the message unchanged, so the browser's own
      // value is used rather than decoding the heap copy again: a string, or
      // a fresh ArrayBuffer per message (the socket's binaryType is forced to
      // 'arraybuffer'; ours decides between ArrayBuffer and Blob).
      message: (isText) => {
        const data = frame().received;
        const binary = isText || wasm._wasmchat_websocket_binary_type(this.#pointer) ? data : new Blob([data]);
        this.dispatchEvent(new MessageEvent('message', { data: binary, origin: this.#origin }));
      },
      error: () => this.dispatchEvent(new Event('error')),
      close: (code, wasClean, reason) => {
        unregisterSink(this.#sinkId);
        this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
      },
    };
  }


  // The C++ object checks the state and sends; the payload itself is handed
  // over as a JS value, never copied through the wasm heap.
  #transmit(message) {
    const staged = frame();
    staged.staged = message.bytes ?? message.text;
    try {
      check(wasm._wasmchat_websocket_send_staged(this.#pointer), SEND);
    } finally {
      staged.staged = null;
    }
  }

  // A Blob's bytes arrive asynchronously; everything sent after it waits, and
  // counts in bufferedAmount meanwhile, as in the browser.
  #enqueue(item) {
    this.#queuedBytes += item.size;
    if (this.#queue) {
      this.#queue.push(item);
      return;
    }
    this.#queue = [item];
    this.#drain();
  }

  async #drain() {
    while (this.#queue.length) {
      const item = this.#queue[0];
      const message = item.blob ? { bytes: new Uint8Array(await item.blob.arrayBuffer()) } : item;
      this.#queue.shift();
      this.#queuedBytes -= item.size;
      this.#transmit(message);
    }
    this.#queue = null;
  }
}

// WebIDL attributes and operations are enumerable; class syntax makes them not.
for (const name of Object.getOwnPropertyNames(WasmWebSocket.prototype)) {
  if (name !== 'constructor') Object.defineProperty(WasmWebSocket.prototype, name, { enumerable: true });
}
Object.defineProperty(WasmWebSocket.prototype, Symbol.toStringTag, { value: 'WebSocket', configurable: true });

for (const [name, value] of Object.entries(states)) {
  const descriptor = { value, enumerable: true };
  Object.defineProperty(WasmWebSocket, name, descriptor);
  Object.defineProperty(WasmWebSocket.prototype, name, descriptor);
}

// Event handler attributes (HTML "event handler IDL attributes"): the first
// non-null assignment registers one listener at that point in the listener
// list; later assignments swap the handler in place; null removes it. Any
// object is kept ([LegacyTreatNonObjectAsNull]); only callables get called.
for (const type of eventTypes) {
  const handlers = new WeakMap();
  Object.defineProperty(WasmWebSocket.prototype, `on${type}`, {
    enumerable: true,
    configurable: true,
    get() { return handlers.get(this)?.handler ?? null; },
    set(value) {
      const handler = (typeof value === 'object' || typeof value === 'function') ? value : null;
      let entry = handlers.get(this);
      if (!handler) {
        if (entry) this.removeEventListener(type, entry.listener);
        handlers.delete(this);
        return;
      }
      if (!entry) {
        entry = {
          handler,
          listener: (event) => {
            if (typeof entry.handler === 'function') entry.handler.call(this, event);
          },
        };
        handlers.set(this, entry);
        this.addEventListener(type, entry.listener);
      }
      entry.handler = handler;
    },
  });
}
