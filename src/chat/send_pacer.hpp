// Pacing of outgoing chat messages to the rate the server announced
// (welcome.limits.messagesPerSecond), so that a burst of re-sends after a
// reconnection is not refused as rate_limited.
#pragma once

#include <cstdint>

#include "chat/scheduler.hpp"

namespace wasmchat::chat {

/// A token bucket kept below the server's own: 80% of its rate, a capacity
/// of rate - 1 (at least 1), full when (re)configured. Unpaced until
/// configured with a positive rate.
class SendPacer {
 public:
  /// Paces to `server_messages_per_second` from `now` on; 0 means unpaced.
  /// The margin below the server's bucket leaves room for pings and nick
  /// changes, which count against the same limit there.
  void pace_to(std::uint64_t server_messages_per_second, Millis now) noexcept;

  /// Takes one token at `now`: true when a message may be written now.
  [[nodiscard]] bool take(Millis now) noexcept;

  /// After take() said false: ms until the next token (at least 1).
  [[nodiscard]] Millis wait() const noexcept;

  /// True when a rate is in force.
  [[nodiscard]] bool paced() const noexcept { return rate_ > 0; }

 private:
  double rate_ = 0;  // messages per second; 0 = unpaced
  double tokens_ = 0;
  Millis tokens_at_ = 0;
};

}  // namespace wasmchat::chat
