// The token bucket that keeps writes below the server's announced rate.
#include <doctest/doctest.h>

#include "chat/send_pacer.hpp"

using wasmchat::chat::Millis;
using wasmchat::chat::SendPacer;

namespace {

/// Tokens taken at `now` until the bucket refuses.
int drain(SendPacer& pacer, Millis now) {
  int taken = 0;
  while (pacer.take(now)) ++taken;
  return taken;
}

}  // namespace

TEST_CASE("send pacer: unpaced until a rate is announced, and for a rate of 0") {
  SendPacer pacer;
  CHECK_FALSE(pacer.paced());
  for (int i = 0; i < 1000; ++i) REQUIRE(pacer.take(0));
  pacer.pace_to(0, 0);
  CHECK_FALSE(pacer.paced());
  for (int i = 0; i < 1000; ++i) REQUIRE(pacer.take(0));
}

TEST_CASE("send pacer: 80% of the server's rate, starting with a full bucket of rate - 1") {
  SendPacer pacer;
  pacer.pace_to(20, 1000);  // 16/s, bucket of 15
  CHECK(pacer.paced());
  CHECK(drain(pacer, 1000) == 15);
  // One token per 62.5 ms: wait() names the time to the next one, rounded up.
  CHECK(pacer.wait() == 63);
  CHECK_FALSE(pacer.take(1062));
  CHECK(pacer.take(1063));
  CHECK_FALSE(pacer.take(1063));
  // Over a second, never more than 16 beyond the bucket.
  int taken = 0;
  for (Millis t = 1063; t <= 2063; ++t) taken += drain(pacer, t);
  CHECK(taken == 16);
}

TEST_CASE("send pacer: idle time refills up to the capacity, not beyond") {
  SendPacer pacer;
  pacer.pace_to(20, 0);
  CHECK(drain(pacer, 0) == 15);
  CHECK(drain(pacer, 60'000) == 15);  // a minute idle still gives one bucket
}

TEST_CASE("send pacer: a slow server still lets one message through at a time") {
  SendPacer pacer;
  pacer.pace_to(1, 0);  // 0.8/s; capacity max(1, -0.2) = 1
  CHECK(drain(pacer, 0) == 1);
  CHECK(pacer.wait() == 1251);  // 1 token / 0.8 per s, rounded up
  CHECK_FALSE(pacer.take(1249));
  CHECK(pacer.take(1251));
}

TEST_CASE("send pacer: a new announcement (a reconnection) refills the bucket") {
  SendPacer pacer;
  pacer.pace_to(20, 0);
  CHECK(drain(pacer, 0) == 15);
  pacer.pace_to(10, 5);  // 8/s, bucket of 7
  CHECK(drain(pacer, 5) == 7);
}
