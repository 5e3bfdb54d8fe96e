#include "websocket/utf8.hpp"

#include <cstdint>

namespace wasmchat::utf8 {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

/// Length of the well-formed sequence starting at `i`, or 0 with `bad` set to
/// the length of the maximal ill-formed subpart (Unicode 15, table 3-7, which
/// the WHATWG decoder follows: a lead byte plus every continuation byte that
/// could still have started a valid sequence counts as one error).
std::size_t sequence_length(std::string_view s, std::size_t i, std::size_t& bad) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t lead = byte(i);
  bad = 1;
  if (lead < 0x80) return 1;
  std::size_t need = 0;
  std::uint8_t lower = 0x80;
  std::uint8_t upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lower = 0xA0;  // overlong
    if (lead == 0xED) upper = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lower = 0x90;  // overlong
    if (lead == 0xF4) upper = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) { bad = k; return 0; }
    const std::uint8_t b = byte(i + k);
    if (b < lower || b > upper) { bad = k; return 0; }
    lower = 0x80;
    upper = 0xBF;
  }
  return need + 1;
}

}  // namespace

bool is_valid(std::string_view bytes) noexcept {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = sequence_length(bytes, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t n = sequence_length(bytes, i, bad);
    if (n == 0) {
      out += replacement_character;
      i += bad;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

namespace {
constexpr bool is_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (const char c : text) count += is_continuation(c) ? 0 : 1;
  return count;
}

std::string_view truncate_to_code_points(std::string_view text, std::size_t max) noexcept {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(text[i])) continue;
    if (seen == max) return text.substr(0, i);
    ++seen;
  }
  return text;
}

}  // namespace wasmchat::utf8
