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

}  // namespace wasmchat::utf8
