// What the chat core needs from a WebSocket connection. wasmchat::WebSocket
// implements it in the browser; tests implement it with a fake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "websocket/dom_error.hpp"
#include "websocket/events.hpp"

namespace wasmchat {

/// One connection, with the browser WebSocket's semantics.
///
/// Lifetime: destroying a Transport detaches its handler (no event is
/// delivered afterwards) and closes the connection if it is still open. It may
/// be destroyed from inside its own handler.
class Transport {
 public:
  /// Called for each event, in the order open, messages, error?, close.
  using Handler = std::function<void(const WebSocketEvent&)>;

  virtual ~Transport() = default;

  /// Receives every later event; replaces any previous handler.
  virtual void on_event(Handler handler) = 0;
  /// Sends a UTF-8 text frame; InvalidStateError while CONNECTING.
  [[nodiscard]] virtual Status send(std::string_view text) = 0;
  /// Starts the closing handshake; see validate_close() for the errors.
  [[nodiscard]] virtual Status close(std::optional<std::uint16_t> code, std::string_view reason) = 0;
  [[nodiscard]] virtual ReadyState ready_state() const = 0;
  /// Bytes accepted by send() and not yet handed to the network.
  [[nodiscard]] virtual std::uint64_t buffered_amount() const = 0;
  /// The subprotocol the server selected; empty before open or if none.
  [[nodiscard]] virtual std::string protocol() const = 0;
  /// Frames above `limit` bytes may then arrive as MessageEvent{too_big},
  /// without their data, so that a transport need not copy them. The default
  /// delivers every frame whole (the receiver checks sizes itself).
  virtual void set_max_message_bytes(std::size_t limit) { (void)limit; }

 protected:
  Transport() = default;
  Transport(const Transport&) = default;
  Transport& operator=(const Transport&) = default;
};

/// Opens a connection like `new WebSocket(url, protocols)`; fails with the
/// browser's SyntaxError for a bad URL or subprotocol.
using Connector = std::function<Result<std::unique_ptr<Transport>>(std::string_view url,
                                                                   std::span<const std::string> protocols)>;

}  // namespace wasmchat
