#include <doctest/doctest.h>

#include "chat/id_hash.hpp"
#include "chat/outbox.hpp"

using wasmchat::chat::DeliveryState;
using wasmchat::chat::Outbox;

TEST_CASE("the outbox is bounded in count and in bytes") {
  Outbox outbox(2, 10);
  CHECK(outbox.has_room_for(10));
  CHECK_FALSE(outbox.has_room_for(11));
  outbox.push("a", "12345");
  CHECK(outbox.has_room_for(5));
  CHECK_FALSE(outbox.has_room_for(6));
  outbox.push("b", "1");
  CHECK_FALSE(outbox.has_room_for(0));  // count bound
  CHECK(outbox.size() == 2);
  CHECK(outbox.bytes() == 6);
}

TEST_CASE("queued, sent, settled, requeued in order") {
  Outbox outbox(10, 100);
  outbox.push("a", "one");
  outbox.push("b", "two");
  outbox.push("c", "three");
  REQUIRE(outbox.next_queued() != nullptr);
  CHECK(outbox.next_queued()->id == "a");
  outbox.mark_next_sent(false);
  outbox.mark_next_sent(false);
  CHECK(outbox.queued() == 1);
  CHECK(outbox.next_queued()->id == "c");
  CHECK(outbox.settle("a"));
  CHECK_FALSE(outbox.settle("a"));
  CHECK(outbox.size() == 2);
  outbox.requeue_unacknowledged();
  CHECK(outbox.queued() == 2);
  CHECK(outbox.next_queued()->id == "b");  // original order kept
  CHECK(outbox.next_queued()->state == DeliveryState::queued);
}

TEST_CASE("plain-mode sends are final and leave the outbox") {
  Outbox outbox(10, 100);
  outbox.push("a", "one");
  outbox.mark_next_sent(true);
  CHECK(outbox.size() == 0);
  CHECK(outbox.bytes() == 0);
}

TEST_CASE("take_all empties the outbox") {
  Outbox outbox(10, 100);
  outbox.push("a", "one");
  outbox.push("b", "two");
  outbox.mark_next_sent(false);
  const auto all = outbox.take_all();
  CHECK(all.size() == 2);
  CHECK(outbox.size() == 0);
  CHECK(outbox.queued() == 0);
  CHECK(outbox.next_queued() == nullptr);
}

TEST_CASE("holds: queued and unacknowledged messages, not settled ones") {
  Outbox outbox(10, 100);
  outbox.push("a", "one");
  outbox.push("b", "two");
  outbox.mark_next_sent(false);
  CHECK(outbox.holds("a"));
  CHECK(outbox.holds("b"));
  CHECK_FALSE(outbox.holds("c"));
  CHECK(outbox.settle("a"));
  CHECK_FALSE(outbox.holds("a"));
}

TEST_CASE("holds and settle tell apart ids whose hashes collide") {
  // The pair unit-recent-ids.cpp uses: lookups compare hashes first.
  REQUIRE(wasmchat::chat::id_hash("costarring") == wasmchat::chat::id_hash("liquid"));
  Outbox outbox(10, 100);
  outbox.push("costarring", "one");
  CHECK_FALSE(outbox.holds("liquid"));
  CHECK_FALSE(outbox.settle("liquid"));
  outbox.push("liquid", "two");
  CHECK(outbox.settle("liquid"));
  CHECK(outbox.holds("costarring"));
  CHECK_FALSE(outbox.holds("liquid"));
  CHECK(outbox.size() == 1);
}

TEST_CASE("sent_through: a cumulative ack covers the sent messages written up to its id, even one already settled") {
  Outbox outbox(10, 100);
  for (const char* id : {"a", "b", "c", "d"}) outbox.push(id, "x");
  for (int i = 0; i < 3; ++i) outbox.mark_next_sent(false);  // a, b, c sent; d still queued
  CHECK(outbox.sent_through("b") == std::vector<std::string>{"a", "b"});
  // c's own broadcast settled it first: its place is remembered.
  REQUIRE(outbox.settle("c"));
  CHECK(outbox.sent_through("c") == std::vector<std::string>{"a", "b"});
  // Unknown ids cover nothing; a queued id covers only itself (it was never
  // acknowledged on this connection, so nothing before it is proven).
  CHECK(outbox.sent_through("zz").empty());
  CHECK(outbox.sent_through("d") == std::vector<std::string>{"d"});
  // After a reconnection everything is queued again: an old ack proves nothing.
  outbox.requeue_unacknowledged();
  CHECK(outbox.sent_through("c").empty());
  CHECK(outbox.sent_through("b") == std::vector<std::string>{"b"});
  // Re-sent in order, the ack of the last covers the rest.
  for (int i = 0; i < 3; ++i) outbox.mark_next_sent(false);
  CHECK(outbox.sent_through("d") == std::vector<std::string>{"a", "b", "d"});
}
