// Server sequence numbers of broadcast messages (docs/protocol.md): which
// messages are replays of what was already seen, and which went missing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wasmchat::chat {

/// Follows `seq` across reconnections. Within a server session seq rises by
/// one per message from 1; a welcome with another session id means the
/// server restarted and seq starts again.
class SequenceTracker {
 public:
  /// What one message's seq says.
  struct Observation {
    /// Messages between the last one seen and this one that will never
    /// arrive (sent while away, no longer in the history); 0 when none.
    std::uint64_t missed = 0;
    /// Already seen: history replayed after a reconnection.
    bool replay = false;
  };

  /// A welcome for `session`. A new session restarts seq; having been in an
  /// earlier one, we should see the new one from seq 1, so a history that
  /// starts later is a gap.
  void welcome(std::string_view session);

  /// Notes a message with `seq` (positive) and says whether it is a replay
  /// and how many went missing before it.
  [[nodiscard]] Observation observe(std::uint64_t seq) noexcept;

  /// The highest seq seen in the current session (0 before any).
  [[nodiscard]] std::uint64_t last_seq() const noexcept { return last_seq_; }

 private:
  std::string session_;
  std::uint64_t last_seq_ = 0;
  bool seen_from_start_ = false;  // a restarted server: its seq 1 onwards is ours to see
};

}  // namespace wasmchat::chat
