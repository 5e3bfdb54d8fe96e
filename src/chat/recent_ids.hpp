// The ids of the messages a chat page showed last: how a copy of one is
// recognised when it comes again with a new seq.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wasmchat::chat {

/// Remembers the last `capacity` ids added (the oldest is forgotten first).
///
/// Why a chat needs it: seq tells replays apart only within one server
/// session. A server that restarts without its memory (the in-memory store)
/// may have broadcast a message and been killed before the sender's ack left
/// the process; the sender then sends it again, and the new server gives it
/// a new seq in a new session. Its id is the same (ids are the sender's).
class RecentIds {
 public:
  /// `capacity` > 0; nothing is allocated before the first add().
  explicit RecentIds(std::size_t capacity) noexcept : capacity_(capacity) {}

  /// Remembers `id`, forgetting the oldest one when full. Adding an id that
  /// is already remembered keeps both copies (the caller checks first).
  void add(std::string_view id);

  /// Whether `id` is among the remembered ones. Cost: one hash of `id` and
  /// the ids in its bucket (about one: twice as many buckets as ids), so it
  /// stays cheap on the path of every received message.
  [[nodiscard]] bool contains(std::string_view id) const noexcept;

 private:
  void unlink(std::size_t slot) noexcept;

  std::size_t capacity_;
  std::size_t oldest_ = 0;  // the slot the next add() overwrites once full
  // Slot i (in order of adding, a ring once full): ids_[i], its hash, and
  // the next slot in the same bucket (-1: none).
  std::vector<std::string> ids_;
  std::vector<std::uint32_t> hashes_;
  std::vector<std::int32_t> next_;
  std::vector<std::int32_t> buckets_;  // the first slot of each bucket; -1: empty
};

}  // namespace wasmchat::chat
