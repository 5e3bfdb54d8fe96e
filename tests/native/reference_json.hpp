// The DOM-based decoder, encoders and options reader as they were before
// decoding moved to nlohmann's SAX interface and encoding to JsonWriter
// (git history: src/chat/protocol.cpp, options.cpp, chat_event.cpp). Kept
// only as the oracle of the differential tests (unit-protocol.cpp,
// unit-options.cpp, unit-json-writer.cpp, tests/fuzz/fuzz-protocol-decode.cpp):
// the new code must answer exactly what this answers.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "chat/chat_event.hpp"
#include "chat/options.hpp"
#include "chat/overloaded.hpp"
#include "chat/protocol.hpp"
#include "websocket/utf8.hpp"

namespace wasmchat::testing::reference {

using namespace wasmchat::chat;
using namespace wasmchat::chat::protocol;
using nlohmann::json;

namespace detail {

/// Field readers: empty when the field is missing or of another type.
inline std::optional<std::string> text_field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

/// docs/protocol.md: an int is 0..2^53-1, what a JS number holds exactly.
constexpr std::uint64_t max_int = (std::uint64_t{1} << 53) - 1;

inline std::optional<std::uint64_t> count_field(const json& object, const char* key) {
  const auto it = object.find(key);
  // JSON integers only: 1.5, "1", true and negative numbers are all refused.
  if (it == object.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max_int) return std::nullopt;
  return it->get<std::uint64_t>();
}

/// A nickname: 1-24 code points, no control characters.
inline bool is_valid_name(std::string_view name) {
  const auto length = utf8::count_code_points(name);
  return length >= 1 && length <= 24 &&
         std::none_of(name.begin(), name.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u < 0x20 || u == 0x7F;
         });
}

struct Invalid {
  std::string why;
};

/// The fields of a `message` envelope (also the items of a welcome's history).
inline std::variant<ChatMessage, Invalid> read_message(const json& object) {
  if (!object.is_object()) return Invalid{"a message must be an object"};
  auto seq = count_field(object, "seq");
  auto id = text_field(object, "id");
  auto from = text_field(object, "from");
  auto text = text_field(object, "text");
  auto time = count_field(object, "time");
  if (!seq || *seq == 0) return Invalid{"message.seq must be a positive integer"};
  if (!id || !is_valid_id(*id)) return Invalid{"message.id must be 1-64 characters of [A-Za-z0-9_-]"};
  if (!from || !is_valid_name(*from)) return Invalid{"message.from must be a nickname"};
  if (!text || text->empty()) return Invalid{"message.text must be a non-empty string"};
  if (!time) return Invalid{"message.time must be a non-negative integer"};
  return ChatMessage{*seq, std::move(*id), std::move(*from), std::move(*text), *time};
}

inline ServerEnvelope read_welcome(const json& object) {
  auto session = text_field(object, "session");
  auto name = text_field(object, "name");
  auto online = count_field(object, "online");
  const auto history = object.find("history");
  const auto limits = object.find("limits");
  if (!session || session->empty()) return DecodeError{"welcome.session must be a non-empty string"};
  if (!name || !is_valid_name(*name)) return DecodeError{"welcome.name must be a nickname"};
  if (!online) return DecodeError{"welcome.online must be a non-negative integer"};
  if (history == object.end() || !history->is_array()) return DecodeError{"welcome.history must be an array"};
  if (limits == object.end() || !limits->is_object()) return DecodeError{"welcome.limits must be an object"};
  auto max_code_points = count_field(*limits, "maxCodePoints");
  auto max_frame_bytes = count_field(*limits, "maxFrameBytes");
  auto messages_per_second = count_field(*limits, "messagesPerSecond");
  if (!max_code_points || !max_frame_bytes || !messages_per_second) {
    return DecodeError{"welcome.limits must hold maxCodePoints, maxFrameBytes and messagesPerSecond"};
  }
  Welcome welcome{std::move(*session), std::move(*name), *online, {},
                  Limits{*max_code_points, *max_frame_bytes, *messages_per_second}, {}};
  if (const auto features = object.find("features"); features != object.end()) {
    if (!features->is_array()) return DecodeError{"welcome.features must be an array of strings"};
    for (const auto& feature : *features) {
      if (!feature.is_string()) return DecodeError{"welcome.features must be an array of strings"};
      welcome.features.push_back(feature.get<std::string>());
    }
  }
  welcome.history.reserve(history->size());
  for (const auto& item : *history) {
    auto message = read_message(item);
    if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{"welcome.history: " + invalid->why};
    welcome.history.push_back(std::move(std::get<ChatMessage>(message)));
  }
  return welcome;
}

/// A server `batch` (added with coalescing; the DOM reading of the same rules).
inline ServerEnvelope read_batch(const json& object) {
  const auto messages = object.find("messages");
  const auto ack = object.find("ack");
  if (messages != object.end() && !messages->is_array()) return DecodeError{"batch.messages must be an array"};
  if (ack != object.end() && !ack->is_object()) return DecodeError{"batch.ack must be an object"};
  if (messages == object.end() && ack == object.end()) return DecodeError{"batch needs messages or an ack"};
  Batch batch;
  if (messages != object.end()) {
    for (const auto& item : *messages) {
      auto message = read_message(item);
      if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{"batch.messages: " + invalid->why};
      batch.messages.push_back(std::move(std::get<ChatMessage>(message)));
    }
  }
  if (ack != object.end()) {
    auto id = text_field(*ack, "id");
    auto seq = count_field(*ack, "seq");
    if (!id || !is_valid_id(*id) || !seq) return DecodeError{"batch.ack needs an id and an integer seq"};
    batch.ack = Ack{std::move(*id), *seq};
  }
  return batch;
}

}  // namespace detail

using namespace detail;

inline ServerEnvelope decode(std::string_view frame) {
  if (nesting_depth(frame) > max_nesting) return DecodeError{"the envelope is nested too deeply"};
  // A raw U+0000 is never valid JSON (it must be escaped), but nlohmann's
  // parser stops at it and would accept whatever came before.
  if (frame.find('\0') != std::string_view::npos) return DecodeError{"the frame contains a NUL byte"};
  const json envelope = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded()) return DecodeError{"the frame is not valid JSON"};
  if (!envelope.is_object()) return DecodeError{"an envelope must be a JSON object"};
  const auto type = text_field(envelope, "type");
  if (!type) return DecodeError{"an envelope needs a string \"type\""};

  if (*type == "message") {
    auto message = read_message(envelope);
    if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{invalid->why};
    return std::get<ChatMessage>(std::move(message));
  }
  if (*type == "welcome") return read_welcome(envelope);
  if (*type == "ack") {
    auto id = text_field(envelope, "id");
    auto seq = count_field(envelope, "seq");
    if (!id || !is_valid_id(*id) || !seq) return DecodeError{"ack needs an id and an integer seq"};
    return Ack{std::move(*id), *seq};
  }
  if (*type == "batch") return read_batch(envelope);
  if (*type == "presence") {
    auto online = count_field(envelope, "online");
    if (!online) return DecodeError{"presence.online must be a non-negative integer"};
    return Presence{*online};
  }
  if (*type == "name") {
    auto name = text_field(envelope, "name");
    if (!name || !is_valid_name(*name)) return DecodeError{"name.name must be a nickname"};
    return NameAssigned{std::move(*name)};
  }
  if (*type == "pong") {
    auto nonce = count_field(envelope, "nonce");
    if (!nonce) return DecodeError{"pong.nonce must be a non-negative integer"};
    return Pong{*nonce};
  }
  if (*type == "error") {
    auto code = text_field(envelope, "code");
    auto message = text_field(envelope, "message");
    if (!code || !message) return DecodeError{"error needs string code and message"};
    std::string id;
    if (envelope.contains("id")) {
      auto given = text_field(envelope, "id");
      if (!given || !is_valid_id(*given)) return DecodeError{"error.id must be a client id"};
      id = std::move(*given);
    }
    return ServerError{std::move(*code), std::move(*message), std::move(id)};
  }
  return DecodeError{"unknown envelope type \"" + utf8::to_valid(std::string_view(*type).substr(0, 32)) + "\""};
}

inline std::string dump(const json& envelope) { return envelope.dump(-1, ' ', false, json::error_handler_t::replace); }

inline std::string encode_say(std::string_view id, std::string_view text) {
  return dump(json{{"type", "say"}, {"id", id}, {"text", text}});
}

inline std::string encode_batch(std::span<const SayItem> items) {
  json list = json::array();
  for (const auto& item : items) list.push_back(json{{"type", "say"}, {"id", item.id}, {"text", item.text}});
  return dump(json{{"type", "batch"}, {"items", std::move(list)}});
}

inline std::string encode_nick(std::string_view name) { return dump(json{{"type", "nick"}, {"name", name}}); }

inline std::string encode_ping(std::uint64_t nonce) { return dump(json{{"type", "ping"}, {"nonce", nonce}}); }

inline std::string to_json(const ChatEvent& event) {
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
                        {"name", e.name},   {"online", e.online}, {"network", e.network_online ? "online" : "offline"}};
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

inline Result<ChatOptions> parse_options(std::string_view json_text) {
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

}  // namespace wasmchat::testing::reference
