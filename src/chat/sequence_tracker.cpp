#include "chat/sequence_tracker.hpp"

#include <algorithm>

namespace wasmchat::chat {

void SequenceTracker::welcome(std::string_view session) {
  if (session == session_) return;
  // What we saw in another session says nothing about this one's seq.
  seen_from_start_ = !session_.empty();
  session_ = session;
  last_seq_ = 0;
}

SequenceTracker::Observation SequenceTracker::observe(std::uint64_t seq) noexcept {
  Observation observation;
  // A jump means messages went out while we were away and are no longer in
  // the history. Before the first message of a session we joined midway,
  // any seq is a fine start.
  if ((last_seq_ != 0 || seen_from_start_) && seq > last_seq_ + 1) observation.missed = seq - last_seq_ - 1;
  seen_from_start_ = false;
  observation.replay = seq <= last_seq_;
  last_seq_ = std::max(last_seq_, seq);
  return observation;
}

}  // namespace wasmchat::chat
