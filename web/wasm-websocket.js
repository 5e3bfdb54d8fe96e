// WasmWebSocket: the browser's WebSocket API, with its state and validation in
// C++ (src/websocket/browser_websocket.cpp) and only WebIDL conversions here.
import {
  wasm, requireWasm, registerSink, unregisterSink, frame, readResult, check, throwMisuse, writeString, writeBytes, encodeUtf8,
  encodeRecords,
} from './module.js';
import { engine } from './engine.js';

const CONSTRUCT = "construct 'WebSocket'";
const SEND = "execute 'send' on 'WebSocket'";
const CLOSE = "execute 'close' on 'WebSocket'";

const states = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
const eventTypes = ['open', 'message', 'error', 'close'];

/** True for WasmWebSocket instances (set by the class's static block). */
let isWasmWebSocket;

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

/**
 * close(code?, reason?)'s arguments (an `arguments` object) as the C++ side
 * takes them: `code` -1 when absent, and the reason to check. An explicit
 * `undefined` is an absent argument (WebIDL), with the engines' differences:
 * Blink's bindings drop only trailing undefineds, so `close(undefined, 'x')`
 * converts the code (to 0, an InvalidAccessError); Gecko checks a reason that
 * comes without a code, and WebKit ignores it. Without a code no reason is sent.
 */
export function closeArguments(args) {
  let count = args.length;
  if (engine === 'blink') {
    while (count > 0 && args[count - 1] === undefined) count--;
  }
  const hasCode = engine === 'blink' ? count >= 1 : args[0] !== undefined;
  const code = hasCode ? clampUnsignedShort(args[0]) : -1;
  const hasReason = (engine === 'blink' ? count >= 2 : args[1] !== undefined) && (hasCode || engine !== 'webkit');
  return { code, reason: hasReason ? String(args[1]) : '' };
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
  // Sends that wait behind a Blob being read, to keep the browser's ordering,
  // and a close() made meanwhile, which goes out after them.
  #queue = null;
  #queuedBytes = 0;
  #closeQueued = false;

  static {
    isWasmWebSocket = (value) => value !== null && typeof value === 'object' && #pointer in value;
  }

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
    // The new socket and its resolved URL, or the rejection (value 0).
    const { value: pointer, strings } =
      readResult(wasm._wasmchat_websocket_connect(at, urlBytes.length, at + urlBytes.length, records.length, id), 2);
    if (!pointer) {
      unregisterSink(id);
      throwMisuse({ name: strings[0], message: strings[1] }, CONSTRUCT);
    }
    this.#pointer = pointer;
    this.#sinkId = id;
    this.#url = strings[0];
    this.#origin = new URL(this.#url).origin;
    destroyer.register(this, pointer);
  }

  /** The resolved URL. */
  get url() { return this.#url; }
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState() {
    const state = wasm._wasmchat_websocket_ready_state(this.#pointer);
    // A close() queued behind a Blob has not reached the socket yet, but the
    // socket is CLOSING from the call on, as in the browser.
    return this.#closeQueued && state === states.OPEN ? states.CLOSING : state;
  }
  /** Bytes accepted by send() and not yet handed to the network. */
  get bufferedAmount() { return wasm._wasmchat_websocket_buffered_amount(this.#pointer) + this.#queuedBytes; }
  /** The extensions the server selected. */
  get extensions() { return this.#extensions; }
  /** The subprotocol the server selected, or ''. */
  get protocol() { return this.#protocol; }
  /** 'blob' (default) or 'arraybuffer'; other values are ignored. */
  get binaryType() { return wasm._wasmchat_websocket_binary_type(this.#pointer) ? 'arraybuffer' : 'blob'; }
  set binaryType(value) {
    const pointer = this.#pointer;  // the brand check comes first, whatever the value
    if (value === 'blob' || value === 'arraybuffer') {
      wasm._wasmchat_websocket_set_binary_type(pointer, value === 'arraybuffer' ? 1 : 0);
    }
  }

  /**
   * Queues `data` for sending: text as a text frame, bytes or a Blob as a
   * binary frame. InvalidStateError while CONNECTING.
   */
  send(data) {
    const pointer = this.#pointer;  // brand check before the arguments, as WebIDL does
    if (arguments.length < 1) {
      throw new TypeError(`Failed to ${SEND}: 1 argument required, but only 0 present.`);
    }
    // One call into wasm per send: behind a Blob (the socket is OPEN or
    // later, so there is nothing to check) the send only queues; otherwise
    // send_staged checks the state and sends.
    if (this.#queue) {
      const message = data instanceof Blob ? { blob: data, size: data.size } : toMessage(data);
      this.#enqueue(message.blob ? message
        : { ...message, size: message.bytes ? message.bytes.byteLength : encodeUtf8(message.text).length });
    } else if (data instanceof Blob) {
      this.#sendBlob(pointer, data);
    } else {
      this.#transmit(toMessage(data));
    }
  }

  // A Blob's bytes are read asynchronously (the sends after it wait) while the
  // socket is OPEN; once CLOSING, nothing goes out any more, but bufferedAmount
  // grows by what the engine's own socket counts, and engines count
  // differently (WebKit adds each frame's header): the engine's socket gets it.
  #sendBlob(pointer, blob) {
    const state = this.readyState;
    if (state === states.CONNECTING) check(wasm._wasmchat_websocket_check_can_send(pointer), SEND);
    if (state >= states.CLOSING) this.#transmit({ bytes: blob });
    else this.#enqueue({ blob, size: blob.size });
  }

  /**
   * Starts the closing handshake. `code` must be 1000 or 3000-4999
   * (InvalidAccessError); `reason` at most 123 UTF-8 bytes (SyntaxError).
   * Sends still waiting behind a Blob go out first.
   */
  close(code = undefined, reason = undefined) {
    const pointer = this.#pointer;
    const given = closeArguments(arguments);
    const [at, length] = writeString(given.reason);
    if (!this.#queue) {
      check(wasm._wasmchat_websocket_close(pointer, given.code, at, length), CLOSE);
      return;
    }
    // Checked now, sent after the queued sends; a second close() is a no-op.
    check(wasm._wasmchat_websocket_check_close(given.code, at, length), CLOSE);
    if (this.#closeQueued) return;
    this.#closeQueued = true;
    this.#queue.push({ close: given, size: 0 });
  }

  // Receives the C++ object's events; dropped after close, so a closed,
  // unreferenced socket can be collected.
  #events() {
    return {
      open: () => {
        this.#protocol = readResult(wasm._wasmchat_websocket_protocol(this.#pointer), 1).strings[0];
        this.#extensions = readResult(wasm._wasmchat_websocket_extensions(this.#pointer), 1).strings[0];
        this.dispatchEvent(new Event('open'));
      },
      // The payload never enters wasm memory (WebSocket::leave_data_in_js):
      // the browser's own value is used, a string or a fresh ArrayBuffer per
      // message (the socket's binaryType is forced to 'arraybuffer'; ours
      // decides between ArrayBuffer and Blob).
      // kind 1 text, 2 ArrayBuffer, 0 Blob (the binaryType, which the event
      // carries so that no call back into wasm is needed).
      message: (kind) => {
        const data = frame().received;
        const event = new MessageEvent('message', { data: kind ? data : new Blob([data]) });
        // `origin` in the init dictionary (or initMessageEvent) costs Chromium
        // 156 about 5 µs per event, measured in a 16 B echo loop, three times
        // the rest of the constructor; a non-enumerable own property reads the
        // same and keeps Object.keys and JSON.stringify of the event native.
        Object.defineProperty(event, 'origin', { value: this.#origin });
        this.dispatchEvent(event);
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

  // Sends made after a queued close() stay queued behind it: the socket is
  // CLOSING by then, so they only add to bufferedAmount, as in the browser.
  async #drain() {
    while (this.#queue.length) {
      const item = this.#queue[0];
      if (item.close) {
        const [at, length] = writeString(item.close.reason);
        check(wasm._wasmchat_websocket_close(this.#pointer, item.close.code, at, length), CLOSE);
        this.#closeQueued = false;
        this.#queue.shift();
        continue;
      }
      const message = item.blob ? { bytes: new Uint8Array(await item.blob.arrayBuffer()) } : item;
      this.#queue.shift();
      this.#queuedBytes -= item.size;
      this.#transmit(message);
    }
    this.#queue = null;
  }
}

// The class's own name, whatever a minifier (ours in scripts/bundle.mjs, or an
// app's bundler) renames the binding to.
Object.defineProperty(WasmWebSocket, 'name', { value: 'WasmWebSocket', configurable: true });

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
// Like every WebIDL attribute they throw a TypeError for a `this` that is not
// a WasmWebSocket; the accessors are named 'get onopen' etc., as the browser's.
for (const type of eventTypes) {
  const handlers = new WeakMap();
  const name = `on${type}`;
  const brandCheck = (self) => {
    if (!isWasmWebSocket(self)) throw new TypeError(`'${name}' called on an object that is not a WasmWebSocket.`);
  };
  const accessors = Object.getOwnPropertyDescriptor({
    get [name]() {
      brandCheck(this);
      return handlers.get(this)?.handler ?? null;
    },
    set [name](value) {
      brandCheck(this);
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
  }, name);
  Object.defineProperty(WasmWebSocket.prototype, name, {
    enumerable: true, configurable: true, get: accessors.get, set: accessors.set,
  });
}
