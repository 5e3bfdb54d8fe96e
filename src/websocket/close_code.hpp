// Close codes (RFC 6455 section 7.4) and the browser's rules for close().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "websocket/dom_error.hpp"

namespace wasmchat {

/// Status codes a close frame can carry (RFC 6455 section 7.4.1 and the IANA
/// registry). Codes 3000-4999 are for applications and have no name here.
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  unsupported_data = 1003,
  no_status = 1005,        ///< Never sent: reported when a close frame had no code.
  abnormal = 1006,         ///< Never sent: the connection died without a close frame.
  invalid_payload = 1007,
  policy_violation = 1008,
  message_too_big = 1009,
  mandatory_extension = 1010,
  internal_error = 1011,
  service_restart = 1012,
  try_again_later = 1013,
  bad_gateway = 1014,
  tls_handshake = 1015,    ///< Never sent: TLS failed.
};

/// The longest close reason in UTF-8 bytes: a control frame carries at most
/// 125 payload bytes, 2 of which are the code (RFC 6455 section 5.5).
inline constexpr std::size_t max_close_reason_bytes = 123;

/// True for the codes a script may pass to close(): 1000 or 3000-4999
/// (WHATWG WebSocket standard, the close() method, step 1).
[[nodiscard]] constexpr bool is_closable_by_script(std::uint16_t code) noexcept {
  return code == static_cast<std::uint16_t>(CloseCode::normal) || (code >= 3000 && code <= 4999);
}

/// Checks close(code?, reason) the way the browser does: a present code must
/// pass is_closable_by_script() (else InvalidAccessError), the reason must be
/// valid UTF-8 of at most max_close_reason_bytes bytes (else SyntaxError).
/// `code` is the value after WebIDL's [Clamp] unsigned short conversion.
/// Without a code the reason is still checked (the standard's close() step 2,
/// as Firefox does), but cannot be sent: a close frame carries a reason only
/// after a code (RFC 6455 section 5.5.1), so close() then sends neither.
[[nodiscard]] Status validate_close(std::optional<std::uint16_t> code, std::string_view reason);

}  // namespace wasmchat
