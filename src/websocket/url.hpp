// The URL step of the browser's `new WebSocket(url)` constructor.
#pragma once

#include <string>
#include <string_view>

#include "websocket/dom_error.hpp"

namespace wasmchat {

/// Resolves `input` against `base` (the document's base URL, an absolute http(s) URL, or empty
/// when there is none) the way the WebSocket constructor does (WHATWG URL parser + WebSocket
/// steps: http->ws, https->wss, other schemes -> SyntaxError, any fragment (even empty '#') ->
/// SyntaxError, parse failure -> SyntaxError), and returns the serialized URL (the value of
/// `socket.url`).
///
/// `input` and `base` are UTF-8. Error messages are Chromium's, word for word, so that a page
/// sees the same `e.message` as with the native WebSocket.
[[nodiscard]] Result<std::string> resolve_websocket_url(std::string_view input, std::string_view base);

}  // namespace wasmchat
