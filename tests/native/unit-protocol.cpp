#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chat/overloaded.hpp"
#include "chat/protocol.hpp"
#include "differential.hpp"
#include "reference_json.hpp"

namespace protocol = wasmchat::chat::protocol;

namespace {
template <class T>
const T& as(const protocol::ServerEnvelope& envelope) {
  REQUIRE(std::holds_alternative<T>(envelope));
  return std::get<T>(envelope);
}
bool refused(std::string_view frame) { return std::holds_alternative<protocol::DecodeError>(protocol::decode(frame)); }
}  // namespace

TEST_CASE("decode: every server envelope type") {
  const auto message = protocol::decode(
      R"({"type":"message","seq":7,"id":"abc-1","from":"ana","text":"hi \u0000 😀","time":1700000000000,"extra":true})");
  CHECK(as<protocol::ChatMessage>(message).seq == 7);
  CHECK(as<protocol::ChatMessage>(message).text == std::string("hi \0 \xF0\x9F\x98\x80", 9));
  CHECK(as<protocol::ChatMessage>(message).from == "ana");

  const auto welcome = protocol::decode(
      R"({"type":"welcome","session":"s1","name":"guest-1","online":2,)"
      R"("history":[{"type":"message","seq":1,"id":"x","from":"bo","text":"yo","time":1}],)"
      R"("limits":{"maxCodePoints":50,"maxFrameBytes":65536,"messagesPerSecond":20}})");
  CHECK(as<protocol::Welcome>(welcome).name == "guest-1");
  CHECK(as<protocol::Welcome>(welcome).history.size() == 1);
  CHECK(as<protocol::Welcome>(welcome).limits.max_code_points == 50);

  CHECK(as<protocol::Ack>(protocol::decode(R"({"type":"ack","id":"a-1","seq":3})")).seq == 3);
  CHECK(as<protocol::Presence>(protocol::decode(R"({"type":"presence","online":4})")).online == 4);
  CHECK(as<protocol::NameAssigned>(protocol::decode(R"({"type":"name","name":"zoé"})")).name == "zo\xC3\xA9");
  CHECK(as<protocol::Pong>(protocol::decode(R"({"type":"pong","nonce":9})")).nonce == 9);
  const auto error = protocol::decode(R"({"type":"error","code":"rate_limited","message":"slow down","id":"a-2"})");
  CHECK(as<protocol::ServerError>(error).code == "rate_limited");
  CHECK(as<protocol::ServerError>(error).id == "a-2");
}

TEST_CASE("decode refuses malformed frames without throwing") {
  for (const char* frame : {"", "nul", "{", "[]", "\"message\"", "42", "{}", R"({"type":1})",
                            R"({"type":"teleport"})", R"({"type":"message"})",
                            R"({"type":"message","seq":"1","id":"a","from":"b","text":"c","time":1})",
                            R"({"type":"message","seq":0,"id":"a","from":"b","text":"c","time":1})",
                            R"({"type":"message","seq":1.5,"id":"a","from":"b","text":"c","time":1})",
                            R"({"type":"message","seq":-1,"id":"a","from":"b","text":"c","time":1})",
                            R"({"type":"message","seq":1,"id":"a b","from":"b","text":"c","time":1})",
                            R"({"type":"message","seq":1,"id":"a","from":"","text":"c","time":1})",
                            R"({"type":"message","seq":1,"id":"a","from":"b","text":null,"time":1})",
                            R"({"type":"ack","id":"a"})", R"({"type":"presence","online":true})",
                            R"({"type":"welcome","session":"s","name":"n","online":1,"history":{},"limits":{}})",
                            R"({"type":"welcome","session":"s","name":"n","online":1,"history":[1],)"
                            R"("limits":{"maxCodePoints":1,"maxFrameBytes":1,"messagesPerSecond":1}})",
                            R"({"type":"error","code":"x","message":"y","id":7})", "{\"type\":\"pong\",\"nonce\":\xFF}"}) {
    CAPTURE(frame);
    CHECK(refused(frame));
  }
}

TEST_CASE("decode refuses a raw NUL (nlohmann would stop there), integers above 2^53-1 and empty text") {
  CHECK(refused(std::string(R"({"type":"pong","nonce":1})") + '\0' + "garbage"));
  CHECK(refused(R"({"type":"presence","online":9007199254740992})"));
  CHECK_FALSE(refused(R"({"type":"presence","online":9007199254740991})"));
  CHECK(refused(R"({"type":"ack","id":"a","seq":18446744073709551615})"));
  CHECK(refused(R"({"type":"message","seq":1,"id":"a","from":"b","text":"","time":1})"));
}

TEST_CASE("decode refuses hostile nesting before parsing it") {
  std::string deep(100'000, '[');
  deep += std::string(100'000, ']');
  CHECK(refused(deep));
  std::string in_object = R"({"type":"pong","nonce":1,"x":)" + deep + "}";
  CHECK(refused(in_object));
  // Brackets inside strings are text, not nesting.
  CHECK_FALSE(refused(R"({"type":"pong","nonce":1,"x":"[[[[[[[[[[[[[[[[[[[[[["})"));
}

TEST_CASE("encoders produce envelopes the server reads back") {
  CHECK(protocol::encode_say("a-1", "hi \"you\"") == R"({"id":"a-1","text":"hi \"you\"","type":"say"})");
  CHECK(protocol::encode_nick("ana") == R"({"name":"ana","type":"nick"})");
  CHECK(protocol::encode_ping(3) == R"({"nonce":3,"type":"ping"})");
  CHECK(protocol::encode_say("a-1", std::string("a\0b", 3)) == R"({"id":"a-1","text":"a\u0000b","type":"say"})");
}

TEST_CASE("batch and welcome features") {
  const protocol::SayItem items[] = {{"a-1", "one"}, {"a-2", "two"}};
  CHECK(protocol::encode_batch(items) ==
        R"({"items":[{"id":"a-1","text":"one","type":"say"},{"id":"a-2","text":"two","type":"say"}],"type":"batch"})");
  const std::string head = R"({"type":"welcome","session":"s","name":"n","online":1,"history":[],)"
                           R"("limits":{"maxCodePoints":1,"maxFrameBytes":1,"messagesPerSecond":1})";
  CHECK(as<protocol::Welcome>(protocol::decode(head + R"(,"features":["batch","x"]})")).features ==
        std::vector<std::string>{"batch", "x"});
  CHECK(as<protocol::Welcome>(protocol::decode(head + "}")).features.empty());
  CHECK(refused(head + R"(,"features":"batch"})"));
  CHECK(refused(head + R"(,"features":[1]})"));
}

TEST_CASE("client ids") {
  CHECK(protocol::is_valid_id("abcd1234-17"));
  CHECK(protocol::is_valid_id(std::string(64, 'a')));
  CHECK_FALSE(protocol::is_valid_id(std::string(65, 'a')));
  CHECK_FALSE(protocol::is_valid_id(""));
  CHECK_FALSE(protocol::is_valid_id("a.b"));
}

// --- The SAX decoder and JsonWriter encoders against the DOM code they replaced ---

namespace {

std::string describe(const protocol::ChatMessage& m) {
  return "message{" + std::to_string(m.seq) + "," + m.id + "," + m.from + "," + m.text + "," + std::to_string(m.time) + "}";
}

/// Every field of a decoded envelope, as one string to compare.
std::string describe(const protocol::ServerEnvelope& envelope) {
  using namespace protocol;
  return std::visit(
      wasmchat::chat::Overloaded{
          [](const DecodeError& e) { return "error:" + e.message; },
          [](const Welcome& w) {
            std::string out = "welcome{" + w.session + "," + w.name + "," + std::to_string(w.online) + "," +
                              std::to_string(w.limits.max_code_points) + "," + std::to_string(w.limits.max_frame_bytes) +
                              "," + std::to_string(w.limits.messages_per_second) + ",[";
            for (const auto& m : w.history) out += describe(m) + ";";
            out += "],[";
            for (const auto& f : w.features) out += f + ";";
            return out + "]}";
          },
          [](const ChatMessage& m) { return describe(m); },
          [](const Ack& a) { return "ack{" + a.id + "," + std::to_string(a.seq) + "}"; },
          [](const Presence& p) { return "presence{" + std::to_string(p.online) + "}"; },
          [](const NameAssigned& n) { return "name{" + n.name + "}"; },
          [](const Pong& p) { return "pong{" + std::to_string(p.nonce) + "}"; },
          [](const ServerError& e) { return "server_error{" + e.code + "," + e.message + "," + e.id + "}"; },
          [](const Batch& b) {
            std::string out = "batch{[";
            for (const auto& m : b.messages) out += describe(m) + ";";
            out += "],";
            if (b.ack) out += "ack{" + b.ack->id + "," + std::to_string(b.ack->seq) + "}";
            return out + "}";
          },
      },
      envelope);
}

const std::vector<std::string> decode_seeds = {
    R"({"type":"message","seq":7,"id":"abc-1","from":"ana","text":"hi \u0000 😀","time":1700000000000,"extra":[1,{"a":null}]})",
    R"({"type":"welcome","session":"s1","name":"guest-1","online":2,"history":[{"type":"message","seq":1,"id":"x","from":"bo","text":"yo","time":1},{"seq":2,"id":"y","from":"cy","text":"\"q\"","time":2}],"limits":{"maxCodePoints":50,"maxFrameBytes":65536,"messagesPerSecond":20},"features":["batch","x"]})",
    R"({"history":[],"limits":{"messagesPerSecond":1,"maxCodePoints":1,"maxFrameBytes":1},"features":[],"type":"welcome","session":"s","name":"n","online":0})",
    R"({"type":"welcome","session":"s","name":"n","online":1,"history":[1,{"seq":1}],"limits":{"maxCodePoints":1,"maxFrameBytes":1,"messagesPerSecond":1},"features":[true]})",
    R"({"type":"welcome","session":"s","name":"n","online":1,"history":[],"history":[{"seq":1,"id":"a","from":"b","text":"c","time":1,"seq":2}],"limits":{},"limits":{"maxCodePoints":1,"maxFrameBytes":1,"messagesPerSecond":1}})",
    R"({"type":"ack","id":"a-1","seq":3})",
    R"({"type":"batch","messages":[{"type":"message","seq":4,"id":"m-1","from":"ana","text":"one","time":5},{"seq":5,"id":"m-2","from":"bo","text":"two","time":6}],"ack":{"id":"a-9","seq":5}})",
    R"({"type":"batch","ack":{"seq":1,"id":"z"},"messages":[]})",
    R"({"type":"batch","messages":[{"seq":0}],"ack":[]})",
    R"({"type":"presence","online":9007199254740991})",
    R"({"type":"name","name":"zo\u00e9"})",
    R"({"type":"pong","nonce":9,"nonce":10})",
    R"({"type":"error","code":"rate_limited","message":"slow down","id":"a-2"})",
    R"({"type":"error","code":"x","message":"y","id":null})",
    R"({"type":"message","seq":1,"id":"a","from":"b","text":"c","time":1,"type":"teleport-and-a-very-long-name-beyond-32-bytes"})",
    R"([{"type":"pong","nonce":1}])",
    R"({"type":"message","seq":-1,"id":"a","from":"b","text":"c","time":1.5e3})",
};

}  // namespace

TEST_CASE("decode (SAX) answers exactly what the DOM decoder answered, for seeds and their mutations") {
  std::size_t compared = 0;
  std::size_t differing = 0;
  std::string first_difference;
  wasmchat::testing::for_each_mutation(decode_seeds, [&](const std::string& frame) {
    ++compared;
    const auto ours = describe(protocol::decode(frame));
    const auto reference = describe(wasmchat::testing::reference::decode(frame));
    if (ours != reference && differing++ == 0) first_difference = frame + "\n  ours: " + ours + "\n  was:  " + reference;
  });
  CAPTURE(first_difference);
  CHECK(compared > 10'000);
  CHECK(differing == 0);
}

TEST_CASE("encoders (JsonWriter) write exactly what nlohmann's dump wrote, whatever the bytes") {
  std::vector<std::string> texts = {"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t\x01\x1f\x7f",
                                    std::string("nul\0nul", 7), "é 😀 \xEF\xBF\xBD", "\xFF", "\xC3", "\xE2\x82",
                                    "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF", "a\xF0\x9F\x98", "\xE0\x80\xAF"};
  // Every one- and two-byte string over bytes that matter to UTF-8 and JSON.
  constexpr char interesting[] = "\x00\x1f \"\\a\x7f\x80\xbf\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xff";
  const std::string bytes(interesting, sizeof interesting - 1);
  REQUIRE(bytes.size() == 18);
  for (const char a : bytes) {
    texts.emplace_back(1, a);
    for (const char b : bytes) texts.push_back(std::string{a, b});
  }
  namespace reference = wasmchat::testing::reference;
  for (const auto& text : texts) {
    CAPTURE(text);
    REQUIRE(protocol::encode_say("a-1", text) == reference::encode_say("a-1", text));
    REQUIRE(protocol::encode_nick(text) == reference::encode_nick(text));
  }
  for (const std::uint64_t nonce : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1} << 53, ~std::uint64_t{0}}) {
    CHECK(protocol::encode_ping(nonce) == reference::encode_ping(nonce));
  }
  std::vector<protocol::SayItem> items;
  for (std::size_t i = 0; i < texts.size() && i < protocol::max_batch_items; ++i) items.push_back({"b", texts[i]});
  CHECK(protocol::encode_batch(items) == reference::encode_batch(items));
  CHECK(protocol::encode_batch({}) == reference::encode_batch({}));
}
