// The std::visit idiom: one lambda per alternative of a closed set.
#pragma once

namespace wasmchat::chat {

/// Combines lambdas into one visitor: `std::visit(Overloaded{[](A&) {}, [](B&) {}}, v)`.
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace wasmchat::chat
