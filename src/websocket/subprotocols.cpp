#include "websocket/subprotocols.hpp"

#include <algorithm>

namespace wasmchat {
namespace {

/// Chromium prints a protocol with non-printable or non-ASCII bytes escaped as
/// \uXXXX; we keep the UTF-8 bytes and only escape control bytes.
std::string printable(std::string_view name) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool is_subprotocol_token(std::string_view name) noexcept {
  constexpr std::string_view separators = "()<>@,;:\\\"/[]?={} \t";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F && separators.find(c) == std::string_view::npos;
  });
}

Status validate_subprotocols(std::span<const std::string> protocols) {
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    if (!is_subprotocol_token(protocols[i])) {
      return DomError{DomErrorName::syntax_error,
                      "The subprotocol '" + printable(protocols[i]) + "' is invalid."};
    }
    if (std::find(protocols.begin(), protocols.begin() + static_cast<std::ptrdiff_t>(i), protocols[i]) !=
        protocols.begin() + static_cast<std::ptrdiff_t>(i)) {
      return DomError{DomErrorName::syntax_error,
                      "The subprotocol '" + protocols[i] + "' is duplicated."};
    }
  }
  return success();
}

std::string join_subprotocols(std::span<const std::string> protocols) {
  std::string joined;
  for (const auto& name : protocols) {
    if (!joined.empty()) joined += ',';
    joined += name;
  }
  return joined;
}

}  // namespace wasmchat
