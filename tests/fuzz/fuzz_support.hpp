// Shared by the libFuzzer targets in tests/fuzz/: a failing-check macro, a
// reader that turns the fuzzer's bytes into typed values, and an independent
// reference UTF-8 decoder (the WHATWG algorithm, written from the spec) to
// compare src/websocket/utf8.cpp against.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace wasmchat::fuzz {

/// Reports a broken invariant and aborts, which libFuzzer records as a crash
/// (the input is saved as crash-<sha1>).
[[noreturn]] inline void fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: invariant violated: %s\n", file, line, condition);
  if (!detail.empty()) std::fprintf(stderr, "  %s\n", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(condition, detail)                                          \
  do {                                                                         \
    if (!(condition)) ::wasmchat::fuzz::fail(__FILE__, __LINE__, #condition, (detail)); \
  } while (false)

/// Bytes shown as a C string literal body: printable ASCII as is, the rest as \xNN.
inline std::string escaped(std::string_view bytes) {
  std::string out;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

/// Consumes the fuzzer's input front to back. Past the end every read
/// returns zero/empty, so a target never has to check for exhaustion.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) noexcept
      : bytes_(reinterpret_cast<const char*>(data), size) {}
  explicit Reader(std::string_view bytes) noexcept : bytes_(bytes) {}

  [[nodiscard]] bool empty() const noexcept { return bytes_.empty(); }
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size(); }

  std::uint8_t byte() noexcept {
    if (bytes_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(bytes_.front());
    bytes_.remove_prefix(1);
    return b;
  }
  std::uint16_t u16() noexcept {
    const auto high = byte();
    return static_cast<std::uint16_t>((high << 8) | byte());
  }
  std::uint32_t u32() noexcept {
    const std::uint32_t high = u16();
    return (high << 16) | u16();
  }
  bool flag() noexcept { return (byte() & 1) != 0; }
  /// A string of `n` bytes (fewer at the end of the input).
  std::string_view take(std::size_t n) noexcept {
    n = n < bytes_.size() ? n : bytes_.size();
    const auto out = bytes_.substr(0, n);
    bytes_.remove_prefix(n);
    return out;
  }
  /// A string whose length (0..max) is the next byte.
  std::string_view sized(std::size_t max = 255) noexcept { return take(byte() % (max + 1)); }
  /// Everything left.
  std::string_view rest() noexcept { return take(bytes_.size()); }

 private:
  std::string_view bytes_;
};

/// The WHATWG Encoding standard's UTF-8 decoder, step by step
/// (https://encoding.spec.whatwg.org/#utf-8-decoder): code points, with
/// U+FFFD for every error. `errors` counts the U+FFFDs that were errors.
inline std::vector<char32_t> reference_decode(std::string_view bytes, std::size_t& errors) {
  std::vector<char32_t> out;
  errors = 0;
  char32_t code_point = 0;
  int bytes_seen = 0;
  int bytes_needed = 0;
  unsigned lower = 0x80;
  unsigned upper = 0xBF;
  for (std::size_t i = 0; i <= bytes.size();) {
    if (i == bytes.size()) {  // end of queue
      if (bytes_needed != 0) {
        ++errors;
        out.push_back(0xFFFD);
      }
      break;
    }
    const unsigned byte = static_cast<unsigned char>(bytes[i]);
    if (bytes_needed == 0) {
      ++i;
      if (byte <= 0x7F) {
        out.push_back(byte);
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        bytes_needed = 1;
        code_point = byte & 0x1F;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        if (byte == 0xE0) lower = 0xA0;
        if (byte == 0xED) upper = 0x9F;
        bytes_needed = 2;
        code_point = byte & 0xF;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        if (byte == 0xF0) lower = 0x90;
        if (byte == 0xF4) upper = 0x8F;
        bytes_needed = 3;
        code_point = byte & 0x7;
      } else {
        ++errors;
        out.push_back(0xFFFD);
      }
      continue;
    }
    if (byte < lower || byte > upper) {
      // Error; the byte is "prepended to the stream": not consumed.
      code_point = 0;
      bytes_needed = 0;
      bytes_seen = 0;
      lower = 0x80;
      upper = 0xBF;
      ++errors;
      out.push_back(0xFFFD);
      continue;
    }
    ++i;
    lower = 0x80;
    upper = 0xBF;
    code_point = (code_point << 6) | (byte & 0x3F);
    if (++bytes_seen == bytes_needed) {
      out.push_back(code_point);
      code_point = 0;
      bytes_needed = 0;
      bytes_seen = 0;
    }
  }
  return out;
}

/// UTF-8 encoding of code points (all of them scalar values).
inline std::string reference_encode(const std::vector<char32_t>& code_points) {
  std::string out;
  for (const char32_t c : code_points) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

/// True when `bytes` decodes without a single error (what TextDecoder's fatal mode accepts).
inline bool reference_is_valid(std::string_view bytes) {
  std::size_t errors = 0;
  (void)reference_decode(bytes, errors);
  return errors == 0;
}

}  // namespace wasmchat::fuzz
