#include "chat/event_batch.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "chat/json_writer.hpp"
#include "websocket/utf8.hpp"

namespace wasmchat::chat {

static_assert(std::endian::native == std::endian::little, "the batch layout is little-endian");

namespace {

/// The names of an enum's values 0..N-1, from its to_string(): the table the
/// JS reader maps a choice byte through.
template <class Enum, std::size_t N>
const std::array<std::string_view, N>& names_of() {
  static const auto names = [] {
    std::array<std::string_view, N> all{};
    for (std::size_t i = 0; i < N; ++i) all[i] = to_string(static_cast<Enum>(i));
    return all;
  }();
  return names;
}

/// StatusChanged::network_online in words, as index.d.ts's NetworkState.
enum class Network { offline, online };
std::string_view to_string(Network network) noexcept { return network == Network::online ? "online" : "offline"; }

}  // namespace

// The one definition of each record: its fields in order, with their JS
// names and kinds. The writer and the layout description both walk these.
template <class V> void fields(const Opened& e, V& v) {
  v.template choice<Mode, 3>("mode", e.mode);
  v.string("name", e.name);
}
template <class V> void fields(const Received& e, V& v) {
  v.constant("own", false);
  v.number("seq", e.seq);
  v.string("id", e.id);
  v.string("from", e.from);
  v.string("text", e.text);
  v.number("time", e.time);
}
template <class V> void fields(const OwnMessageChanged& e, V& v) {
  v.constant("own", true);
  v.string("id", e.id);
  v.string("text", e.text);
  v.template choice<DeliveryState, 4>("state", e.state);
  v.string("reason", e.reason);
}
template <class V> void fields(const StatusChanged& e, V& v) {
  v.template choice<ConnectionState, 6>("state", e.state);
  v.template choice<Mode, 3>("mode", e.mode);
  v.string("name", e.name);
  v.number("online", e.online);
  v.template choice<Network, 2>("network", e.network_online ? Network::online : Network::offline);
}
template <class V> void fields(const ErrorOccurred& e, V& v) {
  v.string("code", e.code);
  v.string("message", e.message);
}
template <class V> void fields(const Closed& e, V& v) {
  v.number("code", e.code);
  v.string("reason", e.reason);
  v.boolean("wasClean", e.was_clean);
  v.nullable("reconnectIn", e.reconnect_in_ms);
}
template <class V> void fields(const Drained&, V&) {}
template <class V> void fields(const SendAccepted& e, V& v) { v.string("id", e.id); }
template <class V> void fields(const SendRejected& e, V& v) {
  v.template choice<SendFailure, 5>("reason", e.reason);
  v.string("message", e.message);
}
template <class V> void fields(const CallRejected& e, V& v) {
  v.string("name", e.name);
  v.string("message", e.message);
}
template <class V> void fields(const ChatCreated& e, V& v) { v.number("handle", e.handle); }
template <class V> void fields(const UrlRequested& e, V& v) { v.number("request", e.request); }

/// tag, record, JS type, class. Tags are the wire values: never reuse one.
#define WASMCHAT_BATCH_RECORDS(X)             \
  X(1, Opened, "open", "event")               \
  X(2, Received, "message", "event")          \
  X(3, OwnMessageChanged, "message", "event") \
  X(4, StatusChanged, "status", "event")      \
  X(5, ErrorOccurred, "error", "event")       \
  X(6, Closed, "close", "event")              \
  X(7, Drained, "drain", "event")             \
  X(8, SendAccepted, "sent", "result")        \
  X(9, SendRejected, "refused", "result")     \
  X(10, CallRejected, "rejected", "result")   \
  X(11, ChatCreated, "created", "result")     \
  X(12, UrlRequested, "url_request", "request")

namespace {
template <class Record> constexpr std::uint8_t tag_of = 0;
#define WASMCHAT_TAG(tag, Record, type, kind) template <> constexpr std::uint8_t tag_of<Record> = tag;
WASMCHAT_BATCH_RECORDS(WASMCHAT_TAG)
#undef WASMCHAT_TAG

void put(std::vector<std::uint8_t>& out, const void* bytes, std::size_t size) {
  // An empty string_view may hold a null pointer, which memcpy must not get.
  if (size == 0) return;
  const std::size_t at = out.size();
  out.resize(at + size);
  std::memcpy(out.data() + at, bytes, size);
}
}  // namespace

struct EventBatch::Writer {
  EventBatch& batch;

  void number(std::string_view, std::uint64_t value) { f64(static_cast<double>(value)); }
  void nullable(std::string_view, const std::optional<Millis>& value) {
    f64(value ? static_cast<double>(*value) : std::numeric_limits<double>::quiet_NaN());
  }
  [[gnu::noinline]] void f64(double value) { put(batch.records_, &value, sizeof value); }
  void boolean(std::string_view, bool value) { batch.records_.push_back(value ? 1 : 0); }
  template <class Enum, std::size_t N>
  void choice(std::string_view, Enum value) {
    batch.records_.push_back(static_cast<std::uint8_t>(value));
  }
  void constant(std::string_view, bool) {}
  [[gnu::noinline]] void string(std::string_view, std::string_view text) {
    if (utf8::is_valid(text)) {
      text_bytes(text);
    } else {
      text_bytes(utf8::to_valid(text));
    }
  }
  [[gnu::noinline]] void text_bytes(std::string_view text) {
    const std::uint32_t units = utf16_length(text);
    put(batch.records_, &units, sizeof units);
    batch.text_.append(text);
  }
};

namespace {
template <class Record>
void write(EventBatch& batch, std::vector<std::uint8_t>& records, const Record& record) {
  records.push_back(tag_of<Record>);  // the tag before the fields
  EventBatch::Writer writer{batch};
  fields(record, writer);
}

/// Writes one record's field list as JSON. Runs once per page: kept out of
/// line, so that the table costs a few bytes per field, not a JSON writer each.
struct Describer {
  JsonWriter& out;

  [[gnu::noinline]] void begin_record(std::uint8_t tag, std::string_view type, std::string_view kind) {
    out.begin_object().key("tag").number(tag).key("type").string(type);
    out.key("class").string(kind).key("fields").begin_array();
  }
  [[gnu::noinline]] void field(std::string_view name, std::string_view kind) {
    out.begin_object().key("name").string(name).key("kind").string(kind);
  }
  [[gnu::noinline]] void number(std::string_view name, std::uint64_t) { field(name, "number"); out.end_object(); }
  [[gnu::noinline]] void nullable(std::string_view name, const std::optional<Millis>&) { field(name, "nullable"); out.end_object(); }
  [[gnu::noinline]] void boolean(std::string_view name, bool) { field(name, "boolean"); out.end_object(); }
  template <class Enum, std::size_t N>
  [[gnu::noinline]] void choice(std::string_view name, Enum) {
    field(name, "choice");
    out.key("values").begin_array();
    for (const auto value : names_of<Enum, N>()) out.string(value);
    out.end_array().end_object();
  }
  [[gnu::noinline]] void constant(std::string_view name, bool value) {
    field(name, "constant");
    out.key("value").boolean(value).end_object();
  }
  [[gnu::noinline]] void string(std::string_view name, std::string_view) { field(name, "string"); out.end_object(); }
};
}  // namespace

void EventBatch::append(const ChatEvent& event) {
  std::visit([this](const auto& e) { write(*this, records_, e); }, event);
}
void EventBatch::append(const SendAccepted& result) { write(*this, records_, result); }
void EventBatch::append(const SendRejected& result) { write(*this, records_, result); }
void EventBatch::append(const CallRejected& result) { write(*this, records_, result); }
void EventBatch::append(const ChatCreated& result) { write(*this, records_, result); }
void EventBatch::append(const UrlRequested& request) { write(*this, records_, request); }

void EventBatch::clear() noexcept {
  records_.clear();
  text_.clear();
}

std::span<const std::uint8_t> EventBatch::finish() {
  const auto records_bytes = static_cast<std::uint32_t>(records_.size());
  const auto text_bytes = static_cast<std::uint32_t>(text_.size());
  bytes_.clear();
  bytes_.reserve(8 + records_.size() + text_.size());
  put(bytes_, &records_bytes, 4);
  put(bytes_, &text_bytes, 4);
  put(bytes_, records_.data(), records_.size());
  put(bytes_, text_.data(), text_.size());
  return bytes_;
}

std::string describe_batch_layout() {
  JsonWriter out;
  out.begin_object().key("records").begin_array();
#define WASMCHAT_DESCRIBE(tag, Record, type, kind) \
  {                                                \
    Describer describer{out};                      \
    describer.begin_record(tag, type, kind);       \
    fields(Record{}, describer);                   \
    out.end_array().end_object();                  \
  }
  WASMCHAT_BATCH_RECORDS(WASMCHAT_DESCRIBE)
#undef WASMCHAT_DESCRIBE
  out.end_array().end_object();
  return out.take();
}

// describe_batch_layout()'s text, kept as a constant so that the module
// carries a string, not the code that writes it; unit-event-batch.cpp keeps
// the two equal (the fields() functions stay the one definition).
const char* batch_layout() noexcept {
  return
    "{\"records\":["
    "{\"tag\":1,\"type\":\"open\",\"class\":\"event\",\"fields\":[{\"name\":\"mode\",\"kind\":\"choice\",\"values\":[\"unknown\",\"v1\",\"plain\"]},{\"name\":\"name\",\"kind\":\"string\"}]},"
    "{\"tag\":2,\"type\":\"message\",\"class\":\"event\",\"fields\":[{\"name\":\"own\",\"kind\":\"constant\",\"value\":false},{\"name\":\"seq\",\"kind\":\"number\"},{\"name\":\"id\",\"kind\":\"string\"},{\"name\":\"from\",\"kind\":\"string\"},{\"name\":\"text\",\"kind\":\"string\"},{\"name\":\"time\",\"kind\":\"number\"}]},"
    "{\"tag\":3,\"type\":\"message\",\"class\":\"event\",\"fields\":[{\"name\":\"own\",\"kind\":\"constant\",\"value\":true},{\"name\":\"id\",\"kind\":\"string\"},{\"name\":\"text\",\"kind\":\"string\"},{\"name\":\"state\",\"kind\":\"choice\",\"values\":[\"queued\",\"sent\",\"delivered\",\"failed\"]},{\"name\":\"reason\",\"kind\":\"string\"}]},"
    "{\"tag\":4,\"type\":\"status\",\"class\":\"event\",\"fields\":[{\"name\":\"state\",\"kind\":\"choice\",\"values\":[\"connecting\",\"greeting\",\"open\",\"reconnecting\",\"offline\",\"closed\"]},{\"name\":\"mode\",\"kind\":\"choice\",\"values\":[\"unknown\",\"v1\",\"plain\"]},{\"name\":\"name\",\"kind\":\"string\"},{\"name\":\"online\",\"kind\":\"number\"},{\"name\":\"network\",\"kind\":\"choice\",\"values\":[\"offline\",\"online\"]}]},"
    "{\"tag\":5,\"type\":\"error\",\"class\":\"event\",\"fields\":[{\"name\":\"code\",\"kind\":\"string\"},{\"name\":\"message\",\"kind\":\"string\"}]},"
    "{\"tag\":6,\"type\":\"close\",\"class\":\"event\",\"fields\":[{\"name\":\"code\",\"kind\":\"number\"},{\"name\":\"reason\",\"kind\":\"string\"},{\"name\":\"wasClean\",\"kind\":\"boolean\"},{\"name\":\"reconnectIn\",\"kind\":\"nullable\"}]},"
    "{\"tag\":7,\"type\":\"drain\",\"class\":\"event\",\"fields\":[]},"
    "{\"tag\":8,\"type\":\"sent\",\"class\":\"result\",\"fields\":[{\"name\":\"id\",\"kind\":\"string\"}]},"
    "{\"tag\":9,\"type\":\"refused\",\"class\":\"result\",\"fields\":[{\"name\":\"reason\",\"kind\":\"choice\",\"values\":[\"empty\",\"too_long\",\"invalid_utf8\",\"outbox_full\",\"closed\"]},{\"name\":\"message\",\"kind\":\"string\"}]},"
    "{\"tag\":10,\"type\":\"rejected\",\"class\":\"result\",\"fields\":[{\"name\":\"name\",\"kind\":\"string\"},{\"name\":\"message\",\"kind\":\"string\"}]},"
    "{\"tag\":11,\"type\":\"created\",\"class\":\"result\",\"fields\":[{\"name\":\"handle\",\"kind\":\"number\"}]},"
    "{\"tag\":12,\"type\":\"url_request\",\"class\":\"request\",\"fields\":[{\"name\":\"request\",\"kind\":\"number\"}]}"
    "]}";
}

std::uint32_t utf16_length(std::string_view text) noexcept {
  std::uint32_t units = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) units += byte >= 0xF0 ? 2 : 1;
  }
  return units;
}

}  // namespace wasmchat::chat
