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
#include "websocket/events.hpp"
#include "websocket/transport.hpp"

namespace wasmchat {

/// A browser WebSocket owned from C++.
///
/// Lifetime: destroying it detaches every handler first, so no event is ever
/// delivered to a destroyed object, then closes the connection if still open
/// (the spec's "garbage collected while open": closing handshake without code)
/// and frees the browser object. Destroying it from inside its own handler is
/// allowed; the handler itself stays alive until it returns.
class WebSocket final : public Transport {
 public:

  /// Connects like `new WebSocket(url, protocols)`: `url` is resolved against
  /// the document's base URL, http(s) map to ws(s), and bad URLs or
  /// subprotocols fail with SyntaxError before anything reaches the browser.
  [[nodiscard]] static Result<std::unique_ptr<WebSocket>> connect(
      std::string_view url, std::span<const std::string> protocols = {});

  ~WebSocket() override;
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;
  WebSocket(WebSocket&&) = delete;
  WebSocket& operator=(WebSocket&&) = delete;

  /// Receives every later event; replaces any previous handler.
  void on_event(Handler handler) override;

  /// Sends a text frame. `text` must be UTF-8 (else SyntaxError) and may
  /// contain U+0000. InvalidStateError while CONNECTING; after close() the
  /// bytes only add to buffered_amount(), as in the browser.
  [[nodiscard]] Status send(std::string_view text) override;

  /// Sends a binary frame; the bytes are copied before this returns.
  [[nodiscard]] Status send(std::span<const std::byte> bytes);

  /// Sends the JS value the JS face staged in Module.wasmchatFrame.staged (a
  /// string, an ArrayBuffer view or a Blob), as send() would, without copying
  /// it through wasm memory: one call into JS that checks the state and sends.
  /// For the JS face only; C++ callers use send().
  [[nodiscard]] Status send_staged();

  /// InvalidStateError while CONNECTING; the check every send makes.
  [[nodiscard]] Status check_can_send() const;

  /// Frames above `limit` bytes are not copied into wasm memory: they arrive
  /// as MessageEvent{too_big} with empty data.
  void set_max_message_bytes(std::size_t limit) override;

  /// From now on no payload is copied into wasm memory: message events carry
  /// empty data (only their type), and the browser's own value is
  /// Module.wasmchatFrame.received during the handler. For a consumer in JS
  /// that reads nothing in C++ (the JS face).
  void leave_data_in_js();

  /// Starts the closing handshake. `code` absent sends a close frame without
  /// a code or reason (the peer sees 1005). See validate_close() for the errors.
  [[nodiscard]] Status close(std::optional<std::uint16_t> code = std::nullopt,
                             std::string_view reason = {}) override;

  [[nodiscard]] ReadyState ready_state() const override;
  /// Bytes queued by send() but not yet handed to the network.
  [[nodiscard]] std::uint64_t buffered_amount() const override;
  /// The resolved URL, as `socket.url`.
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  /// The subprotocol the server selected; empty before open or if none.
  [[nodiscard]] std::string protocol() const override;
  /// The extensions the server selected; empty before open or if none.
  [[nodiscard]] std::string extensions() const;

  [[nodiscard]] BinaryType binary_type() const noexcept { return binary_type_; }
  void set_binary_type(BinaryType type) noexcept { binary_type_ = type; }

 private:
  WebSocket(int handle, std::string url);

  // The callbacks websocket.h and our --js-library call with userData = this.
  struct Callbacks;

  // One dispatch() under way (nested ones form a list, innermost first).
  struct Dispatch;

  void dispatch(const WebSocketEvent& event);
  // Drops handler_; one that is running is handed to the outermost dispatch
  // running it, which destroys it once it returned.
  void retire_handler();

  int handle_;
  std::string url_;
  BinaryType binary_type_ = BinaryType::blob;
  // On the heap so that its address survives a hand-over to a Dispatch: a
  // handler may destroy this object, or replace itself, while it runs. (Not a
  // shared_ptr: its control block drags libc++abi's RTTI into the wasm.)
  std::unique_ptr<const Handler> handler_;
  Dispatch* dispatching_ = nullptr;
};

}  // namespace wasmchat
