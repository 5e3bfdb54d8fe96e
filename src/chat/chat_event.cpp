#include "chat/chat_event.hpp"

#include "chat/json_writer.hpp"

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
    case ConnectionState::offline: return "offline";
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

// Keys sorted, as nlohmann's std::map-based objects wrote them before.
std::string to_json(const ChatEvent& event) {
  JsonWriter out;
  out.begin_object();
  std::visit(Overloaded{
                 [&](const Opened& e) { out.key("mode").string(to_string(e.mode)).key("name").string(e.name).key("type").string("open"); },
                 [&](const Received& e) {
                   out.key("from").string(e.from).key("id").string(e.id).key("own").boolean(false);
                   out.key("seq").number(e.seq).key("text").string(e.text).key("time").number(e.time);
                   out.key("type").string("message");
                 },
                 [&](const OwnMessageChanged& e) {
                   out.key("id").string(e.id).key("own").boolean(true).key("reason").string(e.reason);
                   out.key("state").string(to_string(e.state)).key("text").string(e.text).key("type").string("message");
                 },
                 [&](const StatusChanged& e) {
                   out.key("mode").string(to_string(e.mode)).key("name").string(e.name);
                   out.key("network").string(e.network_online ? "online" : "offline").key("online").number(e.online);
                   out.key("state").string(to_string(e.state)).key("type").string("status");
                 },
                 [&](const ErrorOccurred& e) {
                   out.key("code").string(e.code).key("message").string(e.message).key("type").string("error");
                 },
                 [&](const Closed& e) {
                   out.key("code").number(e.code).key("reason").string(e.reason).key("reconnectIn");
                   if (e.reconnect_in_ms) out.number(*e.reconnect_in_ms);
                   else out.null();
                   out.key("type").string("close").key("wasClean").boolean(e.was_clean);
                 },
                 [&](const Drained&) { out.key("type").string("drain"); },
             },
             event);
  out.end_object();
  return out.take();
}

}  // namespace wasmchat::chat
