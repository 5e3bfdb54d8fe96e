// Our half of the JS glue for browser_websocket.cpp, as an Emscripten
// --js-library. Each function replaces a websocket.h call that loses data or
// leaks in Emscripten 3.1.6:
// https://github.com/emscripten-core/emscripten/blob/3.1.6/src/library_websocket.js
// Sockets stay in websocket.h's own table (WS.sockets), so both halves agree on handles.

var WasmchatBrowserWebSocket = {
  // Created on first use: library objects are serialized at link time.
  $wasmchatText: {
    decoder: null,
    encoder: null,
    // Non-fatal, like the browser; the C++ side validates UTF-8 before sending.
    decode: function(pointer, length) {
      // ignoreBOM: a leading U+FEFF is text, not a byte-order mark to drop.
      wasmchatText.decoder = wasmchatText.decoder || new TextDecoder('utf-8', { ignoreBOM: true });
      return wasmchatText.decoder.decode(HEAPU8.subarray(pointer, pointer + length));
    },
    encode: function(text) {
      wasmchatText.encoder = wasmchatText.encoder || new TextEncoder();
      return wasmchatText.encoder.encode(text);
    },
    // Returns the number of bytes written; `target` must hold the worst case.
    encodeInto: function(text, target) {
      wasmchatText.encoder = wasmchatText.encoder || new TextEncoder();
      return wasmchatText.encoder.encodeInto(text, target).written;
    },
  },

  // The engine's own WebSocket, for websocket.h's emscripten_websocket_new,
  // which calls `new WebSocket(url)` at call time: as a variable of the
  // module's scope it shadows the global, so a page that replaces it
  // (`globalThis.WebSocket = WasmWebSocket`, the polyfill pattern) does not
  // make every connection construct itself. Taken once, when the module is
  // instantiated, or handed in as Module.wasmchatWebSocket by the JS face,
  // which takes it when the package is imported.
  $WebSocket: "=Module['wasmchatWebSocket'] || globalThis.WebSocket",

  // The document's base URL, which relative WebSocket URLs resolve against.
  // Writes it (with a NUL) only when it fits in `capacity` bytes; returns its
  // length in UTF-8 bytes without the NUL.
  wasmchat_ws_base_url: function(buffer, capacity) {
    var base = (typeof document != 'undefined' && document.baseURI) ||
               (typeof location != 'undefined' && location.href) || '';
    var length = lengthBytesUTF8(base);
    if (length + 1 <= capacity) stringToUTF8(base, buffer, capacity);
    return length;
  },

  // The URL step of `new WebSocket(url)` with the engine's own URL parser
  // (src/websocket/engine_url.cpp, the transport-only module's
  // resolve_websocket_url): the same steps, order and messages as url.cpp's,
  // around `new URL(input, base)`. Returns a malloc'd buffer (the caller frees
  // it) of *length bytes: the serialized URL, or the SyntaxError's message
  // with *failed set.
  wasmchat_ws_resolve_url__deps: ['$wasmchatText', 'malloc'],
  wasmchat_ws_resolve_url: function(input, inputLength, base, baseLength, failed, length) {
    var text = wasmchatText.decode(input, inputLength);
    var url = null;
    try {
      url = baseLength ? new URL(text, wasmchatText.decode(base, baseLength)) : new URL(text);
    } catch (e) {}
    var out = null;
    if (!url) {
      out = "The URL '" + text + "' is invalid.";
    } else {
      var scheme = url.protocol.slice(0, -1);
      // http: -> ws:, https: -> wss:, re-parsed so that the port is judged by
      // the new scheme (ws and http, wss and https share a default).
      if (scheme == 'http' || scheme == 'https') {
        url = new URL('ws' + url.href.slice(4));
        scheme = url.protocol.slice(0, -1);
      }
      if (scheme != 'ws' && scheme != 'wss') {
        out = "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '" + scheme + "' is not allowed.";
      } else if (url.href.indexOf('#') >= 0) {
        // Even an empty fragment ('#', where url.hash is ''): only the
        // serialization still shows it.
        out = "The URL contains a fragment identifier ('" + url.hash.slice(1) +
              "'). Fragment identifiers are not allowed in WebSocket URLs.";
      }
    }
    HEAP32[failed >> 2] = out === null ? 0 : 1;
    var bytes = wasmchatText.encode(out === null ? url.href : out);
    var buffer = _malloc(bytes.length + 1);
    HEAPU8.set(bytes, buffer);
    HEAPU32[length >> 2] = bytes.length;
    return buffer;
  },

  // Mixed Content applies to pages served over https only.
  wasmchat_ws_is_secure_context: function() {
    return typeof location != 'undefined' && location.protocol == 'https:';
  },

  // emscripten_websocket_send_utf8_text reads a NUL-terminated string, so it
  // cuts text at the first U+0000; this takes an explicit length.
  wasmchat_ws_send_text__deps: ['$WS', '$wasmchatText'],
  wasmchat_ws_send_text: function(handle, text, length) {
    WS.sockets[handle].send(wasmchatText.decode(text, length));
  },

  // JS values crossing with a call, so that the JS face (web/) need not copy
  // payloads through the wasm heap twice: `received` is the browser's own
  // e.data while a message is being dispatched to C++; `staged` is what
  // wasmchat_ws_send_staged sends. Exposed to the JS face as
  // Module.wasmchatFrame.
  $wasmchatFrame: { received: null, staged: null },
  $wasmchatFrame__postset: "Module['wasmchatFrame'] = wasmchatFrame;",

  // Sends the staged JS value (string, ArrayBuffer view, Blob) as it is; the
  // payload never enters the wasm heap. Returns 0 without sending while the
  // socket is CONNECTING (the browser would throw InvalidStateError through
  // our wasm frames; the C++ side reports it), else 1: the state check and
  // the send are one call, so a send crosses into JS once.
  wasmchat_ws_send_staged__deps: ['$WS', '$wasmchatFrame'],
  wasmchat_ws_send_staged: function(handle) {
    var socket = WS.sockets[handle];
    if (socket.readyState == 0) return 0;
    socket.send(wasmchatFrame.staged);
    return 1;
  },

  // What onmessage copies into the heap (see wasmchat_ws_listen_message):
  // `copy` 0 leaves every payload in JS (the callback gets a null pointer and
  // length 0; the data is wasmchatFrame.received); otherwise a payload larger
  // than `limit` bytes is not copied either and reaches the callback as a
  // null pointer with length `limit` + 1 ("too big"), so an oversized frame
  // costs no copy and no allocation.
  wasmchat_ws_set_copy__deps: ['$WS'],
  wasmchat_ws_set_copy: function(handle, copy, limit) {
    var socket = WS.sockets[handle];
    socket.wasmchatCopy = !!copy;
    socket.wasmchatLimit = limit;
  },

  // websocket.h's onmessage re-encodes text with a per-character JS loop into
  // a fresh malloc per message, appends a NUL that numBytes counts, and frees
  // the buffer after the callback. This one encodes with TextEncoder.encodeInto
  // (native code) into a per-socket buffer that is reused and only grows, and
  // passes (self, isText, data, length); the bytes are valid during the call.
  // What it copies, and up to which size, is wasmchat_ws_set_copy's.
  // Every connection calls this one, so it pulls in $WebSocket for all.
  wasmchat_ws_listen_message__deps: ['$WS', '$WebSocket', '$wasmchatText', '$wasmchatFrame', 'malloc', 'free'],
  wasmchat_ws_listen_message: function(handle, self, callback) {
    var socket = WS.sockets[handle];
    socket.wasmchatBuffer = { pointer: 0, size: 0 };
    function reserve(size) {
      var buffer = socket.wasmchatBuffer;
      if (size > buffer.size) {
        _free(buffer.pointer);
        buffer.size = Math.max(size, 2 * buffer.size, 256);
        buffer.pointer = _malloc(buffer.size);
      }
      return buffer.pointer;
    }
    socket.wasmchatCopy = true;
    socket.wasmchatLimit = 0x7FFFFFFE;
    socket.onmessage = function(e) {
      var data = e.data;
      var isText = typeof data == 'string';
      var pointer = 0, length = 0;
      var limit = socket.wasmchatLimit;
      if (!socket.wasmchatCopy) {
        // The consumer reads the JS value itself.
      } else if (isText) {
        // At least one UTF-8 byte per UTF-16 unit: longer is too big for sure.
        if (data.length > limit) {
          length = limit + 1;
        } else {
          var worst = Math.min(data.length * 3, limit + 1);  // 3 UTF-8 bytes per unit at most
          pointer = reserve(worst + 1);
          var target = HEAPU8.subarray(pointer, pointer + worst);
          wasmchatText.encoder = wasmchatText.encoder || new TextEncoder();
          var result = wasmchatText.encoder.encodeInto(data, target);
          // Stopped short: the text needs more than limit + 1 bytes.
          if (result.read < data.length) { pointer = 0; length = limit + 1; } else { length = result.written; }
        }
      } else if (data.byteLength > limit) {
        length = limit + 1;
      } else {
        var bytes = new Uint8Array(data);
        length = bytes.length;
        pointer = reserve(length + 1);
        HEAPU8.set(bytes, pointer);
      }
      wasmchatFrame.received = data;
      try {
        {{{ makeDynCall('viiii', 'callback') }}}(self, isText, pointer, length);
      } finally {
        wasmchatFrame.received = null;
      }
    };
  },

  // emscripten_websocket_close reads the reason as a C string; this one takes
  // its length. code < 0 means "no code": close() with no arguments.
  wasmchat_ws_close__deps: ['$WS', '$wasmchatText'],
  wasmchat_ws_close: function(handle, code, reason, length) {
    var socket = WS.sockets[handle];
    if (code < 0) socket.close();
    else socket.close(code, wasmchatText.decode(reason, length));
  },

  // websocket.h's onclose copies the reason with stringToUTF8 into a fixed
  // struct that C reads as a C string, cutting it at U+0000. This passes
  // (self, code, wasClean, reason, reasonLength); the reason buffer is freed
  // when the callback returns.
  wasmchat_ws_listen_close__deps: ['$WS', '$wasmchatText', 'malloc', 'free'],
  wasmchat_ws_listen_close: function(handle, self, callback) {
    WS.sockets[handle].onclose = function(e) {
      var bytes = wasmchatText.encode(e.reason);
      var reason = _malloc(bytes.length + 1);
      HEAPU8.set(bytes, reason);
      try {
        {{{ makeDynCall('viiiii', 'callback') }}}(self, e.code, e.wasClean, reason, bytes.length);
      } finally {
        _free(reason);
      }
    };
  },

  // emscripten_websocket_delete in 3.1.6 runs `delete WS.sockets[socket]`
  // with the socket object instead of its id, so the entry (and the browser
  // socket) leaks and the handle stays usable. This detaches every handler
  // (no event can reach freed C++ memory afterwards), closes a live socket as
  // the spec does for a collected one (no code), and frees the entry.
  wasmchat_ws_release__deps: ['$WS', 'free'],
  wasmchat_ws_release: function(handle) {
    var socket = WS.sockets[handle];
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
    if (socket.readyState < 2) socket.close();
    if (socket.wasmchatBuffer) _free(socket.wasmchatBuffer.pointer);
    delete WS.sockets[handle];
  },
};

mergeInto(LibraryManager.library, WasmchatBrowserWebSocket);
