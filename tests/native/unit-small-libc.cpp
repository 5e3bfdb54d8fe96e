// The strtod and snprintf stand-ins the package links in place of musl's,
// compared with the real ones (glibc natively, musl in the wasm build).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "browser/small_libc.hpp"

namespace {

std::string ours(const char* format, unsigned value) {
  char buffer[64];
  const int n = __wrap_snprintf(buffer, sizeof buffer, format, value);
  REQUIRE(n >= 0);
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::string real(const char* format, unsigned value) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, format, value);
  REQUIRE(n >= 0);
  return std::string(buffer, static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("small strtod: JSON number tokens, within a few ulps of the real strtod, end after the number") {
  for (const char* token : {"0", "-0", "1", "-1", "1.5", "0.1", "3.14159265358979", "1e3", "1E-3", "-2.5e+10",
                            "123456789012345678901234567890", "0.000000000000000000000000001", "1e308", "1e-307",
                            "4.9e-324", "9007199254740993", "18446744073709551616", "12.34e5"}) {
    CAPTURE(token);
    char* end = nullptr;
    const double value = __wrap_strtod(token, &end);
    CHECK(*end == '\0');
    const double expected = std::strtod(token, nullptr);
    CHECK(std::signbit(value) == std::signbit(expected));
    CHECK(std::fabs(value - expected) <= std::fabs(expected) * 1e-15);
  }
  char* end = nullptr;
  CHECK(std::isinf(__wrap_strtod("1e400", &end)));
  CHECK(__wrap_strtod("1e-400", &end) == 0);
  CHECK(__wrap_strtod("12x", &end) == 12);
  CHECK(*end == 'x');
  const char* none = "x";
  CHECK(__wrap_strtod(none, &end) == 0);
  CHECK(end == none);
}

TEST_CASE("small snprintf: what nlohmann's lexer formats, and the common integer conversions, as snprintf does") {
  for (const char* format : {"<U+%.4X>", "%u", "%d", "%x", "%X", "%08x", "%-6u|", "%6u|", "%.2hhX", "%c", "%%%u"}) {
    for (const unsigned value : {0u, 1u, 0x1Fu, 65u, 255u, 0xABCDu, 4294967295u}) {
      CAPTURE(format);
      CAPTURE(value);
      if (std::string(format) == "%.2hhX" && value > 255) continue;
      CHECK(ours(format, value) == real(format, value));
    }
  }
  char small[4];
  CHECK(__wrap_snprintf(small, sizeof small, "%s", "abcdef") == 6);
  CHECK(std::string(small) == "abc");
  CHECK(__wrap_snprintf(small, sizeof small, "%d", -42) == 3);
  CHECK(std::string(small) == "-42");
}
