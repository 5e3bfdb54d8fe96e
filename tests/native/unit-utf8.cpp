#include <doctest/doctest.h>

#include <string>

#include "websocket/utf8.hpp"

using namespace std::string_literals;
namespace utf8 = wasmchat::utf8;

TEST_CASE("utf8::is_valid accepts well-formed text, including U+0000 and 4-byte sequences") {
  CHECK(utf8::is_valid(""));
  CHECK(utf8::is_valid("plain ASCII"));
  CHECK(utf8::is_valid("a\0b"s));
  CHECK(utf8::is_valid("\xC3\xA9"));          // é
  CHECK(utf8::is_valid("\xE2\x82\xAC"));      // €
  CHECK(utf8::is_valid("\xF0\x9F\x98\x80"));  // 😀
  CHECK(utf8::is_valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST_CASE("utf8::is_valid rejects overlongs, surrogates, out-of-range and truncated sequences") {
  CHECK_FALSE(utf8::is_valid("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(utf8::is_valid("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(utf8::is_valid("\xED\xA0\x80"));      // U+D800
  CHECK_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(utf8::is_valid("\xF5\x80\x80\x80"));
  CHECK_FALSE(utf8::is_valid("\xE2\x82"));          // truncated
  CHECK_FALSE(utf8::is_valid("\x80"));              // lone continuation
  CHECK_FALSE(utf8::is_valid("\xFF"));
}

TEST_CASE("utf8::to_valid replaces each maximal ill-formed subpart with one U+FFFD, like TextDecoder") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(utf8::to_valid("ok \xC3\xA9") == "ok \xC3\xA9");
  CHECK(utf8::to_valid("\x80") == fffd);
  CHECK(utf8::to_valid("a\xE2\x82z") == "a" + fffd + "z");               // truncated 3-byte: one U+FFFD
  CHECK(utf8::to_valid("\xF0\x9F\x98") == fffd);                          // truncated 4-byte: one
  CHECK(utf8::to_valid("\xED\xA0\x80") == fffd + fffd + fffd);            // surrogate: ED, A0, 80 each
  CHECK(utf8::to_valid("\xC0\xAF") == fffd + fffd);                       // C0 never starts a sequence
  CHECK(utf8::to_valid("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
  CHECK(utf8::to_valid("\xE2\x82\xE2\x82\xAC") == fffd + "\xE2\x82\xAC");
  CHECK(utf8::to_valid("a\0b"s) == "a\0b"s);
}

TEST_CASE("code points are counted, not bytes or UTF-16 units") {
  CHECK(utf8::count_code_points("") == 0);
  CHECK(utf8::count_code_points("abc") == 3);
  CHECK(utf8::count_code_points("\xE4\xBD\xA0\xE5\xA5\xBD") == 2);       // 你好
  CHECK(utf8::count_code_points("\xF0\x9F\x98\x80!") == 2);              // 😀! (one code point, two UTF-16 units)
}

TEST_CASE("truncation keeps whole code points") {
  const std::string mixed = "a\xE4\xBD\xA0\xF0\x9F\x98\x80z";  // a 你 😀 z
  CHECK(utf8::truncate_to_code_points(mixed, 0).empty());
  CHECK(utf8::truncate_to_code_points(mixed, 1) == "a");
  CHECK(utf8::truncate_to_code_points(mixed, 2) == "a\xE4\xBD\xA0");
  CHECK(utf8::truncate_to_code_points(mixed, 3) == "a\xE4\xBD\xA0\xF0\x9F\x98\x80");
  CHECK(utf8::truncate_to_code_points(mixed, 4) == mixed);
  CHECK(utf8::truncate_to_code_points(mixed, 99) == mixed);
}
