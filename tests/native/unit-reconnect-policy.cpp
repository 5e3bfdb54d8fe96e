#include <doctest/doctest.h>

#include "chat/reconnect_policy.hpp"

using wasmchat::chat::ReconnectPolicy;

TEST_CASE("which closes bring the client back") {
  for (const int code : {1001, 1005, 1006, 1011, 1012, 1013, 1014, 1009, 4009}) {
    CAPTURE(code);
    CHECK(ReconnectPolicy::should_reconnect(static_cast<std::uint16_t>(code)));
  }
  for (const int code : {1000, 1002, 1003, 1007, 1008, 1010, 1015, 4000, 4001, 4999, 3000}) {
    CAPTURE(code);
    CHECK_FALSE(ReconnectPolicy::should_reconnect(static_cast<std::uint16_t>(code)));
  }
}

TEST_CASE("backoff doubles from the minimum to the maximum, jittered in its upper half") {
  const ReconnectPolicy policy(500, 30'000);
  CHECK(policy.delay(0, 0.0) == 250);
  CHECK(policy.delay(0, 0.999) <= 500);
  CHECK(policy.delay(1, 0.0) == 500);
  CHECK(policy.delay(2, 0.0) == 1000);
  CHECK(policy.delay(10, 0.0) == 15'000);
  CHECK(policy.delay(10, 0.999) <= 30'000);
  CHECK(policy.delay(200, 0.5) <= 30'000);  // no overflow for large attempts
  CHECK(policy.delay(3, 0.5) > policy.delay(3, 0.1));
}
