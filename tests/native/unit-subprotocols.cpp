#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "websocket/subprotocols.hpp"

using wasmchat::DomErrorName;
using wasmchat::validate_subprotocols;

TEST_CASE("subprotocol names are RFC 7230 tokens") {
  CHECK(wasmchat::is_subprotocol_token("chat"));
  CHECK(wasmchat::is_subprotocol_token("wasmchat.v1"));
  CHECK(wasmchat::is_subprotocol_token("a!#$%&'*+-.^_`|~9"));
  for (const char* bad : {"", "a b", "a,b", "a;", "x{", "a/b", "\xC3\xA9", "tab\t", "q\"", "del\x7F"}) {
    CAPTURE(bad);
    CHECK_FALSE(wasmchat::is_subprotocol_token(bad));
  }
  CHECK_FALSE(wasmchat::is_subprotocol_token(std::string("a\0", 2)));
}

TEST_CASE("validate_subprotocols reports the first bad or duplicated name with Chromium's wording") {
  CHECK(validate_subprotocols({}).ok());
  const std::vector<std::string> fine{"chat", "Chat"};  // case-sensitive: not duplicates
  CHECK(validate_subprotocols(fine).ok());

  const std::vector<std::string> duplicated{"a", "b", "a"};
  const auto dup = validate_subprotocols(duplicated);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().name == DomErrorName::syntax_error);
  CHECK(dup.error().message == "The subprotocol 'a' is duplicated.");

  const std::vector<std::string> invalid{"ok", "a b"};
  const auto bad = validate_subprotocols(invalid);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "The subprotocol 'a b' is invalid.");
}

TEST_CASE("the joined list has bare commas, as websocket.h splits without trimming") {
  const std::vector<std::string> list{"a", "b.v2", "c"};
  CHECK(wasmchat::join_subprotocols(list) == "a,b.v2,c");
  CHECK(wasmchat::join_subprotocols({}).empty());
}
