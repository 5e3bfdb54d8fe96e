#include "chat/chat_event.hpp"

#include <nlohmann/json.hpp>

#include "chat/overloaded.hpp"

namespace wasmchat::chat {

std::string_view to_string(Mode mode) noexcept {
  switch (mode) {
    case Mode::unknown: return "unknown";
    case Mode::v1: return "v1";
    case Mode::plain: return "plain";
  }
  return "unknown";
}

std::string_view to_string(ConnectionState state) noexcept {
  switch (state) {
    case ConnectionState::connecting: return "connecting";
    case ConnectionState::greeting: return "greeting";
    case ConnectionState::open: return "open";
    case ConnectionState::reconnecting: return "reconnecting";
    case ConnectionState::closed: return "closed";
  }
  return "closed";
}

std::string_view to_string(SendFailure failure) noexcept {
  switch (failure) {
    case SendFailure::empty: return "empty";
    case SendFailure::too_long: return "too_long";
    case SendFailure::invalid_utf8: return "invalid_utf8";
    case SendFailure::outbox_full: return "outbox_full";
    case SendFailure::closed: return "closed";
  }
  return "closed";
}

std::string to_json(const ChatEvent& event) {
  using nlohmann::json;
  const json object = std::visit(
      Overloaded{
          [](const Opened& e) { return json{{"type", "open"}, {"mode", to_string(e.mode)}, {"name", e.name}}; },
          [](const Received& e) {
            return json{{"type", "message"}, {"own", false}, {"seq", e.seq}, {"id", e.id},
                        {"from", e.from},    {"text", e.text}, {"time", e.time}};
          },
          [](const OwnMessageChanged& e) {
            return json{{"type", "message"}, {"own", true}, {"id", e.id},
                        {"text", e.text},    {"state", to_string(e.state)}, {"reason", e.reason}};
          },
          [](const StatusChanged& e) {
            return json{{"type", "status"}, {"state", to_string(e.state)}, {"mode", to_string(e.mode)},
                        {"name", e.name},   {"online", e.online}};
          },
          [](const ErrorOccurred& e) { return json{{"type", "error"}, {"code", e.code}, {"message", e.message}}; },
          [](const Closed& e) {
            return json{{"type", "close"},
                        {"code", e.code},
                        {"reason", e.reason},
                        {"wasClean", e.was_clean},
                        {"reconnectIn", e.reconnect_in_ms ? json(*e.reconnect_in_ms) : json(nullptr)}};
          },
          [](const Drained&) { return json{{"type", "drain"}}; },
      },
      event);
  // Texts are valid UTF-8 by construction; replace rather than abort if not.
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace wasmchat::chat
