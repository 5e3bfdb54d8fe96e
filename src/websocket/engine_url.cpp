// resolve_websocket_url() (websocket/url.hpp) with the engine's own URL
// parser, the one its native `new WebSocket(url)` uses, in place of url.cpp's
// WHATWG parser: linked into both shipped modules (CMakeLists.txt), where the
// C++ parser would be 8 kB of code (a third of the transport-only one's);
// url.cpp stays the pure core's, for native builds and fuzzing. The engine's
// parser is the fidelity reference anyway
// (url.cpp follows Chromium's); the WebSocket steps around it (http(s) ->
// ws(s), the scheme check, the fragment check, their order and Chromium's
// messages) are the same as url.cpp's, in browser_websocket.js.
#include <cstddef>
#include <cstdlib>
#include <string>
#include <utility>

#include "websocket/url.hpp"

extern "C" {
// Returns a malloc'd buffer of `*length` UTF-8 bytes: the serialized URL, or
// (with `*failed` set) the SyntaxError's message. The caller frees it.
char* wasmchat_ws_resolve_url(const char* input, std::size_t input_length, const char* base,
                              std::size_t base_length, int* failed, std::size_t* length);
}

namespace wasmchat {

Result<std::string> resolve_websocket_url(std::string_view input, std::string_view base) {
  int failed = 0;
  std::size_t length = 0;
  char* text = wasmchat_ws_resolve_url(input.data(), input.size(), base.data(), base.size(), &failed, &length);
  std::string value(text, length);
  std::free(text);
  if (failed) return DomError{DomErrorName::syntax_error, std::move(value)};
  return value;
}

}  // namespace wasmchat
