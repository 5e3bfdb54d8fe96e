#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chat/protocol.hpp"

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
