// Inputs for the differential tests against reference_json.hpp: seed texts
// and every mutation of them a fuzzer would try first (each truncation, and
// each byte replaced by one of the bytes that change JSON's structure).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace wasmchat::testing {

/// Calls `check` with each seed and each of its mutations.
inline void for_each_mutation(const std::vector<std::string>& seeds, const std::function<void(const std::string&)>& check) {
  constexpr std::string_view replacements = "\"{}[],:1-.e\\ n\x01\xC3\xFF";
  for (const auto& seed : seeds) {
    check(seed);
    for (std::size_t cut = 0; cut < seed.size(); ++cut) check(seed.substr(0, cut));
    for (std::size_t i = 0; i < seed.size(); ++i) {
      for (const char c : replacements) {
        if (seed[i] == c) continue;
        std::string mutated = seed;
        mutated[i] = c;
        check(mutated);
      }
    }
  }
}

}  // namespace wasmchat::testing
