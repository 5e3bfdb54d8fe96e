#include "chat/send_pacer.hpp"

#include <algorithm>

namespace wasmchat::chat {

void SendPacer::pace_to(std::uint64_t server_messages_per_second, Millis now) noexcept {
  rate_ = static_cast<double>(server_messages_per_second) * 0.8;
  tokens_ = std::max(1.0, rate_ - 1.0);
  tokens_at_ = now;
}

bool SendPacer::take(Millis now) noexcept {
  if (rate_ <= 0) return true;
  const double capacity = std::max(1.0, rate_ - 1.0);
  tokens_ = std::min(capacity, tokens_ + static_cast<double>(now - tokens_at_) * rate_ / 1000.0);
  tokens_at_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

Millis SendPacer::wait() const noexcept {
  if (rate_ <= 0) return 1;
  return static_cast<Millis>((1.0 - tokens_) * 1000.0 / rate_) + 1;
}

}  // namespace wasmchat::chat
