#include "chat/recent_ids.hpp"

namespace wasmchat::chat {
namespace {

// FNV-1a: ids are short and not chosen by an attacker who gains anything
// from a collision (a collision costs one string comparison).
std::uint32_t hash_of(std::string_view id) noexcept {
  std::uint32_t hash = 2166136261u;
  for (const char c : id) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  return hash;
}

}  // namespace

void RecentIds::add(std::string_view id) {
  if (ids_.size() < capacity_) {
    hashes_.push_back(hash_of(id));
    ids_.emplace_back(id);
    return;
  }
  hashes_[next_] = hash_of(id);
  ids_[next_].assign(id);
  next_ = (next_ + 1) % capacity_;
}

bool RecentIds::contains(std::string_view id) const noexcept {
  const std::uint32_t hash = hash_of(id);
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == hash && ids_[i] == id) return true;
  }
  return false;
}

}  // namespace wasmchat::chat
