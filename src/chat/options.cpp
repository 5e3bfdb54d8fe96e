#include "chat/options.hpp"

#include <nlohmann/json.hpp>

namespace wasmchat::chat {

Result<ChatOptions> parse_options(std::string_view json_text) {
  using nlohmann::json;
  const json given = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (given.is_discarded() || !given.is_object()) {
    return DomError{DomErrorName::type_error, "The options must be an object."};
  }
  ChatOptions options;
  const auto type_error = [](const std::string& key, const char* what) {
    return DomError{DomErrorName::type_error, "The option '" + key + "' must be " + what + "."};
  };
  for (const auto& [key, value] : given.items()) {
    if (value.is_null()) continue;  // undefined/null: keep the default
    if (key == "server" || key == "nickname") {
      if (!value.is_string()) return type_error(key, "a string");
      (key == "server" ? options.url : options.nickname) = value.get<std::string>();
      continue;
    }
    std::size_t* size = nullptr;
    std::uint64_t* amount = nullptr;
    if (key == "maxLength") size = &options.max_message_code_points;
    else if (key == "maxIncomingBytes") size = &options.max_incoming_bytes;
    else if (key == "maxOutboxMessages") size = &options.max_outbox_messages;
    else if (key == "maxOutboxBytes") size = &options.max_outbox_bytes;
    else if (key == "highWaterMark") amount = &options.high_water_mark_bytes;
    else if (key == "retryInterval") amount = &options.retry_interval_ms;
    else if (key == "reconnectMinDelay") amount = &options.reconnect_min_ms;
    else if (key == "reconnectMaxDelay") amount = &options.reconnect_max_ms;
    else if (key == "greetingTimeout") amount = &options.greeting_timeout_ms;
    else if (key == "heartbeatInterval") amount = &options.heartbeat_interval_ms;
    else if (key == "heartbeatTimeout") amount = &options.heartbeat_timeout_ms;
    else return DomError{DomErrorName::type_error, "Unknown option '" + key + "'."};
    // Positive integers only: a zero interval would spin, a zero bound block.
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) return type_error(key, "a positive integer");
    if (size) *size = static_cast<std::size_t>(value.get<std::uint64_t>());
    else *amount = value.get<std::uint64_t>();
  }
  return options;
}

}  // namespace wasmchat::chat
