// EventBatch: the bytes of a batch, read back through the layout description
// (as web/event-batch.js reads them), so writer and description must agree.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "chat/event_batch.hpp"
#include "websocket/utf8.hpp"

using namespace wasmchat::chat;
using nlohmann::json;

namespace {

/// The UTF-16 code units of valid UTF-8, decoded the slow way.
std::u16string to_utf16(std::string_view text) {
  std::u16string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = length == 1 ? b : b & (0x7Fu >> length);
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += length;
    if (cp >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string to_utf8(std::u16string_view units) {
  std::string out;
  for (std::size_t i = 0; i < units.size(); ++i) {
    char32_t cp = units[i];
    if (cp >= 0xD800 && cp < 0xDC00) cp = 0x10000 + ((cp - 0xD800) << 10) + (units[++i] - 0xDC00);
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

/// Reads a finished batch into JSON objects, driven only by the description.
json read(std::span<const std::uint8_t> bytes) {
  const json layout = json::parse(describe_batch_layout());
  std::uint32_t records_bytes = 0;
  std::uint32_t text_bytes = 0;
  REQUIRE(bytes.size() >= 8);
  std::memcpy(&records_bytes, bytes.data(), 4);
  std::memcpy(&text_bytes, bytes.data() + 4, 4);
  REQUIRE(bytes.size() == 8 + records_bytes + text_bytes);
  const std::u16string text = to_utf16(
      std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8 + records_bytes, text_bytes));
  std::size_t at = 8;
  std::size_t text_at = 0;
  json out = json::array();
  while (at < 8 + records_bytes) {
    const std::uint8_t tag = bytes[at++];
    const json* spec = nullptr;
    for (const auto& record : layout["records"]) if (record["tag"] == tag) spec = &record;
    REQUIRE(spec != nullptr);
    json record = {{"type", (*spec)["type"]}};
    for (const auto& field : (*spec)["fields"]) {
      const std::string kind = field["kind"];
      const std::string name = field["name"];
      if (kind == "number" || kind == "nullable") {
        double value = 0;
        std::memcpy(&value, bytes.data() + at, 8);
        at += 8;
        record[name] = std::isnan(value) ? json(nullptr) : json(value);
      } else if (kind == "boolean") {
        record[name] = bytes[at++] != 0;
      } else if (kind == "choice") {
        record[name] = field["values"].at(bytes[at++]);
      } else if (kind == "constant") {
        record[name] = field["value"];
      } else {
        REQUIRE(kind == "string");
        std::uint32_t units = 0;
        std::memcpy(&units, bytes.data() + at, 4);
        at += 4;
        REQUIRE(text_at + units <= text.size());
        record[name] = to_utf8(std::u16string_view(text).substr(text_at, units));
        text_at += units;
      }
    }
    out.push_back(record);
  }
  CHECK(text_at == text.size());
  return out;
}

}  // namespace

TEST_CASE("an empty batch is the two lengths") {
  EventBatch batch;
  CHECK(batch.empty());
  const auto bytes = batch.finish();
  CHECK(bytes.size() == 8);
  CHECK(read(bytes).empty());
}

TEST_CASE("every event reads back as the JS face's detail") {
  EventBatch batch;
  batch.append(ChatEvent{Opened{Mode::v1, "ana"}});
  batch.append(ChatEvent{Received{7, "m-1", "bo", "hi \xF0\x9F\x98\x80 there", 1700000000123}});
  batch.append(ChatEvent{OwnMessageChanged{"c-1", "mine", DeliveryState::delivered, ""}});
  batch.append(ChatEvent{StatusChanged{ConnectionState::offline, Mode::plain, "", 3, false}});
  batch.append(ChatEvent{ErrorOccurred{"missed_messages", "gap"}});
  batch.append(ChatEvent{Closed{1006, "", false, std::nullopt}});
  batch.append(ChatEvent{Closed{1000, "bye", true, 500}});
  batch.append(ChatEvent{Drained{}});
  CHECK_FALSE(batch.empty());
  const json events = read(batch.finish());
  REQUIRE(events.size() == 8);
  CHECK(events[0] == json{{"type", "open"}, {"mode", "v1"}, {"name", "ana"}});
  CHECK(events[1] == json{{"type", "message"}, {"own", false}, {"seq", 7}, {"id", "m-1"}, {"from", "bo"},
                          {"text", "hi \xF0\x9F\x98\x80 there"}, {"time", 1700000000123.0}});
  CHECK(events[2] == json{{"type", "message"}, {"own", true}, {"id", "c-1"}, {"text", "mine"},
                          {"state", "delivered"}, {"reason", ""}});
  CHECK(events[3] == json{{"type", "status"}, {"state", "offline"}, {"mode", "plain"}, {"name", ""},
                          {"online", 3}, {"network", "offline"}});
  CHECK(events[4] == json{{"type", "error"}, {"code", "missed_messages"}, {"message", "gap"}});
  CHECK(events[5] == json{{"type", "close"}, {"code", 1006}, {"reason", ""}, {"wasClean", false},
                          {"reconnectIn", nullptr}});
  CHECK(events[6]["reconnectIn"] == 500);
  CHECK(events[6]["wasClean"] == true);
  CHECK(events[7] == json{{"type", "drain"}});
}

TEST_CASE("results and requests travel in the same batch") {
  EventBatch batch;
  batch.append(SendAccepted{"c-9"});
  batch.append(SendRejected{SendFailure::outbox_full, "The outbox is full."});
  batch.append(CallRejected{"SyntaxError", "bad URL"});
  batch.append(ChatCreated{4096});
  batch.append(UrlRequested{3});
  const json records = read(batch.finish());
  CHECK(records[0] == json{{"type", "sent"}, {"id", "c-9"}});
  CHECK(records[1] == json{{"type", "refused"}, {"reason", "outbox_full"}, {"message", "The outbox is full."}});
  CHECK(records[2] == json{{"type", "rejected"}, {"name", "SyntaxError"}, {"message", "bad URL"}});
  CHECK(records[3] == json{{"type", "created"}, {"handle", 4096}});
  CHECK(records[4] == json{{"type", "url_request"}, {"request", 3}});
}

TEST_CASE("clear starts the next batch; the buffer is reused") {
  EventBatch batch;
  batch.append(ChatEvent{ErrorOccurred{"a", "b"}});
  (void)batch.finish();
  batch.clear();
  CHECK(batch.empty());
  batch.append(ChatEvent{Drained{}});
  const json records = read(batch.finish());
  CHECK(records == json::array({json{{"type", "drain"}}}));
}

TEST_CASE("text is sliced by UTF-16 length: NUL, BOM, astral, and ill-formed input as TextDecoder decodes it") {
  const std::string nul("a\0b", 3);
  const std::string ill = "x\xE2\x82";  // a truncated sequence: one U+FFFD, as TextDecoder gives
  EventBatch batch;
  batch.append(ChatEvent{ErrorOccurred{nul, "\xEF\xBB\xBFlead"}});
  batch.append(ChatEvent{ErrorOccurred{ill, "\xAC" "after"}});
  const json records = read(batch.finish());
  CHECK(records[0]["code"] == nul);
  CHECK(records[0]["message"] == "\xEF\xBB\xBFlead");
  // Each field is made well-formed alone: the stray bytes never join across fields.
  CHECK(records[1]["code"] == wasmchat::utf8::to_valid(ill));
  CHECK(records[1]["message"] == "\xEF\xBF\xBD" "after");
}

TEST_CASE("utf16_length counts surrogate pairs for astral code points") {
  CHECK(utf16_length("") == 0);
  CHECK(utf16_length("abc") == 3);
  CHECK(utf16_length("\xC3\xA9") == 1);
  CHECK(utf16_length("\xE2\x82\xAC") == 1);
  CHECK(utf16_length("\xF0\x9F\x98\x80") == 2);
}

TEST_CASE("the exported layout constant is the description of the table") {
  CHECK(std::string_view(batch_layout()) == describe_batch_layout());
}

TEST_CASE("the layout pins every enum value by name") {
  const json layout = json::parse(describe_batch_layout());
  const auto field = [&](std::string_view type, int tag, std::string_view name) {
    for (const auto& record : layout["records"]) {
      if (record["type"] != type || record["tag"] != tag) continue;
      for (const auto& f : record["fields"]) if (f["name"] == name) return f;
    }
    FAIL("no such field");
    return json();
  };
  CHECK(field("message", 3, "state")["values"] == json{"queued", "sent", "delivered", "failed"});
  CHECK(field("status", 4, "state")["values"] ==
        json{"connecting", "greeting", "open", "reconnecting", "offline", "closed"});
  CHECK(field("status", 4, "mode")["values"] == json{"unknown", "v1", "plain"});
  CHECK(field("status", 4, "network")["values"] == json{"offline", "online"});
  CHECK(field("refused", 9, "reason")["values"] ==
        json{"empty", "too_long", "invalid_utf8", "outbox_full", "closed"});
  // The names come from to_string(), which the values index.
  CHECK(to_string(static_cast<DeliveryState>(3)) == "failed");
  CHECK(to_string(static_cast<SendFailure>(3)) == "outbox_full");
  CHECK(to_string(static_cast<ConnectionState>(4)) == "offline");
}

#if defined(WASMCHAT_SOURCE_DIR)
#include <fstream>
#include <set>
#include <sstream>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The 'quoted' literals of one line.
std::set<std::string> literals(std::string_view line) {
  std::set<std::string> out;
  for (std::size_t at = line.find('\''); at != std::string_view::npos; at = line.find('\'', at)) {
    const auto end = line.find('\'', at + 1);
    if (end == std::string_view::npos) break;
    out.emplace(line.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return out;
}

}  // namespace

// The .d.ts is written by hand; this keeps it to the one table: every event
// field with its JS type, every choice as a union of exactly its names.
TEST_CASE("web/index.d.ts declares each event as the batch layout defines it") {
  const std::string dts = read_file(std::string(WASMCHAT_SOURCE_DIR) + "/web/index.d.ts");
  REQUIRE_FALSE(dts.empty());
  std::vector<std::string> lines;
  for (std::stringstream in(dts); !in.eof();) lines.emplace_back(), std::getline(in, lines.back());
  const auto line_with = [&](std::string_view needle) -> std::string {
    for (const auto& line : lines) if (line.find(needle) != std::string::npos) return line;
    return "";
  };
  const json layout = json::parse(describe_batch_layout());
  for (const auto& record : layout["records"]) {
    if (record["class"] != "event") continue;
    const std::string type = record["type"];
    // Where its detail is declared: the event map's line, or for messages the
    // ChatMessageDetail member with the same `own`.
    std::string declared = line_with("  " + type + ": CustomEvent<");
    if (type == "message") {
      const bool own = record["fields"][0]["value"];
      declared = line_with(std::string("| { own: ") + (own ? "true" : "false") + ";");
    }
    INFO("event " << type << ": " << declared);
    REQUIRE_FALSE(declared.empty());
    if (record["fields"].empty()) CHECK(declared.find("Record<string, never>") != std::string::npos);
    for (const auto& field : record["fields"]) {
      const std::string name = field["name"];
      const std::string kind = field["kind"];
      const auto at = declared.find(" " + name + ": ");
      INFO("field " << name);
      REQUIRE(at != std::string::npos);
      const std::string rest = declared.substr(at + name.size() + 3);
      if (kind == "number") CHECK(rest.rfind("number", 0) == 0);
      if (kind == "nullable") CHECK(rest.rfind("number | null", 0) == 0);
      if (kind == "string") CHECK(rest.rfind("string", 0) == 0);
      if (kind == "boolean") CHECK(rest.rfind("boolean", 0) == 0);
      if (kind == "constant") CHECK(rest.rfind(field["value"] == true ? "true" : "false", 0) == 0);
      if (kind == "choice") {
        const std::string alias = rest.substr(0, rest.find_first_of(";} "));
        const std::set<std::string> names(field["values"].begin(), field["values"].end());
        CHECK(literals(line_with("export type " + alias + " = ")) == names);
      }
    }
  }
  // The send results too.
  for (const auto& record : layout["records"]) {
    if (record["type"] != "refused") continue;
    const std::set<std::string> names(record["fields"][0]["values"].begin(), record["fields"][0]["values"].end());
    CHECK(literals(line_with("export type SendFailure = ")) == names);
  }
}
#endif
