// UTF-8 rules shared by the transport and the chat core. Pure C++, no browser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wasmchat::utf8 {

/// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlongs, no
/// surrogates, nothing above U+10FFFF), i.e. what TextDecoder accepts in fatal mode.
[[nodiscard]] bool is_valid(std::string_view bytes) noexcept;

/// Decodes `bytes` the way the WHATWG Encoding standard's "UTF-8 decode"
/// does (and so TextDecoder and the browser's own text frames): each maximal
/// ill-formed subpart becomes one U+FFFD. Never drops input; returns valid UTF-8.
[[nodiscard]] std::string to_valid(std::string_view bytes);

/// Number of code points in `text`, which must be valid UTF-8 (each byte that
/// is not a continuation byte starts one).
[[nodiscard]] std::size_t count_code_points(std::string_view text) noexcept;

/// The longest prefix of `text` (valid UTF-8) with at most `max` code points;
/// never cuts a sequence in two.
[[nodiscard]] std::string_view truncate_to_code_points(std::string_view text, std::size_t max) noexcept;

}  // namespace wasmchat::utf8
