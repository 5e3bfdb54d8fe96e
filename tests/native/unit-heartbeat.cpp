// Pings on a fake clock: the interval, the deadline from the first unanswered
// ping, answers, and stopping.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "chat/heartbeat.hpp"
#include "fake_scheduler.hpp"

using wasmchat::chat::Heartbeat;
using wasmchat::testing::FakeScheduler;

namespace {

struct Probe {
  FakeScheduler scheduler;
  std::vector<std::uint64_t> pings;
  int timeouts = 0;
  bool connected = true;
  Heartbeat heartbeat;

  Probe(wasmchat::chat::Millis interval, wasmchat::chat::Millis timeout)
      : heartbeat(
            scheduler, interval, timeout,
            [this](std::uint64_t nonce) {
              if (!connected) return false;
              pings.push_back(nonce);
              return true;
            },
            [this] { ++timeouts; }) {}
};

}  // namespace

TEST_CASE("heartbeat: a ping every interval, nonces counting from 1, answered pings keep it going") {
  Probe p(1000, 500);
  p.heartbeat.start();
  CHECK(p.heartbeat.running());
  p.scheduler.advance(999);
  CHECK(p.pings.empty());
  for (int i = 0; i < 5; ++i) {
    p.scheduler.advance(1);
    CHECK(p.heartbeat.awaiting_answer());
    p.heartbeat.frame_received();
    CHECK_FALSE(p.heartbeat.awaiting_answer());
    p.scheduler.advance(999);
  }
  CHECK(p.pings == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(p.timeouts == 0);
}

TEST_CASE("heartbeat: silence for the timeout after a ping times out once and stops") {
  Probe p(1000, 500);
  p.heartbeat.start();
  p.scheduler.advance(1499);
  CHECK(p.timeouts == 0);
  p.scheduler.advance(1);
  CHECK(p.timeouts == 1);
  CHECK_FALSE(p.heartbeat.running());
  CHECK_FALSE(p.heartbeat.awaiting_answer());
  p.scheduler.advance(10'000);
  CHECK(p.timeouts == 1);
  CHECK(p.pings.size() == 1);
  CHECK(p.scheduler.pending() == 0);
}

TEST_CASE("heartbeat: a timeout longer than the interval runs from the first unanswered ping") {
  Probe p(1000, 2500);
  p.heartbeat.start();
  p.scheduler.advance(3000);  // pings at 1000, 2000, 3000; deadline at 3500
  CHECK(p.pings.size() == 3);
  CHECK(p.timeouts == 0);
  p.scheduler.advance(500);
  CHECK(p.timeouts == 1);
}

TEST_CASE("heartbeat: with no connection to ping it stops, and start() resumes the nonces") {
  Probe p(1000, 500);
  p.heartbeat.start();
  p.scheduler.advance(1000);
  p.heartbeat.frame_received();
  p.connected = false;
  p.scheduler.advance(1000);
  CHECK_FALSE(p.heartbeat.running());
  CHECK_FALSE(p.heartbeat.awaiting_answer());
  CHECK(p.timeouts == 0);
  p.connected = true;
  p.heartbeat.start();
  p.scheduler.advance(1000);
  CHECK(p.pings == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("heartbeat: stop() cancels the next ping and a pending deadline") {
  Probe p(1000, 500);
  p.heartbeat.start();
  p.scheduler.advance(1000);
  REQUIRE(p.heartbeat.awaiting_answer());
  p.heartbeat.stop();
  CHECK(p.scheduler.pending() == 0);
  p.scheduler.advance(10'000);
  CHECK(p.timeouts == 0);
  CHECK(p.pings.size() == 1);
}
