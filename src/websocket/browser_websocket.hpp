// The browser's WebSocket, owned from C++: a faithful, RAII wrapper over
// <emscripten/websocket.h>. The only C++ file that talks to that header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "websocket/dom_error.hpp"

namespace wasmchat {

/// WebSocket.readyState, same numbering as the browser.
enum class ReadyState : std::uint16_t { connecting = 0, open = 1, closing = 2, closed = 3 };

/// WebSocket.binaryType. The C++ events always carry bytes; the JS face turns
/// them into a Blob or an ArrayBuffer according to this value.
enum class BinaryType { blob, arraybuffer };

/// The connection opened.
struct OpenEvent {};

/// A message arrived. `data` holds the text (UTF-8, U+0000 kept) or the bytes.
/// Lifetime: both views point into a buffer that websocket.h frees when the
/// handler returns; copy what you keep.
struct MessageEvent {
  std::variant<std::string_view, std::span<const std::byte>> data;

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

/// A browser WebSocket owned from C++.
///
/// Lifetime: destroying it detaches every handler first, so no event is ever
/// delivered to a destroyed object, then closes the connection if still open
/// (the spec's "garbage collected while open": closing handshake without code)
/// and frees the browser object. Destroying it from inside its own handler is
/// allowed; the handler itself stays alive until it returns.
class WebSocket {
 public:
  /// Called for each event; see WebSocketEvent for the order.
  using Handler = std::function<void(const WebSocketEvent&)>;

  /// Connects like `new WebSocket(url, protocols)`: `url` is resolved against
  /// the document's base URL, http(s) map to ws(s), and bad URLs or
  /// subprotocols fail with SyntaxError before anything reaches the browser.
  [[nodiscard]] static Result<std::unique_ptr<WebSocket>> connect(
      std::string_view url, std::span<const std::string> protocols = {});

  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;
  WebSocket(WebSocket&&) = delete;
  WebSocket& operator=(WebSocket&&) = delete;

  /// Receives every later event; replaces any previous handler.
  void on_event(Handler handler);

  /// Sends a text frame. `text` must be UTF-8 (else SyntaxError) and may
  /// contain U+0000. InvalidStateError while CONNECTING; after close() the
  /// bytes only add to buffered_amount(), as in the browser.
  [[nodiscard]] Status send(std::string_view text);

  /// Sends a binary frame; the bytes are copied before this returns.
  [[nodiscard]] Status send(std::span<const std::byte> bytes);

  /// InvalidStateError while CONNECTING; the check both send()s make.
  [[nodiscard]] Status check_can_send() const;

  /// Starts the closing handshake. `code` absent sends a close frame without
  /// a code (the peer sees 1005). See validate_close() for the errors.
  [[nodiscard]] Status close(std::optional<std::uint16_t> code = std::nullopt,
                             std::string_view reason = {});

  [[nodiscard]] ReadyState ready_state() const;
  /// Bytes queued by send() but not yet handed to the network.
  [[nodiscard]] std::uint64_t buffered_amount() const;
  /// The resolved URL, as `socket.url`.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  /// The subprotocol the server selected; empty before open or if none.
  [[nodiscard]] std::string protocol() const;
  /// The extensions the server selected; empty before open or if none.
  [[nodiscard]] std::string extensions() const;

  [[nodiscard]] BinaryType binary_type() const noexcept { return binary_type_; }
  void set_binary_type(BinaryType type) noexcept { binary_type_ = type; }

 private:
  WebSocket(int handle, std::string url);

  // The callbacks websocket.h and our --js-library call with userData = this.
  struct Callbacks;

  void dispatch(const WebSocketEvent& event);

  int handle_;
  std::string url_;
  BinaryType binary_type_ = BinaryType::blob;
  // Shared so that a handler that destroys this object keeps itself alive.
  std::shared_ptr<const Handler> handler_;
};

}  // namespace wasmchat
