// wasmchat.v1 liveness (docs/protocol.md): a ping every interval, and a
// deadline after which a silent connection counts as dead.
#pragma once

#include <cstdint>
#include <functional>

#include "chat/scheduler.hpp"

namespace wasmchat::chat {

/// Pings every `interval_ms` while running. A connection that stays silent
/// for `timeout_ms` after the first unanswered ping is reported dead; any
/// frame received answers it. The deadline runs from the first unanswered
/// ping: a later ping does not push it back, or a timeout longer than the
/// interval would never fire.
///
/// Lifetime: owns its timers; destroying or stopping it cancels them, so no
/// callback runs afterwards.
class Heartbeat {
 public:
  /// `ping(nonce)` writes a ping (nonces count up from 1) and returns false
  /// when there is no open connection to ping, which stops the heartbeat.
  /// `timed_out()` runs once per deadline missed; the heartbeat is stopped
  /// before it runs.
  Heartbeat(Scheduler& scheduler, Millis interval_ms, Millis timeout_ms, std::function<bool(std::uint64_t)> ping,
            std::function<void()> timed_out);

  /// (Re)starts: the first ping goes out one interval from now.
  void start();
  /// Stops pinging and forgets any pending deadline.
  void stop();
  /// A frame arrived: the peer is alive, the pending deadline (if any) is met.
  void frame_received() { deadline_.stop(); }

  /// True while pings are scheduled.
  [[nodiscard]] bool running() const noexcept { return next_ping_.active(); }
  /// True while a ping is unanswered.
  [[nodiscard]] bool awaiting_answer() const noexcept { return deadline_.active(); }

 private:
  void beat();

  Millis interval_ms_;
  Millis timeout_ms_;
  std::function<bool(std::uint64_t)> ping_;
  std::function<void()> timed_out_;
  std::uint64_t next_nonce_ = 1;
  Timer next_ping_;
  Timer deadline_;
};

}  // namespace wasmchat::chat
