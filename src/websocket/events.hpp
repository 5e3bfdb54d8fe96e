// The events a WebSocket delivers, as plain C++ values. Pure: shared by the
// browser transport, the chat core and the test doubles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace wasmchat {

/// WebSocket.readyState, same numbering as the browser.
enum class ReadyState : std::uint16_t { connecting = 0, open = 1, closing = 2, closed = 3 };

/// WebSocket.binaryType. The C++ events always carry bytes; the JS face turns
/// them into a Blob or an ArrayBuffer according to this value.
enum class BinaryType { blob, arraybuffer };

/// The connection opened.
struct OpenEvent {};

/// A message arrived. `data` holds the text (UTF-8, U+0000 kept) or the bytes.
/// Lifetime: both views point into a buffer that the transport reuses for the
/// next message; they are valid only during the handler. Copy what you keep.
struct MessageEvent {
  std::variant<std::string_view, std::span<const std::byte>> data;
  /// True when the frame is larger than the limit the transport was given
  /// (Transport::set_max_message_bytes) and so was not copied: `data` is then
  /// empty, and only its type is known.
  bool too_big = false;

  /// True for a text frame.
  [[nodiscard]] bool is_text() const noexcept { return data.index() == 0; }
};

/// The connection failed (as the browser's `error` event: no details by design).
struct ErrorEvent {};

/// The connection closed; the last event a WebSocket delivers.
struct CloseEvent {
  std::uint16_t code = 1005;  ///< 1005 when the close frame had none, 1006 when there was no frame.
  std::string reason;         ///< UTF-8, U+0000 kept.
  bool was_clean = false;     ///< True when the closing handshake completed.
};

/// The closed set of events a WebSocket delivers, in the browser's order:
/// open, then messages, then at most one error, then close.
using WebSocketEvent = std::variant<OpenEvent, MessageEvent, ErrorEvent, CloseEvent>;

}  // namespace wasmchat
