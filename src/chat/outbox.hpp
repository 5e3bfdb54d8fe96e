// The user's own messages on their way out: queued, written, acknowledged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wasmchat::chat {

/// Where one of the user's own messages is. Shown next to it on the page.
enum class DeliveryState {
  queued,     ///< In the outbox, not yet written to a socket.
  sent,       ///< Written to the socket; no acknowledgement yet (final in plain mode).
  delivered,  ///< The server acknowledged it (or broadcast it back).
  failed,     ///< Refused by the server, or given up when the client closed for good.
};

/// Stable lower-case name of a delivery state ("queued", "sent"...).
[[nodiscard]] std::string_view to_string(DeliveryState state) noexcept;

/// One outgoing message.
struct OutgoingMessage {
  std::string id;    ///< Client-made; kept across re-sends.
  std::string text;  ///< UTF-8.
  DeliveryState state = DeliveryState::queued;
  std::uint64_t sent_order = 0;  ///< When it was last written: increases with every write.
  std::uint32_t id_hash = 0;     ///< chat::id_hash(id): lookups compare it before the id.
};

/// Outgoing messages in send order, bounded in count and bytes. Holds the
/// queued ones and the sent ones still awaiting their acknowledgement (they
/// may have to be re-sent), so nothing leaves it unaccounted for.
class Outbox {
 public:
  Outbox(std::size_t max_messages, std::size_t max_bytes) noexcept
      : max_messages_(max_messages), max_bytes_(max_bytes) {}

  /// True when a message of `text_bytes` fits within both bounds.
  [[nodiscard]] bool has_room_for(std::size_t text_bytes) const noexcept;
  /// Appends a queued message; the caller checked has_room_for().
  void push(std::string id, std::string text);

  /// The oldest queued message, if any.
  [[nodiscard]] const OutgoingMessage* next_queued() const noexcept { return queued_at(0); }
  /// The queued message `index` places after the oldest, if any.
  [[nodiscard]] const OutgoingMessage* queued_at(std::size_t index) const noexcept;
  /// Marks the oldest queued message sent. With `final` (plain mode: nothing
  /// will acknowledge it) it leaves the outbox at once.
  void mark_next_sent(bool final);
  /// True when message `id` is held (queued or awaiting its acknowledgement).
  [[nodiscard]] bool holds(std::string_view id) const noexcept;
  /// Removes message `id` as delivered or failed; false when it is not here.
  bool settle(std::string_view id);
  /// For a cumulative ack of `id`: the ids of every sent message written no
  /// later than `id` (`id` included when still here), oldest first, for the
  /// caller to settle. `id` may have left already (its own broadcast came
  /// first): the last settled messages' places are remembered for that. An
  /// `id` never seen, or one re-queued since, gives nothing but itself.
  [[nodiscard]] std::vector<std::string> sent_through(std::string_view id) const;
  /// Every sent-but-unacknowledged message goes back to queued, in order, to
  /// be re-sent with its original id after a reconnection.
  void requeue_unacknowledged() noexcept;
  /// Removes every sent message: nothing will acknowledge them (plain mode).
  void drop_sent() noexcept;
  /// Empties the outbox, returning what it held (to be reported failed).
  [[nodiscard]] std::deque<OutgoingMessage> take_all() noexcept;

  /// Messages held (queued + awaiting acknowledgement).
  [[nodiscard]] std::size_t size() const noexcept { return messages_.size(); }
  /// Messages not yet written.
  [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
  /// UTF-8 bytes of the texts held.
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

 private:
  // The message `id`, or end(). Every received message is looked up (is it
  // ours?), and mostly is not here (another sender's, or our own ack after
  // our broadcast settled it): a miss is answered by held_per_bucket_ without
  // a scan, and a scan compares hashes before ids. Measured in a
  // 15,000-message run from a full outbox (Chromium CPU profile of the
  // sender): 806 ms in settle_own with a scan of the ids, 198 ms with a scan
  // of the hashes, 84 ms with the bucket counts as well.
  [[nodiscard]] std::deque<OutgoingMessage>::const_iterator find(std::string_view id) const noexcept;
  void count(const OutgoingMessage& message, int change);

  std::size_t max_messages_;
  std::size_t max_bytes_;
  std::deque<OutgoingMessage> messages_;  // sent ones first, then queued, each in send order
  std::size_t queued_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t writes_ = 0;
  // How many held ids fall in each bucket (id_hash & (size - 1)); empty
  // until the first push.
  std::vector<std::uint32_t> held_per_bucket_;
  // The sent_order of the last messages settled, for sent_through().
  std::deque<std::pair<std::string, std::uint64_t>> settled_;
};

}  // namespace wasmchat::chat
