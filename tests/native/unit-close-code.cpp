#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "websocket/close_code.hpp"

using wasmchat::DomErrorName;
using wasmchat::validate_close;

TEST_CASE("close codes a script may use: 1000 and 3000-4999") {
  CHECK(wasmchat::is_closable_by_script(1000));
  CHECK(wasmchat::is_closable_by_script(3000));
  CHECK(wasmchat::is_closable_by_script(4999));
  for (const std::uint16_t code : std::initializer_list<std::uint16_t>{0, 999, 1001, 1005, 1006, 1011, 2999, 5000, 65535}) {
    CAPTURE(code);
    CHECK_FALSE(wasmchat::is_closable_by_script(code));
    const auto status = validate_close(code, "");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().name == DomErrorName::invalid_access_error);
    CHECK(status.error().message ==
          "The close code must be either 1000, or between 3000 and 4999. " + std::to_string(code) + " is neither.");
  }
}

TEST_CASE("a close reason is at most 123 UTF-8 bytes") {
  CHECK(validate_close(1000, std::string(123, 'x')).ok());
  const auto ascii = validate_close(1000, std::string(124, 'x'));
  REQUIRE_FALSE(ascii.ok());
  CHECK(ascii.error().name == DomErrorName::syntax_error);
  std::string accents;
  for (int i = 0; i < 62; ++i) accents += "\xC3\xA9";  // 62 x é = 124 bytes, 62 characters
  CHECK(validate_close(3000, accents).error().name == DomErrorName::syntax_error);
  CHECK(validate_close(3000, accents.substr(2)).ok());
}

TEST_CASE("the code is checked before the reason, as in the browser") {
  CHECK(validate_close(999, std::string(200, 'x')).error().name == DomErrorName::invalid_access_error);
}

TEST_CASE("no code: the reason is still checked, as the standard's close() does") {
  CHECK(validate_close(std::nullopt, "").ok());
  CHECK(validate_close(std::nullopt, "bye").ok());
  CHECK(validate_close(std::nullopt, std::string(124, 'x')).error().name == DomErrorName::syntax_error);
}

TEST_CASE("a C++ caller's reason must be valid UTF-8, with U+0000 allowed") {
  CHECK(validate_close(4000, std::string("a\0b", 3)).ok());
  CHECK(validate_close(4000, "\xFF").error().name == DomErrorName::syntax_error);
}

TEST_CASE("named close codes carry their RFC 6455 values") {
  CHECK(static_cast<int>(wasmchat::CloseCode::no_status) == 1005);
  CHECK(static_cast<int>(wasmchat::CloseCode::abnormal) == 1006);
  CHECK(static_cast<int>(wasmchat::CloseCode::message_too_big) == 1009);
}
