// resolve_websocket_url() on arbitrary input, against a fixed page URL, no
// base, or a fuzzed base. On success the result is a ws:/wss: URL without a
// fragment, plain printable ASCII, and a fixed point: resolving it again
// (with no base, or with the same base) gives it back unchanged. On failure
// the error is always a SyntaxError.
//
// Input: byte 0 picks the base (0 the unit tests' page, 1 none, 2 fuzzed,
// 3 the input itself); the rest is the URL. With a fuzzed base the rest is
// split at its first NUL byte: base before it, input after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "websocket/url.hpp"

using wasmchat::DomErrorName;
using wasmchat::resolve_websocket_url;
using wasmchat::fuzz::escaped;

namespace {

/// The page the Chromium results in tests/native/unit-url.cpp were recorded on.
constexpr std::string_view page = "http://127.0.0.1:36811/dir/page.html?x#y";

void check(std::string_view input, std::string_view base) {
  const std::string where = "input \"" + escaped(input) + "\" base \"" + escaped(base) + "\"";
  const auto result = resolve_websocket_url(input, base);
  if (!result) {
    FUZZ_CHECK(result.error().name == DomErrorName::syntax_error, "not a SyntaxError: " + where);
    return;
  }
  const std::string& url = result.value();
  const std::string got = where + " -> \"" + escaped(url) + "\"";
  FUZZ_CHECK(url.starts_with("ws://") || url.starts_with("wss://"), "not a ws(s) URL: " + got);
  FUZZ_CHECK(url.find('#') == std::string::npos, "has a '#': " + got);
  for (const char c : url) {
    // Serialized URLs are ASCII: every other byte is percent-encoded or Punycode.
    FUZZ_CHECK(c > 0x20 && c < 0x7F, "a byte that is not printable ASCII: " + got);
  }
  const auto again = resolve_websocket_url(url, "");
  FUZZ_CHECK(again.ok(), "the result does not parse again: " + got + " (" + (again ? "" : again.error().message) + ")");
  FUZZ_CHECK(again.value() == url, "not idempotent: " + got + " -> \"" + escaped(again.value()) + "\"");
  if (!base.empty()) {
    const auto against_base = resolve_websocket_url(url, base);
    FUZZ_CHECK(against_base.ok() && against_base.value() == url, "the result depends on the base: " + got);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasmchat::fuzz::Reader in(data, size);
  const std::uint8_t selector = in.byte();
  const std::string_view rest = in.rest();
  switch (selector % 4) {
    case 0:  // the page of the unit tests
      check(rest, page);
      break;
    case 1:  // no base
      check(rest, "");
      break;
    case 2: {  // base, NUL, input
      const std::size_t nul = rest.find('\0');
      if (nul == std::string_view::npos) {
        check(rest, page);
        check(page, rest);
      } else {
        check(rest.substr(nul + 1), rest.substr(0, nul));
      }
      break;
    }
    default:  // the same bytes as input and as base
      check(rest, rest);
      check("/p?q", rest);
      check("", rest);
      break;
  }
  return 0;
}
