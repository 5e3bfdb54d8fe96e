// protocol::decode() on arbitrary bytes: it must never crash or throw, and
// whatever it decodes must satisfy docs/protocol.md: valid UTF-8 strings,
// valid ids and nicknames, seq >= 1. A decoded envelope written back as JSON
// decodes to the same value, and decode() answers exactly what the DOM-based
// decoder it replaced answered. The encoders never throw either, whatever
// the bytes, and always produce valid UTF-8 JSON, the bytes nlohmann's dump wrote.
//
// Input: the whole input is one text frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "chat/overloaded.hpp"
#include "chat/protocol.hpp"
#include "fuzz_support.hpp"
#include "reference_json.hpp"
#include "websocket/utf8.hpp"

namespace protocol = wasmchat::chat::protocol;
namespace utf8 = wasmchat::utf8;
using nlohmann::json;
using wasmchat::fuzz::escaped;

namespace {

std::string where;  // the current input, for the failure messages

void check_text(const std::string& text, const char* field) {
  FUZZ_CHECK(utf8::is_valid(text), std::string(field) + " is not valid UTF-8 (\"" + escaped(text) + "\") in " + where);
}

void check_id(const std::string& id, const char* field) {
  FUZZ_CHECK(protocol::is_valid_id(id), std::string(field) + " is not a client id in " + where);
}

void check_name(const std::string& name, const char* field) {
  check_text(name, field);
  const auto length = utf8::count_code_points(name);
  FUZZ_CHECK(length >= 1 && length <= 24, std::string(field) + " is not 1-24 code points in " + where);
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x20 && u != 0x7F, std::string(field) + " holds a control character in " + where);
  }
}

void check_message(const protocol::ChatMessage& message) {
  FUZZ_CHECK(message.seq >= 1, "message.seq is 0 in " + where);
  check_id(message.id, "message.id");
  check_name(message.from, "message.from");
  check_text(message.text, "message.text");
}

json message_json(const protocol::ChatMessage& m) {
  return json{{"type", "message"}, {"seq", m.seq}, {"id", m.id}, {"from", m.from}, {"text", m.text}, {"time", m.time}};
}

/// The envelope written back as JSON (what a server would have sent).
json reencoded(const protocol::ServerEnvelope& envelope) {
  using namespace protocol;
  return std::visit(
      wasmchat::chat::Overloaded{
          [](const DecodeError&) { return json(); },
          [](const Welcome& w) {
            json history = json::array();
            for (const auto& m : w.history) history.push_back(message_json(m));
            return json{{"type", "welcome"},
                        {"session", w.session},
                        {"name", w.name},
                        {"online", w.online},
                        {"history", history},
                        {"limits",
                         {{"maxCodePoints", w.limits.max_code_points},
                          {"maxFrameBytes", w.limits.max_frame_bytes},
                          {"messagesPerSecond", w.limits.messages_per_second}}},
                        {"features", w.features}};
          },
          [](const ChatMessage& m) { return message_json(m); },
          [](const Ack& a) { return json{{"type", "ack"}, {"id", a.id}, {"seq", a.seq}}; },
          [](const Presence& p) { return json{{"type", "presence"}, {"online", p.online}}; },
          [](const NameAssigned& n) { return json{{"type", "name"}, {"name", n.name}}; },
          [](const Pong& p) { return json{{"type", "pong"}, {"nonce", p.nonce}}; },
          [](const ServerError& e) {
            json out{{"type", "error"}, {"code", e.code}, {"message", e.message}};
            if (!e.id.empty()) out["id"] = e.id;
            return out;
          },
          [](const Batch& b) {
            json messages = json::array();
            for (const auto& m : b.messages) messages.push_back(message_json(m));
            json out{{"type", "batch"}, {"messages", messages}};
            if (b.ack) out["ack"] = json{{"id", b.ack->id}, {"seq", b.ack->seq}};
            return out;
          },
      },
      envelope);
}

bool same(const protocol::ChatMessage& a, const protocol::ChatMessage& b) {
  return a.seq == b.seq && a.id == b.id && a.from == b.from && a.text == b.text && a.time == b.time;
}

bool same(const protocol::ServerEnvelope& a, const protocol::ServerEnvelope& b) {
  using namespace protocol;
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<Welcome>(&a)) {
    const auto& y = std::get<Welcome>(b);
    if (x->history.size() != y.history.size()) return false;
    for (std::size_t i = 0; i < x->history.size(); ++i) {
      if (!same(x->history[i], y.history[i])) return false;
    }
    return x->session == y.session && x->name == y.name && x->online == y.online &&
           x->limits.max_code_points == y.limits.max_code_points &&
           x->limits.max_frame_bytes == y.limits.max_frame_bytes &&
           x->limits.messages_per_second == y.limits.messages_per_second && x->features == y.features;
  }
  if (const auto* x = std::get_if<ChatMessage>(&a)) return same(*x, std::get<ChatMessage>(b));
  if (const auto* x = std::get_if<Ack>(&a)) return x->id == std::get<Ack>(b).id && x->seq == std::get<Ack>(b).seq;
  if (const auto* x = std::get_if<Presence>(&a)) return x->online == std::get<Presence>(b).online;
  if (const auto* x = std::get_if<NameAssigned>(&a)) return x->name == std::get<NameAssigned>(b).name;
  if (const auto* x = std::get_if<Pong>(&a)) return x->nonce == std::get<Pong>(b).nonce;
  if (const auto* x = std::get_if<Batch>(&a)) {
    const auto& y = std::get<Batch>(b);
    if (x->messages.size() != y.messages.size() || x->ack.has_value() != y.ack.has_value()) return false;
    for (std::size_t i = 0; i < x->messages.size(); ++i) {
      if (!same(x->messages[i], y.messages[i])) return false;
    }
    return !x->ack || (x->ack->id == y.ack->id && x->ack->seq == y.ack->seq);
  }
  if (const auto* x = std::get_if<ServerError>(&a)) {
    const auto& y = std::get<ServerError>(b);
    return x->code == y.code && x->message == y.message && x->id == y.id;
  }
  return true;
}

void check_envelope(const protocol::ServerEnvelope& envelope) {
  using namespace protocol;
  std::visit(wasmchat::chat::Overloaded{
                 [](const DecodeError& e) { check_text(e.message, "DecodeError.message"); },
                 [](const Welcome& w) {
                   check_text(w.session, "welcome.session");
                   FUZZ_CHECK(!w.session.empty(), "welcome.session is empty in " + where);
                   check_name(w.name, "welcome.name");
                   for (const auto& f : w.features) check_text(f, "welcome.features[]");
                   for (const auto& m : w.history) check_message(m);
                 },
                 [](const ChatMessage& m) { check_message(m); },
                 [](const Ack& a) { check_id(a.id, "ack.id"); },
                 [](const Presence&) {},
                 [](const NameAssigned& n) { check_name(n.name, "name.name"); },
                 [](const Pong&) {},
                 [](const ServerError& e) {
                   check_text(e.code, "error.code");
                   check_text(e.message, "error.message");
                   if (!e.id.empty()) check_id(e.id, "error.id");
                 },
                 [](const Batch& b) {
                   for (const auto& m : b.messages) check_message(m);
                   if (b.ack) check_id(b.ack->id, "batch.ack.id");
                 },
             },
             envelope);
}

/// An encoder's output: valid UTF-8, one JSON object.
json check_encoded(const std::string& frame, const char* encoder) {
  FUZZ_CHECK(utf8::is_valid(frame), std::string(encoder) + " produced invalid UTF-8 for " + where);
  json parsed = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(parsed.is_object(), std::string(encoder) + " produced no JSON object for " + where);
  return parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  where = "frame \"" + escaped(frame.substr(0, 2000)) + "\"";

  const auto envelope = protocol::decode(frame);
  check_envelope(envelope);

  // The SAX decoder answers what the DOM decoder it replaced answered (tests/native/reference_json.hpp).
  const auto reference = wasmchat::testing::reference::decode(frame);
  const auto* error = std::get_if<protocol::DecodeError>(&envelope);
  FUZZ_CHECK(same(envelope, reference) &&
                 (error == nullptr || error->message == std::get<protocol::DecodeError>(reference).message),
             "decode() differs from the DOM decoder for " + where);

  // Decoding is a function of the bytes alone.
  FUZZ_CHECK(same(protocol::decode(frame), envelope), "decode() is not deterministic for " + where);

  // A decoded envelope, written back as JSON, decodes to the same value.
  if (!std::holds_alternative<protocol::DecodeError>(envelope)) {
    const std::string again = reencoded(envelope).dump();
    const auto redecoded = protocol::decode(again);
    FUZZ_CHECK(same(redecoded, envelope),
               "re-encoding is not stable for " + where + " (re-encoded \"" + escaped(again) + "\")");
  }

  // The encoders take any bytes without throwing; valid text goes through unchanged.
  const json say = check_encoded(protocol::encode_say("id-1", frame), "encode_say");
  if (utf8::is_valid(frame)) {
    FUZZ_CHECK(say.value("text", std::string()) == frame, "encode_say changed valid text for " + where);
  }
  (void)check_encoded(protocol::encode_nick(frame), "encode_nick");
  FUZZ_CHECK(protocol::encode_say("id-1", frame) == wasmchat::testing::reference::encode_say("id-1", frame),
             "encode_say differs from nlohmann's dump for " + where);
  const protocol::SayItem items[] = {{"a", frame}, {"b", frame.substr(0, frame.size() / 2)}};
  const json batch = check_encoded(protocol::encode_batch(items), "encode_batch");
  FUZZ_CHECK(batch.contains("items") && batch["items"].size() == 2, "encode_batch lost items for " + where);
  return 0;
}
