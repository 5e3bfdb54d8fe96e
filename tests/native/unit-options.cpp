// parse_options: the JS options object, read through nlohmann's SAX interface.
#include <doctest/doctest.h>

#include <string>

#include "chat/options.hpp"
#include "differential.hpp"
#include "reference_json.hpp"

using wasmchat::chat::ChatOptions;
using wasmchat::chat::parse_options;

namespace {

std::string describe(const wasmchat::Result<ChatOptions>& result) {
  if (!result) return "error:" + std::string(wasmchat::to_string(result.error().name)) + ":" + result.error().message;
  const auto& o = result.value();
  return o.url + "|" + o.nickname + "|" + std::to_string(o.max_message_code_points) + "|" +
         std::to_string(o.max_incoming_bytes) + "|" + std::to_string(o.high_water_mark_bytes) + "|" +
         std::to_string(o.retry_interval_ms) + "|" + std::to_string(o.max_outbox_messages) + "|" +
         std::to_string(o.max_outbox_bytes) + "|" + std::to_string(o.reconnect_min_ms) + "|" +
         std::to_string(o.reconnect_max_ms) + "|" + std::to_string(o.greeting_timeout_ms) + "|" +
         std::to_string(o.heartbeat_interval_ms) + "|" + std::to_string(o.heartbeat_timeout_ms);
}

}  // namespace

TEST_CASE("options: JS names, defaults kept for missing and null, typed refusals") {
  const auto parsed = parse_options(R"({"server":"wss://x/ws","nickname":"ana","maxLength":100,"heartbeatTimeout":null})");
  REQUIRE(parsed.ok());
  CHECK(parsed.value().url == "wss://x/ws");
  CHECK(parsed.value().nickname == "ana");
  CHECK(parsed.value().max_message_code_points == 100);
  CHECK(parsed.value().heartbeat_timeout_ms == ChatOptions{}.heartbeat_timeout_ms);
  CHECK(parse_options("[]").error().message == "The options must be an object.");
  CHECK(parse_options("{").error().message == "The options must be an object.");
  CHECK(parse_options(R"({"maxLength":0})").error().message == "The option 'maxLength' must be a positive integer.");
  CHECK(parse_options(R"({"maxLength":1.5})").error().message == "The option 'maxLength' must be a positive integer.");
  CHECK(parse_options(R"({"server":{}})").error().message == "The option 'server' must be a string.");
  CHECK(parse_options(R"({"maxLenght":5})").error().message == "Unknown option 'maxLenght'.");
  // The first bad option in key order is the one named, whatever the order given.
  CHECK(parse_options(R"({"zz":1,"aa":1})").error().message == "Unknown option 'aa'.");
}

TEST_CASE("options (SAX) answer exactly what the DOM reader answered, for seeds and their mutations") {
  const std::vector<std::string> seeds = {
      R"({"server":"ws://a/b","nickname":"n","maxLength":7,"maxIncomingBytes":8,"highWaterMark":9,"retryInterval":10})",
      R"({"maxOutboxMessages":11,"maxOutboxBytes":12,"reconnectMinDelay":13,"reconnectMaxDelay":14,"greetingTimeout":15})",
      R"({"heartbeatInterval":16,"heartbeatTimeout":17,"heartbeatInterval":18,"server":null,"nickname":[1,{"x":2}]})",
      R"({"zz":1,"aa":"x","maxLength":-1})",
  };
  std::size_t compared = 0;
  std::size_t differing = 0;
  std::string first_difference;
  wasmchat::testing::for_each_mutation(seeds, [&](const std::string& text) {
    ++compared;
    const auto ours = describe(parse_options(text));
    const auto reference = describe(wasmchat::testing::reference::parse_options(text));
    if (ours != reference && differing++ == 0) first_difference = text + "\n  ours: " + ours + "\n  was:  " + reference;
  });
  CAPTURE(first_difference);
  CHECK(compared > 5'000);
  CHECK(differing == 0);
}
