#include "chat/recent_ids.hpp"

#include "chat/id_hash.hpp"

namespace wasmchat::chat {

void RecentIds::add(std::string_view id) {
  if (buckets_.empty()) {
    std::size_t count = 1;
    while (count < 2 * capacity_) count *= 2;
    buckets_.assign(count, -1);
  }
  const std::uint32_t hash = id_hash(id);
  std::size_t slot = ids_.size();
  if (slot < capacity_) {
    ids_.emplace_back(id);
    hashes_.push_back(hash);
    next_.push_back(-1);
  } else {
    slot = oldest_;
    unlink(slot);
    oldest_ = (oldest_ + 1) % capacity_;
    ids_[slot].assign(id);
    hashes_[slot] = hash;
  }
  std::int32_t& head = buckets_[hash & (buckets_.size() - 1)];
  next_[slot] = head;
  head = static_cast<std::int32_t>(slot);
}

void RecentIds::unlink(std::size_t slot) noexcept {
  std::int32_t* link = &buckets_[hashes_[slot] & (buckets_.size() - 1)];
  while (static_cast<std::size_t>(*link) != slot) link = &next_[static_cast<std::size_t>(*link)];
  *link = next_[slot];
}

bool RecentIds::contains(std::string_view id) const noexcept {
  if (buckets_.empty()) return false;
  const std::uint32_t hash = id_hash(id);
  for (std::int32_t i = buckets_[hash & (buckets_.size() - 1)]; i != -1; i = next_[static_cast<std::size_t>(i)]) {
    const auto slot = static_cast<std::size_t>(i);
    if (hashes_[slot] == hash && ids_[slot] == id) return true;
  }
  return false;
}

}  // namespace wasmchat::chat
