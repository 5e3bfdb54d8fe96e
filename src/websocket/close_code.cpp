#include "websocket/close_code.hpp"

#include <string>

#include "websocket/utf8.hpp"

namespace wasmchat {

Status validate_close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (code && !is_closable_by_script(*code)) {
    return DomError{DomErrorName::invalid_access_error,
                    "The close code must be either 1000, or between 3000 and 4999. " +
                        std::to_string(*code) + " is neither."};
  }
  if (reason.size() > max_close_reason_bytes) {
    return DomError{DomErrorName::syntax_error,
                    "The close reason must not be greater than 123 UTF-8 bytes."};
  }
  // JS strings always arrive well-formed (USVString); only C++ callers can get here.
  if (!utf8::is_valid(reason)) {
    return DomError{DomErrorName::syntax_error, "The close reason must be valid UTF-8."};
  }
  return success();
}

}  // namespace wasmchat
