// createChatClient: the C++ chat core (src/chat/) as a JS EventTarget. The
// core decides what to show and when; this file only converts arguments and
// re-dispatches its events.
import {
  wasm, loadWasm, registerSink, unregisterSink, throwMisuse, writeString,
} from './module.js';
import { readBatch } from './event-batch.js';
import { closeArguments } from './wasm-websocket.js';
import { networkOnline, watchNetwork } from './network-status.js';
import { OutboxStore, storeName, storeKey } from './outbox-store.js';

const SEND = "execute 'send' on 'ChatClient'";
const CLOSE = "execute 'close' on 'ChatClient'";

const destroyer = new FinalizationRegistry((pointer) => wasm._wasmchat_chat_destroy(pointer));

/**
 * A chat session that reconnects by itself. Events (all `CustomEvent`s, data
 * in `detail`): open, message, status, error, close, drain; see index.d.ts.
 */
export class ChatClient extends EventTarget {
  #pointer;
  #sinkId;
  #status = { state: 'connecting', mode: 'unknown', name: '', online: 0, network: 'online' };
  #unwatchNetwork;
  #outboxStore = null;

  /** @private Use createChatClient(). */
  constructor(options, token, outboxStore = null) {
    super();
    if (token !== constructing) throw new TypeError('Illegal constructor: use createChatClient()');
    const { server, ...fixed } = options;
    const provider = typeof server === 'function' ? server : null;
    this.#provider = provider;
    this.#sinkId = registerSink({ chatEvents: (pointer) => this.#call(pointer) });
    const [at, length] = writeString(JSON.stringify(provider ? fixed : options));
    const created = readBatch(
      wasm._wasmchat_chat_create(at, length, this.#sinkId, networkOnline() ? 1 : 0, provider ? 1 : 0));
    if (created.result?.type === 'rejected') {
      unregisterSink(this.#sinkId);
      wasm._wasmchat_chat_destroy(created.handle);
      throwMisuse(created.result, "construct 'ChatClient'");
    }
    this.#pointer = created.handle;
    destroyer.register(this, created.handle);
    this.#handle(created);
    this.#unwatchNetwork = watchNetwork((online) => {
      this.#call(wasm._wasmchat_chat_set_network_online(this.#pointer, online ? 1 : 0));
    });
    if (outboxStore) {
      this.#outboxStore = outboxStore;
      // Stored messages are restored now, before anything can arrive, but
      // their events (and all after them, to keep the order) are held for
      // one task: listeners added once createChatClient() resolved see them.
      this.#held = [];
      outboxStore.attach({
        restore: (id, text) => this.#restore(id, text),
        report: (code, message) => this.#dispatch({ type: 'error', code, message }),
      });
      if (this.#held.length === 0) this.#held = null;
      else setTimeout(() => this.#releaseHeld(), 0);
    }
  }

  #provider;

  /**
   * Dispatches a batch's events and serves its URL requests; returns its
   * result record (null: the call succeeded and has nothing to say).
   */
  #handle(batch) {
    for (const event of batch.events) this.#dispatch(event);
    for (const { request } of batch.requests) this.#askProvider(this.#provider, request);
    return batch.result;
  }

  /** The batch at `pointer` (a call's return value, or handed over by C++), handled. */
  #call(pointer) { return this.#handle(readBatch(pointer)); }

  // The crossing for `server` given as a function (C++ asks, JS answers,
  // src/bindings/chat_bindings.cpp): the function is called outside the
  // wasm call that asked, and whatever it does (returns, resolves, throws,
  // rejects) becomes one answer; C++ ignores answers it no longer awaits.
  async #askProvider(provider, request) {
    let ok = 1;
    let text;
    try {
      await null;  // not from inside the C++ call that asked
      const url = await provider();
      if (typeof url !== 'string' && !(url instanceof URL)) {
        throw new TypeError(`The server function must return a string or URL, not ${url === null ? 'null' : typeof url}.`);
      }
      text = String(url);
    } catch (error) {
      ok = 0;
      text = `The server function failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!this.#pointer) return;
    const [at, length] = writeString(text);
    this.#call(wasm._wasmchat_chat_provide_url(this.#pointer, request, ok, at, length));
  }

  #held = null;

  #releaseHeld() {
    const held = this.#held;
    this.#held = null;
    for (const event of held) this.#dispatch(event);
  }

  /**
   * Where unsettled messages are kept: `off` (in memory, as asked), `on`
   * (in IndexedDB, this page holds the store), `waiting` (another page of
   * this origin holds it: in memory until it is released) or `failed` (a
   * storage error, reported as `storage_unavailable`: in memory).
   */
  get persistence() { return this.#outboxStore?.state ?? 'off'; }

  #restore(id, text) {
    const [at, length] = writeString(`${id}\n${text}`);
    return this.#call(wasm._wasmchat_chat_restore(this.#pointer, at, length));  // null, or `refused`
  }

  /**
   * Queues a message. Returns `{ ok: true, id }`, or `{ ok: false, reason,
   * message }` with reason one of empty, too_long, invalid_utf8, outbox_full,
   * closed. Nothing is dropped silently: a queued message's fate arrives as
   * `message` events with `own: true` and its `state`.
   */
  send(text) {
    if (arguments.length < 1) throw new TypeError(`Failed to ${SEND}: 1 argument required, but only 0 present.`);
    const [at, length] = writeString(String(text));
    const result = this.#call(wasm._wasmchat_chat_send(this.#pointer, at, length));
    if (result.type === 'sent') return { ok: true, id: result.id };
    return { ok: false, reason: result.reason, message: result.message };
  }

  /** Asks the server for a nickname now and after every reconnection. */
  setNickname(name) {
    const [at, length] = writeString(String(name));
    this.#call(wasm._wasmchat_chat_set_nickname(this.#pointer, at, length));
  }

  /** Closes for good (no reconnection). Same code/reason rules as WebSocket.close(). */
  close(code = undefined, reason = undefined) {
    const pointer = this.#pointer;
    const given = closeArguments(arguments);
    const [at, length] = writeString(given.reason);
    const rejected = this.#call(wasm._wasmchat_chat_close(pointer, given.code, at, length));
    if (rejected) throwMisuse(rejected, CLOSE);
  }

  /** The current socket's readyState (0-3; 3 between connections). */
  get readyState() { return wasm._wasmchat_chat_ready_state(this.#pointer); }
  /** The current socket's bufferedAmount, in bytes. */
  get bufferedAmount() { return wasm._wasmchat_chat_buffered_amount(this.#pointer); }
  /** Messages in the outbox: queued, or sent and awaiting acknowledgement. */
  get queued() { return wasm._wasmchat_chat_outbox_size(this.#pointer); }
  /** UTF-8 bytes in the outbox. */
  get queuedBytes() { return wasm._wasmchat_chat_outbox_bytes(this.#pointer); }
  /** Connection state in words: connecting, greeting, open, reconnecting, offline, closed. */
  get state() { return this.#status.state; }
  /** The network as the browser last reported it: online or offline. */
  get network() { return this.#status.network; }
  /** Dialect: unknown, v1 or plain. */
  get mode() { return this.#status.mode; }
  /** Our nickname as the server knows it. */
  get name() { return this.#status.name; }
  /** Clients online, as the server last reported. */
  get online() { return this.#status.online; }

  #dispatch(event) {
    if (this.#held) {
      this.#held.push(event);
      return;
    }
    const { type, ...detail } = event;
    if (type === 'status') this.#status = detail;
    if (this.#outboxStore && type === 'message' && detail.own) this.#outboxStore.ownMessage(detail);
    // Closed for good: nothing more will come, so let this object be collected.
    if (type === 'close' && detail.reconnectIn === null) {
      unregisterSink(this.#sinkId);
      this.#unwatchNetwork?.();
      this.#outboxStore?.close();
    }
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

const constructing = Symbol('constructing');

/**
 * Creates a chat client and starts connecting. Rejects with a TypeError for
 * bad options and a SyntaxError DOMException for an invalid server URL.
 * `wasmUrl` says where the .wasm is if it could not be loaded from next to
 * this module (the instantiation is shared by every client on the page).
 * @param {import('./index.js').ChatClientOptions} [options]
 */
export async function createChatClient(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('The options must be an object.');
  const { wasmUrl, persist, ...chatOptions } = options;
  const name = storeName(persist);
  // The store is opened (and the stored messages read) before the client
  // exists, so that they are restored ahead of anything sent later, and
  // while the wasm loads: in a fresh browser context opening IndexedDB takes
  // about as long as the whole load (35 ms of a 157 ms time to open, measured
  // in Chromium on the chat page). It never rejects (a failure leaves the
  // store in memory).
  const opening = name === null ? null : OutboxStore.open(storeKey(name, chatOptions.server));
  try {
    await loadWasm(wasmUrl);
  } catch (error) {
    (await opening)?.close();
    throw error;
  }
  const outboxStore = await opening;
  try {
    return new ChatClient(chatOptions, constructing, outboxStore);
  } catch (error) {
    outboxStore?.close();
    throw error;
  }
}
