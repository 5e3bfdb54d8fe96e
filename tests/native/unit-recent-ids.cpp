// The ids a chat remembers as shown: bounded, oldest forgotten first.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "chat/id_hash.hpp"
#include "chat/recent_ids.hpp"

using wasmchat::chat::RecentIds;

TEST_CASE("recent ids: remembers what was added, nothing else") {
  RecentIds ids(4);
  CHECK_FALSE(ids.contains("a-1"));
  ids.add("a-1");
  ids.add("b-1");
  CHECK(ids.contains("a-1"));
  CHECK(ids.contains("b-1"));
  CHECK_FALSE(ids.contains("a-2"));
  CHECK_FALSE(ids.contains(""));
  CHECK_FALSE(ids.contains("a-1 "));
}

TEST_CASE("recent ids: when full, the oldest is forgotten first, one per add") {
  RecentIds ids(3);
  for (int i = 1; i <= 3; ++i) ids.add("m-" + std::to_string(i));
  ids.add("m-4");
  CHECK_FALSE(ids.contains("m-1"));
  CHECK(ids.contains("m-2"));
  CHECK(ids.contains("m-4"));
  ids.add("m-5");
  ids.add("m-6");
  CHECK_FALSE(ids.contains("m-2"));
  CHECK_FALSE(ids.contains("m-3"));
  for (int i = 4; i <= 6; ++i) CHECK(ids.contains("m-" + std::to_string(i)));
  for (int i = 7; i <= 100; ++i) ids.add("m-" + std::to_string(i));
  CHECK(ids.contains("m-98"));
  CHECK(ids.contains("m-100"));
  CHECK_FALSE(ids.contains("m-97"));
}

TEST_CASE("recent ids: after many adds, exactly the newest `capacity` are remembered") {
  RecentIds ids(64);
  for (int i = 0; i < 5000; ++i) ids.add("z" + std::to_string(i) + "-" + std::to_string(i * 7919 % 1000));
  int remembered = 0;
  for (int i = 0; i < 5000; ++i) {
    const bool in = ids.contains("z" + std::to_string(i) + "-" + std::to_string(i * 7919 % 1000));
    CHECK(in == (i >= 5000 - 64));
    remembered += in ? 1 : 0;
  }
  CHECK(remembered == 64);
}

TEST_CASE("recent ids: ids whose hashes collide are still told apart") {
  // A known pair with the same 32-bit FNV-1a hash (chat::id_hash), so that
  // contains() must compare the strings; the REQUIRE keeps it honest should
  // the hash change.
  const std::string first = "costarring", second = "liquid";
  REQUIRE(wasmchat::chat::id_hash(first) == wasmchat::chat::id_hash(second));
  RecentIds ids(8);
  ids.add(first);
  CHECK(ids.contains(first));
  CHECK_FALSE(ids.contains(second));
}
