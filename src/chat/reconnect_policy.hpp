// When and how soon to reconnect (docs/protocol.md, "Closing and reconnecting").
#pragma once

#include <cstdint>

#include "chat/scheduler.hpp"

namespace wasmchat::chat {

/// The client's own close for an oversized incoming frame. Scripts may not
/// send 1009, so 4009 goes on the wire and 1009 is reported locally.
inline constexpr std::uint16_t close_message_too_big_on_wire = 4009;

/// Exponential backoff with full jitter between two bounds.
class ReconnectPolicy {
 public:
  ReconnectPolicy(Millis min_ms, Millis max_ms) noexcept : min_ms_(min_ms), max_ms_(max_ms < min_ms ? min_ms : max_ms) {}

  /// True when a close with `code` (not initiated by the user) should be
  /// followed by a reconnection: the connection was lost or the server asked
  /// to be retried. False for closes that mean "do not come back".
  [[nodiscard]] static bool should_reconnect(std::uint16_t code) noexcept;

  /// Delay before attempt number `attempt` (0 for the first retry): a value in
  /// [ceiling / 2, ceiling] where ceiling = min(max, min * 2^attempt), placed
  /// by `random01` in [0, 1). Half-jitter keeps a floor, so a crowd of clients
  /// spreads out without any of them hammering the server at once.
  [[nodiscard]] Millis delay(unsigned attempt, double random01) const noexcept;

 private:
  Millis min_ms_;
  Millis max_ms_;
};

}  // namespace wasmchat::chat
