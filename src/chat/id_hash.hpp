// The hash the chat core files message ids under (RecentIds, Outbox).
#pragma once

#include <cstdint>
#include <string_view>

namespace wasmchat::chat {

/// FNV-1a of a message id. Ids are short and not chosen by anyone who gains
/// from a collision: one costs a string comparison, never a wrong answer
/// (every user compares the ids themselves after the hashes).
[[nodiscard]] constexpr std::uint32_t id_hash(std::string_view id) noexcept {
  std::uint32_t hash = 2166136261u;
  for (const char c : id) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

}  // namespace wasmchat::chat
