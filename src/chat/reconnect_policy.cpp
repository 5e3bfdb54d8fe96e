#include "chat/reconnect_policy.hpp"

#include <algorithm>

#include "websocket/close_code.hpp"

namespace wasmchat::chat {

bool ReconnectPolicy::should_reconnect(std::uint16_t code) noexcept {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::going_away:
    case CloseCode::no_status:
    case CloseCode::abnormal:
    case CloseCode::internal_error:
    case CloseCode::service_restart:
    case CloseCode::try_again_later:
    case CloseCode::bad_gateway:
    case CloseCode::message_too_big:
      return true;
    default:
      return code == close_message_too_big_on_wire;
  }
}

Millis ReconnectPolicy::delay(unsigned attempt, double random01) const noexcept {
  Millis ceiling = min_ms_;
  for (unsigned i = 0; i < attempt && ceiling < max_ms_; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max_ms_);
  const double r = std::clamp(random01, 0.0, 1.0);
  return ceiling / 2 + static_cast<Millis>(r * static_cast<double>(ceiling - ceiling / 2));
}

}  // namespace wasmchat::chat
