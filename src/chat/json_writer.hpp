// Writing JSON text without a DOM: what the encoders need (objects, arrays,
// strings, non-negative integers, booleans, null) and nothing more, so the
// wasm carries no serializer and no floating-point formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wasmchat::chat {

/// Appends JSON to a string, inserting the commas. The caller writes keys in
/// the order it wants them on the wire; ours write them sorted, which is the
/// order nlohmann::json's std::map-based objects used, so envelopes are
/// byte-for-byte what they were.
///
/// Strings are escaped as nlohmann's dump(-1, ' ', false, replace) escapes
/// them: ", \ and the C0 controls (\b \f \n \r \t, others \u00xx), nothing
/// else; ill-formed UTF-8 is replaced by U+FFFD per maximal subpart, so the
/// output is always valid UTF-8.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// An object member's key; the value follows.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  JsonWriter& number(std::uint64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  /// The text written so far; the writer is empty afterwards.
  [[nodiscard]] std::string take() noexcept {
    std::string text;
    text.swap(out_);
    needs_comma_ = false;
    return text;
  }

 private:
  void before_value();

  std::string out_;
  bool needs_comma_ = false;
};

}  // namespace wasmchat::chat
