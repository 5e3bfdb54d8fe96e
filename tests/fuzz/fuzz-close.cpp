// validate_close() with a fuzzed optional code and reason, against the
// browser's rule written out independently: it succeeds exactly when the code
// is absent or 1000 or 3000-4999 and the reason (checked with or without a
// code) is valid UTF-8 of at most 123 bytes. A bad code is an
// InvalidAccessError and is reported first (as in WebSocket.close()); a bad
// reason is a SyntaxError.
//
// Input: byte 0 bit 0 = code present; bytes 1-2 = the code (big-endian);
// the rest = the reason.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "websocket/close_code.hpp"

using wasmchat::DomErrorName;
using wasmchat::fuzz::escaped;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasmchat::fuzz::Reader in(data, size);
  const bool has_code = in.flag();
  const std::uint16_t raw_code = in.u16();
  const std::optional<std::uint16_t> code = has_code ? std::optional<std::uint16_t>(raw_code) : std::nullopt;
  const std::string_view reason = in.rest();

  const bool code_ok = !code || *code == 1000 || (*code >= 3000 && *code <= 4999);
  const bool reason_ok = reason.size() <= 123 && wasmchat::fuzz::reference_is_valid(reason);

  const auto status = wasmchat::validate_close(code, reason);
  const std::string where = "code " + (code ? std::to_string(*code) : std::string("none")) + " reason \"" +
                            escaped(reason) + "\" (" + std::to_string(reason.size()) + " bytes)";
  FUZZ_CHECK(status.ok() == (code_ok && reason_ok),
             (status.ok() ? "accepted: " : "refused: ") + where);
  if (!status.ok()) {
    const DomErrorName expected =
        !code_ok ? DomErrorName::invalid_access_error : DomErrorName::syntax_error;
    FUZZ_CHECK(status.error().name == expected, "wrong DOMException (" + std::string(to_string(status.error().name)) +
                                                    ", \"" + status.error().message + "\"): " + where);
    FUZZ_CHECK(!status.error().message.empty(), "empty message: " + where);
  }
  FUZZ_CHECK(wasmchat::is_closable_by_script(raw_code) == (raw_code == 1000 || (raw_code >= 3000 && raw_code <= 4999)),
             "is_closable_by_script is wrong for " + std::to_string(raw_code));
  return 0;
}
