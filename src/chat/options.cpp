#include "chat/options.hpp"

#include <map>
#include <utility>

// Read through nlohmann's SAX interface, like the protocol (no DOM in the wasm).
#include <nlohmann/json.hpp>

namespace wasmchat::chat {
namespace {

using nlohmann::json;

/// One option's value: what parse_options() distinguishes.
struct OptionValue {
  enum class Kind : std::uint8_t { null, string, count, other };
  Kind kind = Kind::other;
  std::string text;
  std::uint64_t count = 0;
};

/// Collects the top-level members of an object (repeated keys overwrite);
/// nested containers are one `other` value each.
class OptionsReader {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bool is_object = false;
  /// Sorted by key: errors name the first bad option in that order, as before.
  std::map<std::string, OptionValue> members;

  bool null() { return value(OptionValue{OptionValue::Kind::null, {}, 0}); }
  bool boolean(bool) { return value(OptionValue{}); }
  bool number_integer(number_integer_t) { return value(OptionValue{}); }
  bool number_unsigned(number_unsigned_t n) { return value(OptionValue{OptionValue::Kind::count, {}, n}); }
  bool number_float(number_float_t, const string_t&) { return value(OptionValue{}); }
  bool string(string_t& s) { return value(OptionValue{OptionValue::Kind::string, std::move(s), 0}); }
  bool binary(binary_t&) { return value(OptionValue{}); }
  bool start_object(std::size_t) {
    if (depth_ == 0) is_object = true;
    else (void)value(OptionValue{});
    ++depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ != 0) (void)value(OptionValue{});
    ++depth_;
    return true;
  }
  bool end_object() { return --depth_, true; }
  bool end_array() { return --depth_, true; }
  bool key(string_t& name) {
    if (depth_ == 1) key_ = std::move(name);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

 private:
  bool value(OptionValue v) {
    if (depth_ == 1 && is_object) members[key_] = std::move(v);
    return true;
  }

  std::size_t depth_ = 0;
  std::string key_;
};

}  // namespace

Result<ChatOptions> parse_options(std::string_view json_text) {
  OptionsReader given;
  if (!json::sax_parse(json_text.begin(), json_text.end(), &given) || !given.is_object) {
    return DomError{DomErrorName::type_error, "The options must be an object."};
  }
  ChatOptions options;
  const auto type_error = [](const std::string& key, const char* what) {
    return DomError{DomErrorName::type_error, "The option '" + key + "' must be " + what + "."};
  };
  for (auto& [key, value] : given.members) {
    if (value.kind == OptionValue::Kind::null) continue;  // undefined/null: keep the default
    if (key == "server" || key == "nickname") {
      if (value.kind != OptionValue::Kind::string) return type_error(key, "a string");
      (key == "server" ? options.url : options.nickname) = std::move(value.text);
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
    else if (key == "connectTimeout") amount = &options.connect_timeout_ms;
    else if (key == "greetingTimeout") amount = &options.greeting_timeout_ms;
    else if (key == "heartbeatInterval") amount = &options.heartbeat_interval_ms;
    else if (key == "heartbeatTimeout") amount = &options.heartbeat_timeout_ms;
    else return DomError{DomErrorName::type_error, "Unknown option '" + key + "'."};
    // Positive integers only: a zero interval would spin, a zero bound block.
    if (value.kind != OptionValue::Kind::count || value.count == 0) return type_error(key, "a positive integer");
    if (size) *size = static_cast<std::size_t>(value.count);
    else *amount = value.count;
  }
  return options;
}

}  // namespace wasmchat::chat
