// Subprotocol lists for the opening handshake (Sec-WebSocket-Protocol).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "websocket/dom_error.hpp"

namespace wasmchat {

/// True when `name` is a non-empty RFC 7230 `token` (visible ASCII minus the
/// separators), the only subprotocol names the WHATWG constructor accepts.
[[nodiscard]] bool is_subprotocol_token(std::string_view name) noexcept;

/// Checks the constructor's protocols argument as the browser does: every entry
/// a token, no entry repeated (case-sensitively). Fails with SyntaxError.
[[nodiscard]] Status validate_subprotocols(std::span<const std::string> protocols);

/// The list joined with bare commas. websocket.h splits on ',' without trimming
/// (https://github.com/emscripten-core/emscripten/blob/3.1.6/src/library_websocket.js),
/// so no spaces may follow the commas; tokens cannot contain commas themselves.
[[nodiscard]] std::string join_subprotocols(std::span<const std::string> protocols);

}  // namespace wasmchat
