// The WHATWG URL parser (https://url.spec.whatwg.org/), reduced to what `new WebSocket(url)` can
// observe, with Chromium's deviations from the standard wherever a page could tell them apart.
#include "websocket/url.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

namespace wasmchat {
namespace {

constexpr auto npos = std::string_view::npos;

[[nodiscard]] constexpr bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
/// -1 when `c` is not an ASCII hex digit.
[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (is_ascii_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
/// Special URLs treat '\' exactly like '/' (path state, authority state).
[[nodiscard]] constexpr bool is_slash(char c) noexcept { return c == '/' || c == '\\'; }

/// The percent-encode sets of https://url.spec.whatwg.org/#percent-encoded-bytes.
enum class EncodeSet { userinfo, path, special_query, fragment };

[[nodiscard]] constexpr bool in_encode_set(unsigned char c, EncodeSet set) noexcept {
  if (c < 0x20 || c > 0x7E) return true;  // The C0 control percent-encode set.
  std::string_view members;
  switch (set) {
    case EncodeSet::fragment: members = " \"<>`"; break;
    case EncodeSet::special_query: members = " \"#<>'"; break;
    // Chromium also escapes '|' in paths (url_canon_path.cc, kPathCharLookup).
    case EncodeSet::path: members = " \"#<>?^`{}|"; break;
    case EncodeSet::userinfo: members = " \"#<>?^`{}|/:;=@[\\]"; break;
  }
  return members.find(static_cast<char>(c)) != npos;
}

void append_percent_escape(std::string& out, char ch) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  const auto c = static_cast<unsigned char>(ch);
  out += '%';
  out += hex[c >> 4];
  out += hex[c & 0xF];
}

[[nodiscard]] std::string percent_encoded(std::string_view bytes, EncodeSet set) {
  std::string out;
  for (const char ch : bytes) {
    if (in_encode_set(static_cast<unsigned char>(ch), set)) {
      append_percent_escape(out, ch);
    } else {
      out += ch;
    }
  }
  return out;
}

/// https://url.spec.whatwg.org/#percent-decode: a '%' not followed by two hex digits stays.
[[nodiscard]] std::string percent_decoded(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '%' && i + 2 < bytes.size() && hex_value(bytes[i + 1]) >= 0 &&
        hex_value(bytes[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(bytes[i + 1]) * 16 + hex_value(bytes[i + 2]));
      i += 2;
    } else {
      out += bytes[i];
    }
  }
  return out;
}

/// Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF); nullopt on any bad sequence,
/// which makes a host invalid as it does in Chromium's ConvertUTF8ToUTF16 step.
[[nodiscard]] std::optional<std::u32string> decode_utf8(std::string_view bytes) {
  constexpr std::array<char32_t, 5> smallest_of_length = {0, 0, 0x80, 0x800, 0x10000};
  std::u32string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                             : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > bytes.size()) return std::nullopt;
    char32_t code_point = length == 1 ? lead : lead & (0x7Fu >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(bytes[i + k]);
      if ((continuation & 0xC0) != 0x80) return std::nullopt;
      code_point = (code_point << 6) | (continuation & 0x3Fu);
    }
    if (code_point < smallest_of_length[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return std::nullopt;
    }
    out += code_point;
    i += length;
  }
  return out;
}

/// RFC 3492 section 6.3 with the parameters of section 5; nullopt on arithmetic overflow.
[[nodiscard]] std::optional<std::string> punycode_encoded(std::u32string_view input) {
  constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
  constexpr std::uint32_t max = UINT32_MAX;
  const auto adapt = [](std::uint32_t delta, std::uint32_t points, bool first_time) {
    delta = first_time ? delta / damp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    for (; delta > ((base - tmin) * tmax) / 2; k += base) delta /= base - tmin;
    return k + (base - tmin + 1) * delta / (delta + skew);
  };
  const auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26); };

  std::string out;
  for (const char32_t c : input) {
    if (c < 0x80) out += static_cast<char>(c);
  }
  const auto basic = static_cast<std::uint32_t>(out.size());
  if (basic > 0) out += '-';
  std::uint32_t n = 0x80, delta = 0, bias = 72, handled = basic;
  while (handled < input.size()) {
    std::uint32_t next = max;
    for (const char32_t c : input) {
      if (c >= n && c < next) next = c;
    }
    if (next - n > (max - delta) / (handled + 1)) return std::nullopt;
    delta += (next - n) * (handled + 1);
    n = next;
    for (const char32_t c : input) {
      if (c < n && ++delta == 0) return std::nullopt;
      if (c != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = base;; k += base) {
        const std::uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
        if (q < t) break;
        out += digit(t + (q - t) % (base - t));
        q = (q - t) / (base - t);
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

/// How Chromium's host canonicalizer treats an ASCII code point (url_canon_host.cc,
/// kHostCharLookup). '[', ']' and ':' are kept here and judged by IPv6 detection afterwards.
enum class HostCharClass { kept, escaped, forbidden };

[[nodiscard]] constexpr HostCharClass classify_host_char(char c) noexcept {
  // Chromium still accepts ' ' and '*' and percent-encodes them, although the standard forbids
  // the space (crbug.com/1416013): "ws://a b/" is "ws://a%20b/", not a SyntaxError.
  if (c == ' ' || c == '*') return HostCharClass::escaped;
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F || std::string_view("#%/<>?@\\^|").find(c) != npos) {
    return HostCharClass::forbidden;
  }
  return HostCharClass::kept;
}

/// A stand-in for UTS #46 mapping, which is out of scope (it needs the Unicode IDNA tables):
/// only ASCII and Latin-1 uppercase letters (U+00C0-U+00DE except U+00D7) are lowercased.
[[nodiscard]] constexpr char32_t idna_lower(char32_t c) noexcept {
  if (c < 0x80) return static_cast<char32_t>(ascii_lower(static_cast<char>(c)));
  return c >= 0xC0 && c <= 0xDE && c != 0xD7 ? c + 0x20 : c;
}

/// Dot-separated parts, minus one trailing empty part (the IPv4 parser's and the
/// ends-in-a-number checker's first steps).
[[nodiscard]] std::vector<std::string_view> dotted_parts(std::string_view host) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot - start));
    if (dot == npos) break;
    start = dot + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  return parts;
}

/// https://url.spec.whatwg.org/#ipv4-number-parser (decimal, 0x hex, leading-0 octal). Values
/// saturate above 2^32, which every caller then rejects.
[[nodiscard]] std::optional<std::uint64_t> parse_ipv4_number(std::string_view part) {
  if (part.empty()) return std::nullopt;
  unsigned radix = 10;
  if (part.size() >= 2 && part[0] == '0' && ascii_lower(part[1]) == 'x') {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (const char c : part) {
    const int digit = hex_value(c);
    if (digit < 0 || static_cast<unsigned>(digit) >= radix) return std::nullopt;
    value = std::min<std::uint64_t>(value * radix + static_cast<unsigned>(digit), std::uint64_t{1} << 33);
  }
  return value;
}

/// https://url.spec.whatwg.org/#ends-in-a-number-checker: such a host must be an IPv4 address.
[[nodiscard]] bool ends_in_number(const std::vector<std::string_view>& parts) {
  const std::string_view last = parts.back();
  if (!last.empty() && std::all_of(last.begin(), last.end(), is_ascii_digit)) return true;
  return parse_ipv4_number(last).has_value();
}

/// https://url.spec.whatwg.org/#concept-ipv4-parser; `parts` ends in a number.
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4(const std::vector<std::string_view>& parts) {
  if (parts.size() > 4) return std::nullopt;
  std::uint64_t address = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto number = parse_ipv4_number(parts[i]);
    const bool last = i + 1 == parts.size();
    // Fewer than four parts: the last one fills the remaining bytes ("0x7f.1" is 127.0.0.1).
    const std::uint64_t limit = last ? std::uint64_t{1} << (8 * (5 - parts.size())) : 256;
    if (!number || *number >= limit) return std::nullopt;
    address += last ? *number : *number << (8 * (3 - i));
  }
  return static_cast<std::uint32_t>(address);
}

/// https://url.spec.whatwg.org/#concept-ipv6-parser on the text between the brackets, then
/// https://url.spec.whatwg.org/#concept-ipv6-serializer (lowercase, longest zero run as "::").
[[nodiscard]] std::optional<std::string> parse_ipv6(std::string_view in) {
  std::array<std::uint16_t, 8> pieces{};
  std::size_t piece = 0, p = 0;
  std::optional<std::size_t> compress;
  const auto at = [&](std::size_t i) { return i < in.size() ? in[i] : '\0'; };
  if (at(0) == ':') {
    if (at(1) != ':') return std::nullopt;
    p = 2;
    compress = ++piece;
  }
  while (p < in.size()) {
    if (piece == 8) return std::nullopt;
    if (in[p] == ':') {
      if (compress) return std::nullopt;
      ++p;
      compress = ++piece;
      continue;
    }
    std::size_t length = 0;
    std::uint16_t value = 0;
    for (; length < 4 && hex_value(at(p)) >= 0; ++length, ++p) {
      value = static_cast<std::uint16_t>(value * 16 + hex_value(in[p]));
    }
    if (at(p) == '.') {
      // Chromium (DoIPv6AddressToNumber) reads the embedded IPv4 address with the host's IPv4
      // rules, so "[::1.2.3]" is "[::102:3]" where the standard wants four decimal parts.
      const auto parts = dotted_parts(in.substr(p - length));
      const auto address = length > 0 && ends_in_number(parts) ? parse_ipv4(parts) : std::nullopt;
      if (!address || piece > 6) return std::nullopt;
      pieces[piece++] = static_cast<std::uint16_t>(*address >> 16);
      pieces[piece++] = static_cast<std::uint16_t>(*address & 0xFFFF);
      break;
    }
    if (at(p) == ':') {
      if (++p == in.size()) return std::nullopt;
    } else if (p < in.size()) {
      return std::nullopt;
    }
    pieces[piece++] = value;
  }
  if (compress) {
    for (std::size_t swaps = piece - *compress, last = 7; last != 0 && swaps > 0; --last, --swaps) {
      std::swap(pieces[last], pieces[*compress + swaps - 1]);
    }
  } else if (piece != 8) {
    return std::nullopt;
  }

  std::size_t run_start = 8, run_length = 1;  // Only runs of two or more zeros are compressed.
  for (std::size_t i = 0, j = 0; i < 8; i = j + 1) {
    for (j = i; j < 8 && pieces[j] == 0;) ++j;
    if (j - i > run_length) {
      run_start = i;
      run_length = j - i;
    }
  }
  std::string out = "[";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == run_start) {
      out += i == 0 ? "::" : ":";
      i += run_length - 1;
      continue;
    }
    std::array<char, 4> digits{};
    out.append(digits.data(), std::to_chars(digits.data(), digits.data() + 4, pieces[i], 16).ptr);
    if (i != 7) out += ':';
  }
  return out + "]";
}

/// https://url.spec.whatwg.org/#host-parsing for special schemes, in the order of Chromium's
/// DoHost(): percent-decode, validate and map every code point, Punycode each non-ASCII label,
/// and only then recognise IP addresses in the result. Returns the serialized host.
[[nodiscard]] std::optional<std::string> parse_host(std::string_view input) {
  const auto code_points = decode_utf8(percent_decoded(input));
  if (!code_points || code_points->empty()) return std::nullopt;
  std::string ascii;
  std::u32string label;
  for (std::size_t i = 0; i <= code_points->size(); ++i) {
    const char32_t c = i < code_points->size() ? (*code_points)[i] : U'.';
    if (c != U'.') {
      if (c < 0x80 && classify_host_char(static_cast<char>(c)) == HostCharClass::forbidden) {
        return std::nullopt;
      }
      label += idna_lower(c);
      continue;
    }
    if (std::all_of(label.begin(), label.end(), [](char32_t l) { return l < 0x80; })) {
      for (const char32_t l : label) ascii += static_cast<char>(l);
    } else if (const auto encoded = punycode_encoded(label)) {
      ascii += "xn--" + *encoded;
    } else {
      return std::nullopt;
    }
    if (i < code_points->size()) ascii += '.';
    label.clear();
  }

  if (ascii.front() == '[') {
    if (ascii.size() < 2 || ascii.back() != ']') return std::nullopt;
    return parse_ipv6(std::string_view(ascii).substr(1, ascii.size() - 2));
  }
  if (ascii.find_first_of("[]:") != npos) return std::nullopt;
  if (const auto parts = dotted_parts(ascii); ends_in_number(parts)) {
    const auto address = parse_ipv4(parts);
    if (!address) return std::nullopt;
    std::string dotted;
    for (int shift = 24; shift >= 0; shift -= 8) {
      dotted += std::to_string((*address >> shift) & 0xFF) + (shift > 0 ? "." : "");
    }
    return dotted;
  }
  std::string host;
  for (const char c : ascii) {
    if (classify_host_char(c) == HostCharClass::escaped) {
      append_percent_escape(host, c);
    } else {
      host += c;
    }
  }
  return host;
}

/// A parsed URL (https://url.spec.whatwg.org/#concept-url) with its host already serialized.
/// Only the special network schemes are modelled; for any other scheme just `scheme` is set,
/// because the WebSocket constructor rejects those by name whatever follows.
struct UrlRecord {
  std::string scheme;
  std::string username;
  std::string password;
  std::string host;
  std::optional<std::uint16_t> port;
  std::vector<std::string> path;  ///< Percent-encoded segments; never empty once parsed.
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

/// https://url.spec.whatwg.org/#default-port; also tells which schemes have an authority here.
[[nodiscard]] constexpr std::optional<std::uint16_t> default_port(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

/// The basic URL parser's preprocessing: strip leading and trailing C0 controls and spaces, then
/// drop every ASCII tab or newline wherever it is.
[[nodiscard]] std::string without_ignored_code_points(std::string_view input) {
  const auto is_c0_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!input.empty() && is_c0_or_space(input.front())) input.remove_prefix(1);
  while (!input.empty() && is_c0_or_space(input.back())) input.remove_suffix(1);
  std::string out;
  std::copy_if(input.begin(), input.end(), std::back_inserter(out),
               [](char c) { return c != '\t' && c != '\n' && c != '\r'; });
  return out;
}

/// The scheme start and scheme states: the lowercased scheme when `input` starts with one.
[[nodiscard]] std::optional<std::string> leading_scheme(std::string_view input) {
  if (input.empty() || !is_ascii_alpha(input[0])) return std::nullopt;
  std::string scheme;
  for (const char c : input) {
    if (c == ':') return scheme;
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') break;
    scheme += ascii_lower(c);
  }
  return std::nullopt;
}

/// 1 for a "." segment and 2 for "..", either dot also spelled "%2e" or "%2E"; 0 otherwise.
[[nodiscard]] constexpr int dot_count(std::string_view segment) noexcept {
  int dots = 0;
  for (; !segment.empty() && dots <= 2; ++dots) {
    if (segment.front() == '.') {
      segment.remove_prefix(1);
    } else if (segment.size() >= 3 && segment.starts_with("%2") && ascii_lower(segment[2]) == 'e') {
      segment.remove_prefix(3);
    } else {
      return 0;
    }
  }
  return dots <= 2 ? dots : 0;
}

/// https://url.spec.whatwg.org/#path-state for special URLs: appends the segments of `input`
/// up to its query or fragment to `path`, resolving dot segments (".." stops at the root), and
/// returns what follows the path.
[[nodiscard]] std::string_view parse_path(std::string_view input, std::vector<std::string>& path) {
  const std::size_t end = std::min(input.find_first_of("?#"), input.size());
  for (std::size_t start = 0;;) {
    const std::size_t stop = std::min(input.find_first_of("/\\", start), end);
    const std::string_view segment = input.substr(start, stop - start);
    const int dots = dot_count(segment);
    if (dots == 2 && !path.empty()) path.pop_back();
    // A final dot segment still leaves a trailing slash: "/a/.." is "/", "/a/." is "/a/".
    if (dots == 0) {
      path.push_back(percent_encoded(segment, EncodeSet::path));
    } else if (stop == end) {
      path.emplace_back();
    }
    if (stop == end) return input.substr(end);
    start = stop + 1;
  }
}

/// The query and fragment states; `input` is empty or starts with '?' or '#'.
void parse_query_and_fragment(std::string_view input, UrlRecord& url) {
  if (input.starts_with('?')) {
    const std::size_t hash = input.find('#');
    url.query = percent_encoded(input.substr(1, hash - 1), EncodeSet::special_query);
    input = hash == npos ? std::string_view() : input.substr(hash);
  }
  if (input.starts_with('#')) url.fragment = percent_encoded(input.substr(1), EncodeSet::fragment);
}

/// From the special authority ignore slashes state to the end of the input. Any run of '/' and
/// '\' before the authority is skipped, which is why "ws:h" and "ws:/h" both mean host "h".
[[nodiscard]] bool parse_authority_onwards(std::string_view input, UrlRecord& url) {
  input.remove_prefix(std::min(input.find_first_not_of("/\\"), input.size()));
  const std::size_t authority_end = std::min(input.find_first_of("/\\?#"), input.size());
  std::string_view authority = input.substr(0, authority_end);
  // The last '@' ends the userinfo; earlier ones and later ':' are percent-encoded as data.
  if (const std::size_t at = authority.rfind('@'); at != npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    url.username = percent_encoded(userinfo.substr(0, colon), EncodeSet::userinfo);
    if (colon != npos) url.password = percent_encoded(userinfo.substr(colon + 1), EncodeSet::userinfo);
    authority.remove_prefix(at + 1);
  }
  std::size_t port_colon = 0;  // The first ':' outside an IPv6 literal's brackets (host state).
  for (bool in_brackets = false; port_colon < authority.size(); ++port_colon) {
    const char c = authority[port_colon];
    if (c == ':' && !in_brackets) break;
    if (c == '[' || c == ']') in_brackets = c == '[';
  }
  auto host = parse_host(authority.substr(0, port_colon));
  if (!host) return false;
  url.host = std::move(*host);
  const std::string_view port_text = authority.substr(std::min(port_colon + 1, authority.size()));
  std::uint32_t port = 0;
  for (const char c : port_text) {
    if (!is_ascii_digit(c)) return false;
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) return false;
  }
  if (!port_text.empty()) url.port = static_cast<std::uint16_t>(port);

  input.remove_prefix(authority_end);
  if (!input.empty() && is_slash(input.front())) input.remove_prefix(1);  // Path start state.
  parse_query_and_fragment(parse_path(input, url.path), url);
  return true;
}

/// The relative state: `input` is a reference (no scheme, or the base's own scheme) resolved
/// against `base`. The base's fragment is never inherited.
[[nodiscard]] std::optional<UrlRecord> parse_relative(std::string_view input, const UrlRecord& base,
                                                      UrlRecord url) {
  if (input.size() >= 2 && is_slash(input[0]) && is_slash(input[1])) {
    if (!parse_authority_onwards(input, url)) return std::nullopt;
    return url;
  }
  url.username = base.username;
  url.password = base.password;
  url.host = base.host;
  url.port = base.port;
  if (!input.empty() && is_slash(input[0])) {
    input = parse_path(input.substr(1), url.path);
  } else if (input.empty() || input[0] == '?' || input[0] == '#') {
    url.path = base.path;
    if (!input.starts_with('?')) url.query = base.query;
  } else {
    url.path = base.path;
    if (!url.path.empty()) url.path.pop_back();  // "Shorten" the base path to its directory.
    input = parse_path(input, url.path);
  }
  parse_query_and_fragment(input, url);
  return url;
}

/// https://url.spec.whatwg.org/#concept-basic-url-parser without a state override. `base` is
/// null or a URL of a modelled (special, non-file) scheme.
[[nodiscard]] std::optional<UrlRecord> parse_url(std::string_view raw_input, const UrlRecord* base) {
  const std::string cleaned = without_ignored_code_points(raw_input);
  std::string_view input = cleaned;
  UrlRecord url;
  if (auto scheme = leading_scheme(input)) {
    input.remove_prefix(scheme->size() + 1);
    url.scheme = std::move(*scheme);
    if (!default_port(url.scheme)) return url;
    // "http:foo" against an http base is relative (special relative or authority state);
    // against any other base it names host "foo" (special authority slashes state).
    if (base == nullptr || base->scheme != url.scheme) {
      if (!parse_authority_onwards(input, url)) return std::nullopt;
      return url;
    }
  } else if (base == nullptr) {
    return std::nullopt;
  } else {
    url.scheme = base->scheme;
  }
  return parse_relative(input, *base, std::move(url));
}

/// https://url.spec.whatwg.org/#url-serializing, without the fragment (never present here).
[[nodiscard]] std::string serialize(const UrlRecord& url) {
  std::string out = url.scheme + "://";
  if (!url.username.empty() || !url.password.empty()) {
    out += url.username;
    if (!url.password.empty()) out += ':' + url.password;
    out += '@';
  }
  out += url.host;
  if (url.port) out += ':' + std::to_string(*url.port);
  for (const std::string& segment : url.path) out += '/' + segment;
  if (url.query) out += '?' + *url.query;
  return out;
}

[[nodiscard]] DomError syntax_error(std::string message) {
  return DomError{DomErrorName::syntax_error, std::move(message)};
}

}  // namespace

Result<std::string> resolve_websocket_url(std::string_view input, std::string_view base) {
  std::optional<UrlRecord> base_url;
  if (!base.empty()) base_url = parse_url(base, nullptr);
  const UrlRecord* usable_base = base_url && default_port(base_url->scheme) ? &*base_url : nullptr;

  // The checks and messages of Blink's DOMWebSocket::Connect(), in its order: validity, then
  // the http(s) -> ws(s) mapping and the scheme, then the fragment.
  auto url = parse_url(input, usable_base);
  if (!url) return syntax_error("The URL '" + std::string(input) + "' is invalid.");
  if (url->scheme == "http") url->scheme = "ws";
  if (url->scheme == "https") url->scheme = "wss";
  if (url->scheme != "ws" && url->scheme != "wss") {
    return syntax_error("The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '" + url->scheme +
                        "' is not allowed.");
  }
  if (url->fragment) {
    return syntax_error("The URL contains a fragment identifier ('" + *url->fragment +
                        "'). Fragment identifiers are not allowed in WebSocket URLs.");
  }
  // Chromium re-canonicalizes after KURL::SetProtocol(), so the port is judged by the new
  // scheme; ws and http (wss and https) share a default, so "http://h:80" ends as "ws://h/".
  if (url->port == default_port(url->scheme)) url->port.reset();
  return serialize(*url);
}

}  // namespace wasmchat
