#include "chat/heartbeat.hpp"

#include <utility>

namespace wasmchat::chat {

Heartbeat::Heartbeat(Scheduler& scheduler, Millis interval_ms, Millis timeout_ms,
                     std::function<bool(std::uint64_t)> ping, std::function<void()> timed_out)
    : interval_ms_(interval_ms),
      timeout_ms_(timeout_ms),
      ping_(std::move(ping)),
      timed_out_(std::move(timed_out)),
      next_ping_(scheduler),
      deadline_(scheduler) {}

void Heartbeat::start() { next_ping_.start(interval_ms_, [this] { beat(); }); }

void Heartbeat::stop() {
  next_ping_.stop();
  deadline_.stop();
}

void Heartbeat::beat() {
  if (!ping_(next_nonce_)) return;
  ++next_nonce_;
  if (!deadline_.active()) {
    deadline_.start(timeout_ms_, [this] {
      stop();
      timed_out_();
    });
  }
  next_ping_.start(interval_ms_, [this] { beat(); });
}

}  // namespace wasmchat::chat
