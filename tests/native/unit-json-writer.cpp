// JsonWriter: the encoders' JSON, and the event JSON (chat_event's to_json),
// byte-for-byte what nlohmann's dump wrote before.
#include <doctest/doctest.h>

#include <string>

#include "chat/chat_event.hpp"
#include "chat/json_writer.hpp"
#include "reference_json.hpp"

using wasmchat::chat::JsonWriter;

TEST_CASE("json writer: commas, nesting, numbers, literals") {
  JsonWriter out;
  out.begin_object().key("a").begin_array().number(0).number(18446744073709551615u).boolean(true).null();
  out.begin_object().end_object().begin_array().end_array().end_array().key("b").string("x").end_object();
  CHECK(out.take() == R"({"a":[0,18446744073709551615,true,null,{},[]],"b":"x"})");
}

TEST_CASE("json writer: escapes only what JSON needs and repairs ill-formed UTF-8") {
  JsonWriter out;
  out.string(std::string("\"\\/\b\f\n\r\t\x01\x1f\x7f\0é", 14));
  CHECK(out.take() == "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\\u0000é\"");
  out.string("a\xFF" "b\xE2\x82" "c");
  CHECK(out.take() == "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\"");
}

TEST_CASE("event JSON (to_json) is what nlohmann's dump wrote") {
  using namespace wasmchat::chat;
  const std::string odd = std::string("é\"\\\n\x01\xFF\0", 8);
  const ChatEvent events[] = {
      Opened{Mode::v1, "ana"},
      Opened{Mode::plain, ""},
      Received{7, "abc-1", "bo", odd, 1700000000000},
      OwnMessageChanged{"id-1", "hi", DeliveryState::failed, "rate_limited"},
      OwnMessageChanged{"id-2", "", DeliveryState::delivered, ""},
      StatusChanged{ConnectionState::reconnecting, Mode::unknown, odd, 3},
      ErrorOccurred{"missed_messages", odd},
      Closed{1006, odd, false, 750},
      Closed{1000, "", true, std::nullopt},
      Drained{},
  };
  for (const auto& event : events) {
    CAPTURE(event.index());
    CHECK(to_json(event) == wasmchat::testing::reference::to_json(event));
  }
}
