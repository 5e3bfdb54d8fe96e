// Server seq numbers: replays after a reconnection, gaps, restarted servers.
#include <doctest/doctest.h>

#include "chat/sequence_tracker.hpp"

using wasmchat::chat::SequenceTracker;

TEST_CASE("sequence tracker: joining midway, the first seq is a fine start; then one by one") {
  SequenceTracker tracker;
  tracker.welcome("s1");
  auto first = tracker.observe(41);
  CHECK(first.missed == 0);
  CHECK_FALSE(first.replay);
  for (std::uint64_t seq = 42; seq < 50; ++seq) {
    const auto next = tracker.observe(seq);
    CHECK(next.missed == 0);
    CHECK_FALSE(next.replay);
  }
  CHECK(tracker.last_seq() == 49);
}

TEST_CASE("sequence tracker: a jump counts the messages that will never arrive") {
  SequenceTracker tracker;
  tracker.welcome("s1");
  (void)tracker.observe(1);
  const auto jump = tracker.observe(5);
  CHECK(jump.missed == 3);
  CHECK_FALSE(jump.replay);
  CHECK(tracker.observe(6).missed == 0);
}

TEST_CASE("sequence tracker: history replayed after reconnecting to the same session is a replay, not a gap") {
  SequenceTracker tracker;
  tracker.welcome("s1");
  for (std::uint64_t seq = 1; seq <= 5; ++seq) (void)tracker.observe(seq);
  tracker.welcome("s1");  // reconnected, same server
  for (std::uint64_t seq = 3; seq <= 5; ++seq) {
    const auto again = tracker.observe(seq);
    CHECK(again.replay);
    CHECK(again.missed == 0);
  }
  const auto fresh = tracker.observe(6);
  CHECK_FALSE(fresh.replay);
  CHECK(fresh.missed == 0);
  CHECK(tracker.last_seq() == 6);
}

TEST_CASE("sequence tracker: a restarted server starts seq again, and its seq 1 onwards is ours to see") {
  SequenceTracker tracker;
  tracker.welcome("s1");
  for (std::uint64_t seq = 1; seq <= 9; ++seq) (void)tracker.observe(seq);
  tracker.welcome("s2");
  CHECK(tracker.last_seq() == 0);
  const auto restarted = tracker.observe(1);
  CHECK_FALSE(restarted.replay);  // seq 1 of s2 is new, although s1 had one
  CHECK(restarted.missed == 0);

  SequenceTracker late;
  late.welcome("s1");
  (void)late.observe(1);
  late.welcome("s2");
  // The new session's first messages left its history before we came back.
  CHECK(late.observe(4).missed == 3);
  CHECK(late.observe(5).missed == 0);
}
