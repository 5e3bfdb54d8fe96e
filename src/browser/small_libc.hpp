// Small stand-ins for the two libc functions nlohmann/json's lexer calls,
// linked into the package in place of musl's with `-Wl,--wrap=` (see
// CMakeLists.txt). musl's strtod parses through long double (about 8 kB of
// soft-float in wasm) and its snprintf is the whole printf engine (about
// 7 kB); the lexer needs neither:
//  - strtod only ever sees a number token the lexer has already checked
//    against JSON's grammar, and the protocol and the options refuse every
//    number that is not an integer, so the value only has to be a nearby
//    double (it is: within a few ulps, not correctly rounded);
//  - snprintf only formats "<U+%.4X>" for an error message nobody reads.
// Declared here so that tests can call them directly.
#pragma once

#include <cstddef>

extern "C" {
/// strtod for JSON number tokens (optional '-', digits, fraction, exponent):
/// a double within a few ulps of the value, ±HUGE_VAL when out of range;
/// *end points past the number (at `text` when there is none).
double __wrap_strtod(const char* text, char** end);

/// snprintf for the conversions %d %i %u %x %X %c %s %% with flags '-' '0',
/// width and precision and length modifiers hh h l ll z j t (ignored beyond
/// choosing the argument's size); anything else is copied as written. Returns
/// the length the full result has, like snprintf.
int __wrap_snprintf(char* out, std::size_t size, const char* format, ...);
}
