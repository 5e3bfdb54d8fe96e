// utf8::is_valid, to_valid, count_code_points and truncate_to_code_points on
// arbitrary bytes, checked against their contracts and against an independent
// implementation of the WHATWG decoder (fuzz_support.hpp).
//
// Input: byte 0 (and 1) choose the truncation limit; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "websocket/utf8.hpp"

namespace utf8 = wasmchat::utf8;
using wasmchat::fuzz::escaped;

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

void check_truncation(std::string_view text, std::size_t max) {
  const std::size_t total = utf8::count_code_points(text);
  const std::string_view cut = utf8::truncate_to_code_points(text, max);
  const std::string where = "text \"" + escaped(text) + "\" max " + std::to_string(max);
  FUZZ_CHECK(cut.data() == text.data() && cut.size() <= text.size(), "not a prefix: " + where);
  FUZZ_CHECK(cut.size() == text.size() || !is_continuation(text[cut.size()]), "cuts a sequence: " + where);
  FUZZ_CHECK(utf8::is_valid(cut), "prefix is not valid UTF-8: " + where);
  const std::size_t kept = utf8::count_code_points(cut);
  FUZZ_CHECK(kept <= max, "more than max code points: " + where);
  // The longest such prefix: everything when it fits, else exactly max.
  FUZZ_CHECK(kept == (total < max ? total : max), "not the longest prefix: " + where);
  FUZZ_CHECK(utf8::count_code_points(text.substr(cut.size())) == total - kept, "count is not additive: " + where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasmchat::fuzz::Reader in(data, size);
  const std::uint8_t selector = in.byte();
  // Mostly small limits (the interesting cuts), sometimes large ones.
  const std::size_t max = (selector & 0x80) ? static_cast<std::size_t>(in.u16()) : (selector & 0x7F);
  const std::string_view bytes = in.rest();
  const std::string where = "input \"" + escaped(bytes) + "\"";

  // is_valid agrees with the reference decoder (TextDecoder's fatal mode).
  const bool valid = utf8::is_valid(bytes);
  std::size_t errors = 0;
  const auto code_points = wasmchat::fuzz::reference_decode(bytes, errors);
  FUZZ_CHECK(valid == (errors == 0), "is_valid disagrees with the WHATWG decoder: " + where);

  // to_valid: always valid, idempotent, the identity on valid input, and
  // exactly the WHATWG decoder's output (one U+FFFD per maximal subpart).
  const std::string repaired = utf8::to_valid(bytes);
  FUZZ_CHECK(utf8::is_valid(repaired), "to_valid returned invalid UTF-8: " + where);
  FUZZ_CHECK(utf8::to_valid(repaired) == repaired, "to_valid is not idempotent: " + where);
  FUZZ_CHECK(!valid || repaired == bytes, "to_valid changed valid input: " + where);
  FUZZ_CHECK(valid || repaired != bytes, "to_valid kept invalid input: " + where);
  FUZZ_CHECK(repaired == wasmchat::fuzz::reference_encode(code_points),
             "to_valid differs from the WHATWG decoder: " + where + " got \"" + escaped(repaired) + "\"");

  // count_code_points on valid text: one per decoded code point.
  FUZZ_CHECK(utf8::count_code_points(repaired) == code_points.size(), "count_code_points is wrong: " + where);

  check_truncation(repaired, max);
  check_truncation(repaired, 0);
  check_truncation(repaired, code_points.size());
  if (!code_points.empty()) check_truncation(repaired, code_points.size() - 1);
  return 0;
}
