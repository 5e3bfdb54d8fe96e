#include "chat/protocol.hpp"

#include <algorithm>
#include <optional>

// Built without exceptions in wasm: nothing here may throw, so parsing uses
// parse(..., allow_exceptions = false) and every access is type-checked first.
#include <nlohmann/json.hpp>

#include "websocket/utf8.hpp"

namespace wasmchat::chat::protocol {
namespace {

using nlohmann::json;

/// Nesting depth of `frame` counted over brackets outside strings; stops
/// counting once past `max_nesting`.
std::size_t nesting_depth(std::string_view frame) noexcept {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : frame) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > max_nesting) break;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Field readers: empty when the field is missing or of another type.
std::optional<std::string> text_field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

/// docs/protocol.md: an int is 0..2^53-1, what a JS number holds exactly.
constexpr std::uint64_t max_int = (std::uint64_t{1} << 53) - 1;

std::optional<std::uint64_t> count_field(const json& object, const char* key) {
  const auto it = object.find(key);
  // JSON integers only: 1.5, "1", true and negative numbers are all refused.
  if (it == object.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max_int) return std::nullopt;
  return it->get<std::uint64_t>();
}

/// A nickname: 1-24 code points, no control characters.
bool is_valid_name(std::string_view name) {
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
std::variant<ChatMessage, Invalid> read_message(const json& object) {
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

ServerEnvelope read_welcome(const json& object) {
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

std::string dump(const json& envelope) {
  // Replace rather than throw on ill-formed UTF-8: callers pass valid text,
  // and an abort is never the right answer in a page.
  return envelope.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

bool is_valid_id(std::string_view id) noexcept {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

ServerEnvelope decode(std::string_view frame) {
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

std::string encode_say(std::string_view id, std::string_view text) {
  return dump(json{{"type", "say"}, {"id", id}, {"text", text}});
}

std::string encode_batch(std::span<const SayItem> items) {
  json list = json::array();
  for (const auto& item : items) list.push_back(json{{"type", "say"}, {"id", item.id}, {"text", item.text}});
  return dump(json{{"type", "batch"}, {"items", std::move(list)}});
}

std::string encode_nick(std::string_view name) { return dump(json{{"type", "nick"}, {"name", name}}); }

std::string encode_ping(std::uint64_t nonce) { return dump(json{{"type", "ping"}, {"nonce", nonce}}); }

}  // namespace wasmchat::chat::protocol
