// Misuse errors of the WebSocket API, named as the browser names them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wasmchat {

/// The DOMException names the browser's WebSocket throws. The JS face rethrows
/// each as `new DOMException(message, name)` so callers can branch on `e.name`.
enum class DomErrorName {
  syntax_error,          ///< "SyntaxError": bad URL, subprotocol or close reason.
  invalid_state_error,   ///< "InvalidStateError": send() while CONNECTING.
  invalid_access_error,  ///< "InvalidAccessError": close() with a reserved code.
  security_error,        ///< "SecurityError": ws: from an https page (mixed content).
  type_error,            ///< A JS TypeError (not a DOMException): an argument of the wrong type.
};

/// The exception name exactly as `DOMException.name` spells it.
[[nodiscard]] constexpr std::string_view to_string(DomErrorName name) noexcept {
  switch (name) {
    case DomErrorName::syntax_error: return "SyntaxError";
    case DomErrorName::invalid_state_error: return "InvalidStateError";
    case DomErrorName::invalid_access_error: return "InvalidAccessError";
    case DomErrorName::security_error: return "SecurityError";
    case DomErrorName::type_error: return "TypeError";
  }
  return "Error";
}

/// A rejected call: which DOMException the browser would throw, and why.
struct DomError {
  DomErrorName name;
  std::string message;  ///< Human-readable; wording follows Chromium's.
};

/// Either a value or the DomError that the browser would have thrown instead.
/// Used instead of C++ exceptions so that nothing unwinds through JS frames.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(DomError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  /// True when the call succeeded.
  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; only valid when ok().
  [[nodiscard]] T& value() & { return std::get<0>(state_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }

  /// The error; only valid when !ok().
  [[nodiscard]] const DomError& error() const& { return std::get<1>(state_); }

 private:
  std::variant<T, DomError> state_;
};

/// Success or failure of a call that returns nothing.
using Status = Result<std::monostate>;

/// The successful Status.
[[nodiscard]] inline Status success() { return Status(std::monostate{}); }

}  // namespace wasmchat
