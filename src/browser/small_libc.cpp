#include "browser/small_libc.hpp"

#include <cstdarg>
#include <cstdint>
#include <limits>

namespace {

constexpr double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// `value` * 10^exponent with double arithmetic (each step exact up to 1e22).
double scale(double value, long exponent) {
  if (value == 0) return value;
  for (; exponent > 22; exponent -= 22) {
    value *= 1e22;
    if (value > std::numeric_limits<double>::max()) return std::numeric_limits<double>::infinity();
  }
  for (; exponent < -22; exponent += 22) {
    value /= 1e22;
    if (value == 0) return 0;
  }
  return exponent >= 0 ? value * powers_of_ten[exponent] : value / powers_of_ten[-exponent];
}

/// Appends to a bounded buffer, counting what did not fit too.
struct Output {
  char* out;
  std::size_t size;
  std::size_t length = 0;
  void put(char c) {
    if (length + 1 < size) out[length] = c;
    ++length;
  }
  void pad(char c, int count) {
    for (; count > 0; --count) put(c);
  }
};

}  // namespace

extern "C" double __wrap_strtod(const char* text, char** end) {
  const char* p = text;
  const bool negative = *p == '-';
  if (*p == '-' || *p == '+') ++p;
  std::uint64_t mantissa = 0;
  long exponent = 0;  // of ten, applied to the mantissa
  int digits = 0;     // significant digits kept in the mantissa (at most 19)
  bool any = false;
  for (; is_digit(*p); ++p, any = true) {
    if (digits < 19) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
      if (mantissa != 0) ++digits;
    } else {
      ++exponent;  // a digit beyond what the mantissa holds
    }
  }
  if (*p == '.') {
    const char* fraction = p + 1;
    for (++p; is_digit(*p); ++p, any = true) {
      if (digits < 19) {
        mantissa = mantissa * 10 + static_cast<std::uint64_t>(*p - '0');
        if (mantissa != 0) ++digits;
        --exponent;
      }
    }
    if (p == fraction && !any) p = fraction - 1;
  }
  if (!any) {
    if (end) *end = const_cast<char*>(text);
    return 0;
  }
  if (*p == 'e' || *p == 'E') {
    const char* q = p + 1;
    const bool negative_exponent = *q == '-';
    if (*q == '-' || *q == '+') ++q;
    if (is_digit(*q)) {
      long given = 0;
      for (; is_digit(*q); ++q) {
        if (given < 100'000) given = given * 10 + (*q - '0');
      }
      exponent += negative_exponent ? -given : given;
      p = q;
    }
  }
  if (end) *end = const_cast<char*>(p);
  const double value = scale(static_cast<double>(mantissa), exponent);
  return negative ? -value : value;
}

extern "C" int __wrap_snprintf(char* out, std::size_t size, const char* format, ...) {
  Output o{out, size};
  va_list args;
  va_start(args, format);
  for (const char* f = format; *f != '\0'; ++f) {
    if (*f != '%') {
      o.put(*f);
      continue;
    }
    const char* start = f++;
    bool left = false;
    bool zero = false;
    for (; *f == '-' || *f == '0'; ++f) (*f == '-' ? left : zero) = true;
    int width = 0;
    for (; is_digit(*f); ++f) width = width * 10 + (*f - '0');
    int precision = -1;
    if (*f == '.') {
      precision = 0;
      for (++f; is_digit(*f); ++f) precision = precision * 10 + (*f - '0');
    }
    int longs = 0;  // 0: int, 1: long, 2: long long / size_t / intmax_t / ptrdiff_t
    for (; *f == 'h' || *f == 'l' || *f == 'z' || *f == 'j' || *f == 't'; ++f) {
      if (*f == 'l') ++longs;
      else if (*f != 'h') longs = 2;
    }
    char digits[24];
    int count = 0;
    bool minus = false;
    const char* text = nullptr;
    int text_length = 0;
    switch (*f) {
      case 'd':
      case 'i': {
        long long v = longs == 0 ? va_arg(args, int) : longs == 1 ? va_arg(args, long) : va_arg(args, long long);
        minus = v < 0;
        auto u = minus ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
        do digits[count++] = static_cast<char>('0' + u % 10); while ((u /= 10) != 0);
        break;
      }
      case 'u':
      case 'x':
      case 'X': {
        unsigned long long u = longs == 0   ? va_arg(args, unsigned)
                               : longs == 1 ? va_arg(args, unsigned long)
                                            : va_arg(args, unsigned long long);
        const unsigned base = *f == 'u' ? 10 : 16;
        const char* alphabet = *f == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do digits[count++] = alphabet[u % base]; while ((u /= base) != 0);
        break;
      }
      case 'c': digits[count++] = static_cast<char>(va_arg(args, int)); precision = -1; break;
      case 's':
        text = va_arg(args, const char*);
        if (text == nullptr) text = "(null)";
        while (text[text_length] != '\0' && (precision < 0 || text_length < precision)) ++text_length;
        break;
      case '%': o.put('%'); continue;
      default:  // not supported: copy the directive as written
        for (const char* c = start; c <= f && *c != '\0'; ++c) o.put(*c);
        if (*f == '\0') --f;
        continue;
    }
    if (text != nullptr) {
      if (!left) o.pad(' ', width - text_length);
      for (int i = 0; i < text_length; ++i) o.put(text[i]);
      if (left) o.pad(' ', width - text_length);
      continue;
    }
    // Integers: precision is the least number of digits; '0' pads to width.
    const int shown = precision > count ? precision : count;
    const int total = shown + (minus ? 1 : 0);
    if (!left && !(zero && precision < 0)) o.pad(' ', width - total);
    if (minus) o.put('-');
    if (!left && zero && precision < 0) o.pad('0', width - total);
    o.pad('0', shown - count);
    while (count > 0) o.put(digits[--count]);
    if (left) o.pad(' ', width - total);
  }
  va_end(args);
  if (size > 0) out[o.length < size ? o.length : size - 1] = '\0';
  return static_cast<int>(o.length);
}
