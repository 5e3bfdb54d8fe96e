// Emscripten --js-library: the imports through which websocket_bindings.cpp
// and chat_bindings.cpp reach the JS face. The JS face passes its sink as Module.wasmchatSink when
// it instantiates the module (web/module.js); pointers are only valid during
// the call.
var WasmchatEventSink = {
  wasmchat_js_open: function(sink) { Module['wasmchatSink'].open(sink); },
  wasmchat_js_message: function(sink, kind) { Module['wasmchatSink'].message(sink, kind); },
  wasmchat_js_error: function(sink) { Module['wasmchatSink'].error(sink); },
  wasmchat_js_close: function(sink, code, wasClean, reason, length) { Module['wasmchatSink'].close(sink, code, wasClean, reason, length); },
  // One batch of chat events (src/chat/event_batch.hpp) a socket event or a timer produced.
  wasmchat_js_chat_events: function(sink, batch, length) { Module['wasmchatSink'].chatEvents(sink, batch, length); },
};

mergeInto(LibraryManager.library, WasmchatEventSink);
