#include "chat/protocol.hpp"

#include <algorithm>
#include <array>
#include <utility>

// Decoding goes through nlohmann's SAX interface (json::sax_parse) into the
// structs below: no DOM, so the wasm carries nlohmann's lexer and parser but
// no basic_json values. Built without exceptions in wasm: nothing here
// throws; a parse error arrives as the SAX parse_error() call.
#include <nlohmann/json.hpp>

#include "chat/json_writer.hpp"
#include "websocket/utf8.hpp"

namespace wasmchat::chat::protocol {
namespace {

using nlohmann::json;


/// docs/protocol.md: an int is 0..2^53-1, what a JS number holds exactly.
constexpr std::uint64_t max_int = (std::uint64_t{1} << 53) - 1;

/// One member's value, as far as the protocol cares: a string, an int
/// (JSON integers only: 1.5, "1", true, negative numbers and ints above
/// max_int are all `other`), something else, or nothing at all.
struct Field {
  enum class Kind : std::uint8_t { missing, string, count, other };
  Kind kind = Kind::missing;
  std::string text;
  std::uint64_t count = 0;

  [[nodiscard]] bool is_string() const noexcept { return kind == Kind::string; }
  [[nodiscard]] bool is_count() const noexcept { return kind == Kind::count; }
};

/// The members of a `message` envelope, or of one item of a welcome's history.
struct MessageFields {
  bool is_object = false;
  Field seq, id, from, text, time;
};

/// What a member that must be an array or an object turned out to be.
enum class Shape : std::uint8_t { missing, array, object, other };

/// Every member any server envelope type reads, collected in one pass.
struct EnvelopeFields {
  bool is_object = false;
  Field type, session, name, online, nonce, code, message;
  MessageFields own;  ///< seq, id, from, text, time at the top level
  Shape history = Shape::missing;
  std::vector<MessageFields> history_items;
  Shape limits = Shape::missing;
  Field max_code_points, max_frame_bytes, messages_per_second;
  Shape features = Shape::missing;
  std::vector<std::string> feature_names;
  bool features_all_strings = true;
  // A server `batch`: its messages (items as in a history) and its cumulative ack.
  Shape messages = Shape::missing;
  std::vector<MessageFields> message_items;
  Shape ack = Shape::missing;
  Field ack_id, ack_seq;
};

/// nlohmann's SAX interface, filling EnvelopeFields straight from the
/// parser's events: no DOM is built. It stops the parse only at a container
/// nested deeper than max_nesting (too_deep), so that any other ill-formed
/// JSON is refused as such, whatever its members say; it only
/// looks into the containers an envelope may have (history and its items,
/// limits, features) and skips the rest. A repeated key overwrites, as it
/// did in nlohmann's DOM.
class EnvelopeReader {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  EnvelopeFields fields;
  /// The parse stopped at a container deeper than max_nesting.
  bool too_deep = false;

  bool null() { return scalar(Field{Field::Kind::other, {}, 0}); }
  bool boolean(bool) { return scalar(Field{Field::Kind::other, {}, 0}); }
  bool number_integer(number_integer_t) { return scalar(Field{Field::Kind::other, {}, 0}); }
  bool number_unsigned(number_unsigned_t value) {
    return scalar(value <= max_int ? Field{Field::Kind::count, {}, value} : Field{Field::Kind::other, {}, 0});
  }
  bool number_float(number_float_t, const string_t&) { return scalar(Field{Field::Kind::other, {}, 0}); }
  bool string(string_t& value) { return scalar(Field{Field::Kind::string, std::move(value), 0}); }
  bool binary(binary_t&) { return scalar(Field{Field::Kind::other, {}, 0}); }
  bool start_object(std::size_t) { return open(/*object=*/true); }
  bool start_array(std::size_t) { return open(/*object=*/false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(string_t& name) {
    key_ = name;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

 private:
  /// The containers the reader looks into; `skipped` is any other.
  enum class Context : std::uint8_t { envelope, history, item, limits, features, ack, skipped };

  /// Where a value with the current key goes in the current context, if anywhere.
  Field* slot() {
    if (depth_ == 0) return nullptr;
    const std::string_view k = key_;
    switch (stack_[depth_ - 1]) {
      case Context::envelope: {
        auto& f = fields;
        if (k == "type") return &f.type;
        if (k == "session") return &f.session;
        if (k == "name") return &f.name;
        if (k == "online") return &f.online;
        if (k == "nonce") return &f.nonce;
        if (k == "code") return &f.code;
        if (k == "message") return &f.message;
        return message_slot(f.own, k);
      }
      case Context::item: return message_slot(items_->back(), k);
      case Context::ack:
        if (k == "id") return &fields.ack_id;
        if (k == "seq") return &fields.ack_seq;
        return nullptr;
      case Context::limits:
        if (k == "maxCodePoints") return &fields.max_code_points;
        if (k == "maxFrameBytes") return &fields.max_frame_bytes;
        if (k == "messagesPerSecond") return &fields.messages_per_second;
        return nullptr;
      default: return nullptr;
    }
  }

  static Field* message_slot(MessageFields& m, std::string_view k) {
    if (k == "seq") return &m.seq;
    if (k == "id") return &m.id;
    if (k == "from") return &m.from;
    if (k == "text") return &m.text;
    if (k == "time") return &m.time;
    return nullptr;
  }

  /// The envelope member that must be an array or object, if the current key names one.
  Shape* shape() {
    if (depth_ != 1 || stack_[0] != Context::envelope) return nullptr;
    if (key_ == "history") return &fields.history;
    if (key_ == "limits") return &fields.limits;
    if (key_ == "features") return &fields.features;
    if (key_ == "messages") return &fields.messages;
    if (key_ == "ack") return &fields.ack;
    return nullptr;
  }

  bool scalar(Field value) {
    if (depth_ == 0) return true;  // a scalar root: not an object, refused later
    switch (stack_[depth_ - 1]) {
      case Context::history: items_->emplace_back(); break;  // an item that is no object
      case Context::features:
        if (value.is_string()) fields.feature_names.push_back(std::move(value.text));
        else fields.features_all_strings = false;
        break;
      case Context::skipped: break;
      default:
        if (Shape* s = shape()) *s = Shape::other;
        else if (Field* f = slot()) *f = std::move(value);
    }
    return true;
  }

  bool open(bool object) {
    // nlohmann's parser keeps its own stack on the heap, so depth costs no C++
    // stack; the bound keeps hostile frames cheap and stack_ fixed.
    if (depth_ == max_nesting) {
      too_deep = true;
      return false;
    }
    Context next = Context::skipped;
    if (depth_ == 0) {
      fields.is_object = object;
      if (object) next = Context::envelope;
    } else {
      switch (stack_[depth_ - 1]) {
        case Context::history:
          items_->emplace_back();
          items_->back().is_object = object;
          if (object) next = Context::item;
          break;
        case Context::features: fields.features_all_strings = false; break;
        case Context::skipped: break;
        default:
          if (Shape* s = shape()) {
            *s = Shape::other;
            if (!object && (s == &fields.history || s == &fields.messages)) {
              *s = Shape::array;
              items_ = s == &fields.history ? &fields.history_items : &fields.message_items;
              items_->clear();
              next = Context::history;
            } else if (object && s == &fields.ack) {
              *s = Shape::object;
              fields.ack_id = fields.ack_seq = Field{};
              next = Context::ack;
            } else if (!object && s == &fields.features) {
              *s = Shape::array;
              fields.feature_names.clear();
              fields.features_all_strings = true;
              next = Context::features;
            } else if (object && s == &fields.limits) {
              *s = Shape::object;
              fields.max_code_points = fields.max_frame_bytes = fields.messages_per_second = Field{};
              next = Context::limits;
            }
          } else if (Field* f = slot()) {
            *f = Field{Field::Kind::other, {}, 0};
          }
      }
    }
    stack_[depth_++] = next;
    return true;
  }

  bool close() {
    --depth_;
    return true;
  }

  std::array<Context, max_nesting> stack_{};
  // The list the current history-like array fills: a welcome's history or a batch's messages.
  std::vector<MessageFields>* items_ = &fields.history_items;
  std::size_t depth_ = 0;
  std::string key_;
};

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

/// A `message` envelope, or one item of a welcome's history.
std::variant<ChatMessage, Invalid> read_message(MessageFields& m) {
  if (!m.is_object) return Invalid{"a message must be an object"};
  if (!m.seq.is_count() || m.seq.count == 0) return Invalid{"message.seq must be a positive integer"};
  if (!m.id.is_string() || !is_valid_id(m.id.text)) return Invalid{"message.id must be 1-64 characters of [A-Za-z0-9_-]"};
  if (!m.from.is_string() || !is_valid_name(m.from.text)) return Invalid{"message.from must be a nickname"};
  if (!m.text.is_string() || m.text.text.empty()) return Invalid{"message.text must be a non-empty string"};
  if (!m.time.is_count()) return Invalid{"message.time must be a non-negative integer"};
  return ChatMessage{m.seq.count, std::move(m.id.text), std::move(m.from.text), std::move(m.text.text), m.time.count};
}

ServerEnvelope read_welcome(EnvelopeFields& f) {
  if (!f.session.is_string() || f.session.text.empty()) return DecodeError{"welcome.session must be a non-empty string"};
  if (!f.name.is_string() || !is_valid_name(f.name.text)) return DecodeError{"welcome.name must be a nickname"};
  if (!f.online.is_count()) return DecodeError{"welcome.online must be a non-negative integer"};
  if (f.history != Shape::array) return DecodeError{"welcome.history must be an array"};
  if (f.limits != Shape::object) return DecodeError{"welcome.limits must be an object"};
  if (!f.max_code_points.is_count() || !f.max_frame_bytes.is_count() || !f.messages_per_second.is_count()) {
    return DecodeError{"welcome.limits must hold maxCodePoints, maxFrameBytes and messagesPerSecond"};
  }
  Welcome welcome{std::move(f.session.text), std::move(f.name.text), f.online.count, {},
                  Limits{f.max_code_points.count, f.max_frame_bytes.count, f.messages_per_second.count}, {}};
  if (f.features != Shape::missing) {
    if (f.features != Shape::array || !f.features_all_strings) {
      return DecodeError{"welcome.features must be an array of strings"};
    }
    welcome.features = std::move(f.feature_names);
  }
  welcome.history.reserve(f.history_items.size());
  for (auto& item : f.history_items) {
    auto message = read_message(item);
    if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{"welcome.history: " + invalid->why};
    welcome.history.push_back(std::move(std::get<ChatMessage>(message)));
  }
  return welcome;
}

/// A server `batch`: every message valid, or the whole frame is refused.
ServerEnvelope read_batch(EnvelopeFields& f) {
  if (f.messages != Shape::missing && f.messages != Shape::array) return DecodeError{"batch.messages must be an array"};
  if (f.ack != Shape::missing && f.ack != Shape::object) return DecodeError{"batch.ack must be an object"};
  if (f.messages == Shape::missing && f.ack == Shape::missing) return DecodeError{"batch needs messages or an ack"};
  Batch batch;
  batch.messages.reserve(f.message_items.size());
  for (auto& item : f.message_items) {
    auto message = read_message(item);
    if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{"batch.messages: " + invalid->why};
    batch.messages.push_back(std::move(std::get<ChatMessage>(message)));
  }
  if (f.ack == Shape::object) {
    if (!f.ack_id.is_string() || !is_valid_id(f.ack_id.text) || !f.ack_seq.is_count()) {
      return DecodeError{"batch.ack needs an id and an integer seq"};
    }
    batch.ack = Ack{std::move(f.ack_id.text), f.ack_seq.count};
  }
  return batch;
}

}  // namespace

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

bool is_valid_id(std::string_view id) noexcept {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

ServerEnvelope decode(std::string_view frame) {
  // A raw U+0000 is never valid JSON (it must be escaped), but nlohmann's
  // parser stops at it and would accept whatever came before.
  const bool has_nul = frame.find('\0') != std::string_view::npos;
  EnvelopeReader reader;
  if (has_nul || !json::sax_parse(frame.begin(), frame.end(), &reader)) {
    // The refusals, in the order protocol.hpp states them. Depth is judged by
    // nesting_depth() (brackets, well-formed or not), but only here, for a
    // frame refused anyway: a frame that parsed is at most max_nesting deep,
    // since the reader stops the parse past it.
    if (reader.too_deep || nesting_depth(frame) > max_nesting) return DecodeError{"the envelope is nested too deeply"};
    if (has_nul) return DecodeError{"the frame contains a NUL byte"};
    return DecodeError{"the frame is not valid JSON"};
  }
  auto& envelope = reader.fields;
  if (!envelope.is_object) return DecodeError{"an envelope must be a JSON object"};
  if (!envelope.type.is_string()) return DecodeError{"an envelope needs a string \"type\""};
  const std::string_view type = envelope.type.text;

  if (type == "message") {
    envelope.own.is_object = true;
    auto message = read_message(envelope.own);
    if (auto* invalid = std::get_if<Invalid>(&message)) return DecodeError{invalid->why};
    return std::get<ChatMessage>(std::move(message));
  }
  if (type == "welcome") return read_welcome(envelope);
  if (type == "ack") {
    auto& id = envelope.own.id;
    if (!id.is_string() || !is_valid_id(id.text) || !envelope.own.seq.is_count()) {
      return DecodeError{"ack needs an id and an integer seq"};
    }
    return Ack{std::move(id.text), envelope.own.seq.count};
  }
  if (type == "batch") return read_batch(envelope);
  if (type == "presence") {
    if (!envelope.online.is_count()) return DecodeError{"presence.online must be a non-negative integer"};
    return Presence{envelope.online.count};
  }
  if (type == "name") {
    if (!envelope.name.is_string() || !is_valid_name(envelope.name.text)) return DecodeError{"name.name must be a nickname"};
    return NameAssigned{std::move(envelope.name.text)};
  }
  if (type == "pong") {
    if (!envelope.nonce.is_count()) return DecodeError{"pong.nonce must be a non-negative integer"};
    return Pong{envelope.nonce.count};
  }
  if (type == "error") {
    if (!envelope.code.is_string() || !envelope.message.is_string()) return DecodeError{"error needs string code and message"};
    auto& id = envelope.own.id;
    if (id.kind != Field::Kind::missing && (!id.is_string() || !is_valid_id(id.text))) {
      return DecodeError{"error.id must be a client id"};
    }
    return ServerError{std::move(envelope.code.text), std::move(envelope.message.text), std::move(id.text)};
  }
  return DecodeError{"unknown envelope type \"" + utf8::to_valid(type.substr(0, 32)) + "\""};
}
// Keys are written sorted: the order nlohmann's DOM wrote them in before,
// which the server does not care about but tests and logs do.
std::string encode_say(std::string_view id, std::string_view text) {
  JsonWriter out;
  out.begin_object().key("id").string(id).key("text").string(text).key("type").string("say").end_object();
  return out.take();
}

std::string encode_batch(std::span<const SayItem> items) {
  JsonWriter out;
  out.begin_object().key("items").begin_array();
  for (const auto& item : items) {
    out.begin_object().key("id").string(item.id).key("text").string(item.text).key("type").string("say").end_object();
  }
  out.end_array().key("type").string("batch").end_object();
  return out.take();
}

std::string encode_nick(std::string_view name) {
  JsonWriter out;
  out.begin_object().key("name").string(name).key("type").string("nick").end_object();
  return out.take();
}

std::string encode_features(std::span<const std::string_view> features) {
  JsonWriter out;
  out.begin_object().key("features").begin_array();
  for (const auto feature : features) out.string(feature);
  out.end_array().key("type").string("features").end_object();
  return out.take();
}

std::string encode_ping(std::uint64_t nonce) {
  JsonWriter out;
  out.begin_object().key("nonce").number(nonce).key("type").string("ping").end_object();
  return out.take();
}

}  // namespace wasmchat::chat::protocol
