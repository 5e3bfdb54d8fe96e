// Type declarations for the wasmchat package (hand-written).

/** Events a WasmWebSocket dispatches, as the browser's `WebSocketEventMap`. */
export interface WasmWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: Event;
  close: CloseEvent;
}

/**
 * A drop-in for the browser's `WebSocket` whose state and validation live in
 * C++ compiled to WebAssembly. Usable synchronously once the import resolved.
 */
export declare class WasmWebSocket extends EventTarget {
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
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  readonly readyState: number;
  /** Bytes accepted by send() and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** The extensions the server selected. */
  readonly extensions: string;
  /** The subprotocol the server selected, or ''. */
  readonly protocol: string;
  /** How binary messages are delivered; other values are ignored. */
  binaryType: BinaryType;

  onopen: ((this: WasmWebSocket, ev: Event) => any) | null;
  onmessage: ((this: WasmWebSocket, ev: MessageEvent) => any) | null;
  onerror: ((this: WasmWebSocket, ev: Event) => any) | null;
  onclose: ((this: WasmWebSocket, ev: CloseEvent) => any) | null;

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
    type: K, listener: (this: WasmWebSocket, ev: WasmWebSocketEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WasmWebSocketEventMap>(
    type: K, listener: (this: WasmWebSocket, ev: WasmWebSocketEventMap[K]) => any,
    options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions): void;
}
