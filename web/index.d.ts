// Type declarations for the wasmchat package (hand-written).

/** Events a WasmWebSocket dispatches, as the browser's `WebSocketEventMap`. */
export interface WasmWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: Event;
  close: CloseEvent;
}

/**
 * Resolves once the wasm module is instantiated (its loading starts when the
 * package is imported); from then on `new WasmWebSocket(url)` is synchronous,
 * like `new WebSocket(url)`. Rejects if wasmchat.wasm could not be loaded
 * from next to the package's JS or from `<meta name="wasmchat:wasm-url">`.
 * createChatClient() awaits it itself.
 */
export declare const ready: Promise<void>;

/**
 * A drop-in for the browser's `WebSocket` whose state and validation live in
 * C++ compiled to WebAssembly. Usable synchronously once `ready` resolved
 * (before, the constructor throws an Error saying so). Typed as the DOM's
 * `WebSocket`: an instance is a `WebSocket`, and the class fits wherever a
 * `typeof WebSocket` is asked for.
 */
export declare class WasmWebSocket extends EventTarget implements WebSocket {
  /**
   * @param url ws:, wss:, http:, https: or a URL relative to the document.
   * @param protocols Subprotocols to offer, most preferred first.
   * @throws DOMException SyntaxError for a bad URL or subprotocol.
   */
  constructor(url: string | URL, protocols?: string | string[]);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** The resolved URL. */
  readonly url: string;
  /**
   * 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. Typed as the DOM lib in use
   * types it (`number` in TypeScript 5, `0 | 1 | 2 | 3` in 7).
   */
  readonly readyState: WebSocket['readyState'];
  /** Bytes accepted by send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** The extensions the server selected. */
  readonly extensions: string;
  /** The subprotocol the server selected, or ''. */
  readonly protocol: string;
  /** How binary messages are delivered; other values are ignored. */
  binaryType: BinaryType;

  // `this: WebSocket`, as in the DOM's types: a handler written for a
  // WebSocket can be assigned, and a WasmWebSocket passes as a WebSocket.
  onopen: ((this: WebSocket, ev: Event) => any) | null;
  onmessage: ((this: WebSocket, ev: MessageEvent) => any) | null;
  onerror: ((this: WebSocket, ev: Event) => any) | null;
  onclose: ((this: WebSocket, ev: CloseEvent) => any) | null;

  /**
   * Sends text as a text frame, bytes or a Blob as a binary frame.
   * @throws DOMException InvalidStateError while CONNECTING.
   */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void;

  /**
   * Starts the closing handshake.
   * @param code 1000 or 3000-4999, else InvalidAccessError.
   * @param reason At most 123 UTF-8 bytes, else SyntaxError.
   */
  close(code?: number, reason?: string): void;

  addEventListener<K extends keyof WasmWebSocketEventMap>(
    type: K, listener: (this: WebSocket, ev: WasmWebSocketEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WasmWebSocketEventMap>(
    type: K, listener: (this: WebSocket, ev: WasmWebSocketEventMap[K]) => any,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions): void;
}

/** Options of createChatClient(); every one is optional. Times in ms. */
export interface ChatClientOptions {
  /**
   * Where wasmchat.wasm is, if it is not next to the package's JS (e.g. a CDN
   * or a bundler that does not copy it). Only used while the module is not
   * loaded yet; the instantiation is shared by every client on the page.
   */
  wasmUrl?: string | URL;
  /**
   * Server URL: ws:, wss:, http(s): or relative to the page. Default '/ws'.
   * Or a function returning it (or a promise of it), called before every
   * connection attempt, e.g. to put a fresh token in the query. A throw, a
   * rejection or a result that is not a string/URL is a failed attempt
   * (`error` url_provider_failed, then the backoff); a URL the WebSocket
   * constructor refuses is one too (`error` invalid_url). Its time counts
   * toward `connectTimeout`.
   */
  server?: string | URL | (() => string | URL | PromiseLike<string | URL>);
  /** Nickname to ask for after each (re)connection. */
  nickname?: string;
  /** Longest message, in Unicode code points. Default 50. */
  maxLength?: number;
  /** A larger incoming frame closes the connection (reported as 1009). Default 1 MiB. */
  maxIncomingBytes?: number;
  /** The outbox writes only while bufferedAmount is below this. Default 65536. */
  highWaterMark?: number;
  /** How often a blocked outbox checks bufferedAmount again. Default 100. */
  retryInterval?: number;
  /** Outbox bounds (queued + awaiting acknowledgement). Defaults 10000 and 1 MiB. */
  maxOutboxMessages?: number;
  maxOutboxBytes?: number;
  /** Reconnection backoff bounds. Defaults 500 and 30000. */
  reconnectMinDelay?: number;
  reconnectMaxDelay?: number;
  /**
   * An attempt not open (and, for wasmchat.v1, greeted) this long after it
   * started is abandoned and retried with the backoff (`error`
   * connect_timeout, then `close` 1006). Default 10000. Keep it above
   * `greetingTimeout`, or a silent plain server is abandoned before it
   * counts as plain.
   */
  connectTimeout?: number;
  /**
   * Wait for the server's welcome before assuming a plain server. Default
   * 1500, from the open event. A welcome that is slower (a slow link, a
   * history of megabytes) but is the first frame, within `connectTimeout`
   * more, still switches the connection to wasmchat.v1: a second `open`
   * event with mode `v1`, and what was typed meanwhile goes again as
   * messages.
   */
  greetingTimeout?: number;
  /** wasmchat.v1 ping period, and the silence that means a dead connection. Defaults 15000 and 5000. */
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  /**
   * Keep the messages that are queued or sent but unacknowledged in
   * IndexedDB (per origin, keyed by the server URL and `name`, default
   * 'default'), so that a reload, a closed tab or a crashed renderer loses
   * none: the next page on the same store shows them pending and delivers
   * them once, with their original ids. One page holds a store at a time
   * (a Web Lock); the others keep theirs in memory until it is free. A
   * storage failure is an `error` event with code `storage_unavailable`, and
   * the client goes on in memory. Default false (our page and <wasm-chat>
   * turn it on).
   */
  persist?: boolean | { name?: string };
}

/** Where one of the user's own messages is. */
export type DeliveryState = 'queued' | 'sent' | 'delivered' | 'failed';

/** Why send() refused a message. */
export type SendFailure = 'empty' | 'too_long' | 'invalid_utf8' | 'outbox_full' | 'closed';

/** What send() returns. */
export type SendResult =
  | { ok: true; id: string }
  | { ok: false; reason: SendFailure; message: string };

/** Someone's message (own: false) or a change to one of ours (own: true). */
export type ChatMessageDetail =
  | { own: false; seq: number; id: string; from: string; text: string; time: number }
  | { own: true; id: string; text: string; state: DeliveryState; reason: string };

/**
 * Where a client keeps its unsettled messages: 'off' (in memory, as asked),
 * 'on' (in IndexedDB: this page holds the store), 'waiting' (another page of
 * the origin holds it: in memory until it is released) or 'failed' (storage
 * error, reported as storage_unavailable: in memory).
 */
export type ChatPersistence = 'off' | 'on' | 'waiting' | 'failed';

/**
 * Connection state in words. `offline`: the connection was lost while the
 * browser is offline (navigator.onLine false); no attempt is made until the
 * window's `online` event, which starts one at once.
 */
export type ChatState = 'connecting' | 'greeting' | 'open' | 'reconnecting' | 'offline' | 'closed';
/** The network as the browser reports it (navigator.onLine, online/offline events). */
export type NetworkState = 'online' | 'offline';
/** The dialect: wasmchat.v1, or a plain broadcast server. */
export type ChatMode = 'unknown' | 'v1' | 'plain';

/** The events of a ChatClient; data is in `event.detail`. */
export interface ChatClientEventMap {
  open: CustomEvent<{ mode: ChatMode; name: string }>;
  message: CustomEvent<ChatMessageDetail>;
  /** `online` counts the chat's clients; `network` is the browser's network. */
  status: CustomEvent<{ state: ChatState; mode: ChatMode; name: string; online: number; network: NetworkState }>;
  /**
   * code: bad_envelope, transport_error, heartbeat_timeout, message_too_big, missed_messages,
   * connect_timeout, url_provider_failed, invalid_url (the last three: a failed attempt, retried),
   * storage_unavailable (the persistent outbox failed: messages are kept in memory), or a server error code.
   */
  error: CustomEvent<{ code: string; message: string }>;
  /** reconnectIn: ms until the next attempt (0 while offline: at the `online` event), or null when closed for good. */
  close: CustomEvent<{ code: number; reason: string; wasClean: boolean; reconnectIn: number | null }>;
  drain: CustomEvent<Record<string, never>>;
}

/** A chat session whose logic runs in C++/wasm; reconnects by itself. */
export declare class ChatClient extends EventTarget {
  private constructor();
  /** Queues a message; never drops it silently. */
  send(text: string): SendResult;
  /** Asks for a nickname now and after every reconnection. */
  setNickname(name: string): void;
  /** Closes for good. Same code/reason rules as WebSocket.close(). */
  close(code?: number, reason?: string): void;
  /** The current socket's readyState (3 between connections). */
  readonly readyState: 0 | 1 | 2 | 3;
  /** The current socket's bufferedAmount in bytes. */
  readonly bufferedAmount: number;
  /** Messages in the outbox. */
  readonly queued: number;
  /** UTF-8 bytes in the outbox. */
  readonly queuedBytes: number;
  readonly state: ChatState;
  /** The network as the browser last reported it. */
  readonly network: NetworkState;
  readonly mode: ChatMode;
  readonly name: string;
  readonly online: number;
  /** Where unsettled messages are kept (the `persist` option). */
  readonly persistence: ChatPersistence;

  addEventListener<K extends keyof ChatClientEventMap>(
    type: K, listener: (this: ChatClient, ev: ChatClientEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ChatClientEventMap>(
    type: K, listener: (this: ChatClient, ev: ChatClientEventMap[K]) => any,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions): void;
}

/**
 * Creates a chat client and starts connecting.
 * @throws TypeError for unknown or mistyped options; DOMException SyntaxError for a bad URL.
 */
export declare function createChatClient(options?: ChatClientOptions): Promise<ChatClient>;

/** Events a <wasm-chat> element re-dispatches from its client (same `detail`). */
export type WasmChatElementEventMap = ChatClientEventMap;

/**
 * The <wasm-chat> element: attributes `server`, `nickname`, `max-length`,
 * `max-messages` (message lines kept in the DOM, default 500), `persist`
 * (the `persist` option: on by default, "false" keeps the outbox in memory,
 * another value names the store); shadow DOM with parts `chat`, `status`, `form`, `input`, `button`, `problem`,
 * `messages`, `message`, `message-own`; themed with the custom properties
 * --wasm-chat-font, -color, -background, -border, -radius, -padding,
 * -muted, -error, -rule, -accent, -height. Removing it closes its connection.
 */
export interface WasmChatElement extends HTMLElement {
  /** The element's client, once connected; null before and after. */
  readonly client: ChatClient | null;
  addEventListener<K extends keyof WasmChatElementEventMap>(
    type: K, listener: (this: WasmChatElement, ev: WasmChatElementEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions): void;
}

/**
 * Registers the chat element under `tagName` (default 'wasm-chat'); calling it
 * again with the same name returns the registered class.
 */
export declare function defineChatElement(tagName?: string): { new (): WasmChatElement; prototype: WasmChatElement };

/**
 * Binds chat markup (a Document or ShadowRoot holding `form[name=publish]`
 * with input `message`, optional `form[name=nick]`, `#messages`, `#problem`,
 * `#state`, `#ready-state`, `#buffered-amount`, `#outbox`, `#online`) to a
 * client, as the page and <wasm-chat> do. New lines are added once per
 * animation frame, at most 100 per frame, newest first (in a burst the older
 * ones follow in the next frames); only the newest `maxMessages` (default
 * 500) stay.
 * Returns a function that unbinds it.
 */
export declare function bindChatView(root: Document | ShadowRoot, client: ChatClient,
  options?: { maxMessages?: number }): () => void;

/** Memory diagnostics: the wasm heap size in bytes (0 before loading). */
export declare function memoryStats(): { wasmHeapBytes: number };
