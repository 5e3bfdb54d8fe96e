// resolve_websocket_url(): the URL step of `new WebSocket(url)`, checked against Chromium.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "websocket/url.hpp"

namespace {

using wasmchat::DomErrorName;
using wasmchat::resolve_websocket_url;

/// The base URL of the page the Chromium 156 results below were recorded on.
constexpr std::string_view page = "http://127.0.0.1:36811/dir/page.html?x#y";

std::string invalid(std::string_view input) { return "The URL '" + std::string(input) + "' is invalid."; }
std::string bad_scheme(std::string_view scheme) {
  return "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '" + std::string(scheme) +
         "' is not allowed.";
}
std::string has_fragment(std::string_view fragment) {
  return "The URL contains a fragment identifier ('" + std::string(fragment) +
         "'). Fragment identifiers are not allowed in WebSocket URLs.";
}

/// `socket.url` for `input`, or "!" followed by the SyntaxError's message.
std::string outcome(std::string_view input, std::string_view base = page) {
  const auto result = resolve_websocket_url(input, base);
  if (result) return result.value();
  CHECK(result.error().name == DomErrorName::syntax_error);
  return "!" + result.error().message;
}

std::string error(const std::string& message) { return "!" + message; }

struct Expectation {
  std::string_view input;
  std::string expected;  ///< The URL, or error(message).
};

void check_all(std::initializer_list<Expectation> cases, std::string_view base = page) {
  for (const Expectation& expectation : cases) {
    CAPTURE(expectation.input);
    CHECK(outcome(expectation.input, base) == expectation.expected);
  }
}

}  // namespace

TEST_CASE("Chromium 156 results against an http page") {
  check_all({
      {"ws://example.com", "ws://example.com/"},
      {"WS://Example.COM:80/a b?c d", "ws://example.com/a%20b?c%20d"},
      {"wss://example.com:443/", "wss://example.com/"},
      {"http://127.0.0.1:1/x", "ws://127.0.0.1:1/x"},
      {"https://a.b/", "wss://a.b/"},
      {"/rel", "ws://127.0.0.1:36811/rel"},
      {"rel2", "ws://127.0.0.1:36811/dir/rel2"},
      {"//h2/p", "ws://h2/p"},
      {"?q", "ws://127.0.0.1:36811/dir/page.html?q"},
      {"ftp://x", error(bad_scheme("ftp"))},
      {"data:text/plain,x", error(bad_scheme("data"))},
      {"ws://x/#f", error(has_fragment("f"))},
      {"ws://x/#", error(has_fragment(""))},
      {"ws://h?x#", error(has_fragment(""))},
      {"ws://", error(invalid("ws://"))},
      {"ws://:80", error(invalid("ws://:80"))},
      {"ws://h:65536", error(invalid("ws://h:65536"))},
      {"ws://h:99999999999", error(invalid("ws://h:99999999999"))},
      {"ws://h:25", "ws://h:25/"},
      {"ws:h", "ws://h/"},
      {"ws:/h", "ws://h/"},
      {" ws://h/ ", "ws://h/"},
      {"ws://h\t/p\n", "ws://h/p"},
      {"ws://u:p@h/", "ws://u:p@h/"},
      {"ws://h\\p", "ws://h/p"},
      {"ws://[::1]:9/", "ws://[::1]:9/"},
      {"ws://[::1/", error(invalid("ws://[::1/"))},
      {"ws://0x7f.1/", "ws://127.0.0.1/"},
      {"ws://\xC3\x89X.com/", "ws://xn--x-9fa.com/"},
      {"ws://h/%zz", "ws://h/%zz"},
      {"ws://h/\xC3\xA9?\xC3\xA9", "ws://h/%C3%A9?%C3%A9"},
      {"ws://a b/", "ws://a%20b/"},
      {"ws://h:/p", "ws://h/p"},
      {"ws://h/..//a/./b", "ws://h//a/b"},
      {"ws://h/a/../../b", "ws://h/b"},
      {"ws://h/%2e%2E/x", "ws://h/x"},
      {"ws://h%41/", "ws://ha/"},
      {"ws://h<>/", error(invalid("ws://h<>/"))},
  });
}

TEST_CASE("error messages are Chromium's, quoting the raw input or the canonical part") {
  check_all({
      // The invalid-URL message quotes the input as given, before whitespace stripping.
      {" ws://h:x ", error(invalid(" ws://h:x "))},
      // The scheme message quotes the lowercased scheme.
      {"FTP://x/", error(bad_scheme("ftp"))},
      {"file:///etc/passwd", error(bad_scheme("file"))},
      {"javascript:alert(1)", error(bad_scheme("javascript"))},
      // The fragment message quotes the fragment percent-encoded.
      {"ws://h/#a b\xC3\xA9", error(has_fragment("a%20b%C3%A9"))},
      // Blink checks validity, then the scheme, then the fragment.
      {"ftp://x/#f", error(bad_scheme("ftp"))},
      {"ftp://", error(invalid("ftp://"))},
  });
}

TEST_CASE("an empty input resolves to the base without its fragment") {
  CHECK(outcome("") == "ws://127.0.0.1:36811/dir/page.html?x");
  CHECK(outcome("#") == error(has_fragment("")));
  CHECK(outcome("", "https://h/p") == "wss://h/p");
}

TEST_CASE("relative references need a base") {
  for (const std::string_view input : {"", "/rel", "rel2", "//h2/p", "?q"}) {
    CAPTURE(input);
    CHECK(outcome(input, "") == error(invalid(input)));
  }
  // A base that is not an http(s) URL cannot anchor a reference either.
  CHECK(outcome("/rel", "not a url") == error(invalid("/rel")));
  CHECK(outcome("ws://h/", "") == "ws://h/");
}

TEST_CASE("a scheme equal to the base's is a relative reference, any other names the host") {
  check_all({
      {"http:foo", "ws://127.0.0.1:36811/dir/foo"},
      {"HTTP:/foo", "ws://127.0.0.1:36811/foo"},
      {"http:?q", "ws://127.0.0.1:36811/dir/page.html?q"},
      {"http://h/", "ws://h/"},
      {"https:foo", "wss://foo/"},
      {"ws:\\\\//h/p", "ws://h/p"},
      {"/\\h/p", "ws://h/p"},
      {"///h/p", "ws://h/p"},
      {"../up", "ws://127.0.0.1:36811/up"},
      {"./same?z", "ws://127.0.0.1:36811/dir/same?z"},
  });
}

TEST_CASE("ports are digits only, empty is allowed and defaults are dropped after http->ws") {
  check_all({
      {"ws://h:0080/", "ws://h/"},
      {"ws://h:0/", "ws://h:0/"},
      {"ws://h:65535/", "ws://h:65535/"},
      {"ws://h:80x/", error(invalid("ws://h:80x/"))},
      {"ws://h:-1/", error(invalid("ws://h:-1/"))},
      {"ws://h:1:2/", error(invalid("ws://h:1:2/"))},
      {"http://h:80/", "ws://h/"},
      {"http://h:443/", "ws://h:443/"},
      {"https://h:443/", "wss://h/"},
      {"https://h:80/", "wss://h:80/"},
      {"wss://h:80/", "wss://h:80/"},
  });
}

TEST_CASE("userinfo is kept, percent-encoded with the userinfo set") {
  check_all({
      {"ws://a@b@h/", "ws://a%40b@h/"},
      {"ws://u:p:q@h/", "ws://u:p%3Aq@h/"},
      {"ws://u:@h/", "ws://u@h/"},
      {"ws://:p@h/", "ws://:p@h/"},
      {"ws://@h/", "ws://h/"},
      {"ws://u\xC3\xA9 ;=@h/", "ws://u%C3%A9%20%3B%3D@h/"},
      {"ws://u@/", error(invalid("ws://u@/"))},
      {"ws://u@:80/", error(invalid("ws://u@:80/"))},
  });
}

TEST_CASE("hosts are decoded, lowercased and checked as Chromium's kHostCharLookup does") {
  check_all({
      {"ws://EXAMPLE.com./", "ws://example.com./"},
      {"ws://%65%78.com/", "ws://ex.com/"},
      {"ws://a*b/", "ws://a%2Ab/"},  // Chromium escapes '*' as well as ' '.
      {"ws://a%20b/", "ws://a%20b/"},
      {"ws://a!$&'()+,;=_~`{}\"b/", "ws://a!$&'()+,;=_~`{}\"b/"},
      {"ws://%zz/", error(invalid("ws://%zz/"))},
      {"ws://a%25b/", error(invalid("ws://a%25b/"))},
      {"ws://a%2fb/", error(invalid("ws://a%2fb/"))},
      {"ws://a%3Ab/", error(invalid("ws://a%3Ab/"))},
      {"ws://a^b/", error(invalid("ws://a^b/"))},
      {"ws://a|b/", error(invalid("ws://a|b/"))},
      {"ws://a[b/", error(invalid("ws://a[b/"))},
      {"ws://a]b/", error(invalid("ws://a]b/"))},
      {"ws://a%00b/", error(invalid("ws://a%00b/"))},
      {"ws://a\x7F" "b/", error(invalid("ws://a\x7F" "b/"))},
      {"ws://%C3/", error(invalid("ws://%C3/"))},  // Not UTF-8 once decoded.
  });
}

TEST_CASE("non-ASCII labels become Punycode") {
  check_all({
      {"ws://b\xC3\xBC" "cher.de/", "ws://xn--bcher-kva.de/"},
      {"ws://M\xC3\x9CNCHEN.de/", "ws://xn--mnchen-3ya.de/"},
      {"ws://%C3%A9.com/", "ws://xn--9ca.com/"},
      {"ws://\xE4\xBE\x8B\xE3\x81\x88.jp/", "ws://xn--r8jz45g.jp/"},
      {"ws://\xF0\x9F\x98\x80/", "ws://xn--e28h/"},
  });
}

TEST_CASE("IPv4 hosts are parsed and serialized as dotted decimal") {
  check_all({
      {"ws://0300.0250.0.1/", "ws://192.168.0.1/"},
      {"ws://192.168.0.257/", error(invalid("ws://192.168.0.257/"))},
      {"ws://1.2.3.4.5/", error(invalid("ws://1.2.3.4.5/"))},
      {"ws://0x7F000001/", "ws://127.0.0.1/"},
      {"ws://2130706433/", "ws://127.0.0.1/"},
      {"ws://1.2.3.4./", "ws://1.2.3.4/"},
      {"ws://127.1/", "ws://127.0.0.1/"},
      {"ws://1.2.65535/", "ws://1.2.255.255/"},
      {"ws://1.2.65536/", error(invalid("ws://1.2.65536/"))},
      {"ws://4294967296/", error(invalid("ws://4294967296/"))},
      {"ws://99999999999999999999/", error(invalid("ws://99999999999999999999/"))},
      {"ws://09.1/", error(invalid("ws://09.1/"))},
      {"ws://1..2/", error(invalid("ws://1..2/"))},
      {"ws://foo.0x/", error(invalid("ws://foo.0x/"))},
      {"ws://0x/", "ws://0.0.0.0/"},
      {"ws://1.2.3.x/", "ws://1.2.3.x/"},
      {"ws://1.2.3.0xg/", "ws://1.2.3.0xg/"},
  });
}

TEST_CASE("IPv6 hosts are parsed and serialized in canonical compressed form") {
  check_all({
      {"ws://[0:0:0:0:0:0:0:1]/", "ws://[::1]/"},
      {"ws://[2001:db8:0:0:1:0:0:1]/", "ws://[2001:db8::1:0:0:1]/"},
      {"ws://[2001:DB8::ABCD]/", "ws://[2001:db8::abcd]/"},
      {"ws://[0001:0:0:0:0:0:0:0]/", "ws://[1::]/"},
      {"ws://[1:0:1:0:1:0:1:0]/", "ws://[1:0:1:0:1:0:1:0]/"},
      {"ws://[::]/", "ws://[::]/"},
      {"ws://[::ffff:192.168.0.1]/", "ws://[::ffff:c0a8:1]/"},
      {"ws://[%3A%3A1]/", "ws://[::1]/"},  // Chromium decodes before recognising IPv6.
      {"ws://[::1]/", "ws://[::1]/"},
      {"ws://[1:2:3:4:5:6:7:8:9]/", error(invalid("ws://[1:2:3:4:5:6:7:8:9]/"))},
      {"ws://[1::2::3]/", error(invalid("ws://[1::2::3]/"))},
      {"ws://[:1]/", error(invalid("ws://[:1]/"))},
      {"ws://[1:]/", error(invalid("ws://[1:]/"))},
      {"ws://[12345::]/", error(invalid("ws://[12345::]/"))},
      {"ws://[::1.2.3]/", "ws://[::102:3]/"},  // Chromium, not the standard.
      {"ws://[::1.2.3.04]/", "ws://[::102:304]/"},
      {"ws://[::1.2.3.4.5]/", error(invalid("ws://[::1.2.3.4.5]/"))},
      {"ws://[1:2:3:4:5:6:7:1.2.3.4]/", error(invalid("ws://[1:2:3:4:5:6:7:1.2.3.4]/"))},
      {"ws://[1.2.3.4::]/", error(invalid("ws://[1.2.3.4::]/"))},
      {"ws://[::1.2.3.256]/", error(invalid("ws://[::1.2.3.256]/"))},
      {"ws://[g::]/", error(invalid("ws://[g::]/"))},
      {"ws://[::1]x/", error(invalid("ws://[::1]x/"))},
  });
}

TEST_CASE("paths are percent-encoded and dot segments resolved") {
  check_all({
      {"ws://h/a\"<>`{}^|b", "ws://h/a%22%3C%3E%60%7B%7D%5E%7Cb"},  // Chromium also escapes '|'.
      {"ws://h/!$&'()*+,;=:@~%41", "ws://h/!$&'()*+,;=:@~%41"},
      {"ws://h/a/..", "ws://h/"},
      {"ws://h/a/.", "ws://h/a/"},
      {"ws://h/a/%2E", "ws://h/a/"},
      {"ws://h/a/.%2e/b", "ws://h/b"},
      {"ws://h/a/..b/.c", "ws://h/a/..b/.c"},
      {"ws://h/a\\b\\..\\c", "ws://h/a/c"},
      {"ws://h?q", "ws://h/?q"},
      {"ws://h/\x01\x7F", "ws://h/%01%7F"},
  });
}

TEST_CASE("queries use the special-query percent-encode set") {
  check_all({
      {"ws://h/?a'b\"c<d>e f`{}|^", "ws://h/?a%27b%22c%3Cd%3Ee%20f`{}|^"},
      {"ws://h/?a?/\\%41", "ws://h/?a?/\\%41"},
      {"ws://h/?", "ws://h/?"},
  });
}

TEST_CASE("leading/trailing C0 and space are stripped, tab and newlines removed anywhere") {
  check_all({
      {std::string_view("\x01\x1F ws://h/p \x00", 13), "ws://h/p"},
      {"w\ns://h\r/\tp?\tq", "ws://h/p?q"},
      {"ws://h/a b ", "ws://h/a%20b"},
  });
}
