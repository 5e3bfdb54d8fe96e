#include "chat/outbox.hpp"

#include <algorithm>
#include <utility>

#include "chat/id_hash.hpp"

namespace wasmchat::chat {

std::string_view to_string(DeliveryState state) noexcept {
  switch (state) {
    case DeliveryState::queued: return "queued";
    case DeliveryState::sent: return "sent";
    case DeliveryState::delivered: return "delivered";
    case DeliveryState::failed: return "failed";
  }
  return "failed";
}

bool Outbox::has_room_for(std::size_t text_bytes) const noexcept {
  return messages_.size() < max_messages_ && bytes_ + text_bytes <= max_bytes_;
}

void Outbox::push(std::string id, std::string text) {
  bytes_ += text.size();
  ++queued_;
  const std::uint32_t hash = id_hash(id);
  messages_.push_back(OutgoingMessage{std::move(id), std::move(text), DeliveryState::queued, 0, hash});
  count(messages_.back(), +1);
}

const OutgoingMessage* Outbox::queued_at(std::size_t index) const noexcept {
  return index >= queued_ ? nullptr : &messages_[messages_.size() - queued_ + index];
}

void Outbox::mark_next_sent(bool final) {
  if (queued_ == 0) return;
  const std::size_t index = messages_.size() - queued_;
  --queued_;
  if (final) {
    bytes_ -= messages_[index].text.size();
    count(messages_[index], -1);
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(index));
  } else {
    messages_[index].state = DeliveryState::sent;
    messages_[index].sent_order = ++writes_;
  }
}

void Outbox::count(const OutgoingMessage& message, int change) {
  if (held_per_bucket_.empty()) {
    // Twice as many buckets as the outbox holds ids, so that most of them
    // stay empty; at most 32,768 (128 kB) for a very large bound.
    std::size_t buckets = 64;
    while (buckets < 2 * max_messages_ && buckets < 32768) buckets *= 2;
    held_per_bucket_.assign(buckets, 0);
  }
  held_per_bucket_[message.id_hash & (held_per_bucket_.size() - 1)] += static_cast<std::uint32_t>(change);
}

std::deque<OutgoingMessage>::const_iterator Outbox::find(std::string_view id) const noexcept {
  const std::uint32_t hash = id_hash(id);
  if (held_per_bucket_.empty() || held_per_bucket_[hash & (held_per_bucket_.size() - 1)] == 0) return messages_.end();
  return std::find_if(messages_.begin(), messages_.end(), [&](const auto& m) { return m.id_hash == hash && m.id == id; });
}

bool Outbox::holds(std::string_view id) const noexcept { return find(id) != messages_.end(); }

bool Outbox::settle(std::string_view id) {
  const auto it = find(id);
  if (it == messages_.end()) return false;
  if (it->state == DeliveryState::queued) --queued_;
  if (it->state == DeliveryState::sent) {
    // Enough for the acks one coalesced frame can cover (a batch of sends).
    constexpr std::size_t remembered = 512;
    settled_.emplace_back(it->id, it->sent_order);
    if (settled_.size() > remembered) settled_.pop_front();
  }
  bytes_ -= it->text.size();
  count(*it, -1);
  messages_.erase(it);
  return true;
}

std::vector<std::string> Outbox::sent_through(std::string_view id) const {
  std::uint64_t through = 0;
  bool here = false;
  for (const auto& m : messages_) {
    if (m.id == id) {
      here = true;
      if (m.state == DeliveryState::sent) through = m.sent_order;
    }
  }
  if (!here) {
    for (auto it = settled_.rbegin(); it != settled_.rend(); ++it) {
      if (it->first == id) {
        through = it->second;
        break;
      }
    }
  }
  std::vector<std::string> ids;
  for (const auto& m : messages_) {
    if (m.id == id || (m.state == DeliveryState::sent && m.sent_order <= through)) ids.push_back(m.id);
  }
  return ids;
}

void Outbox::requeue_unacknowledged() noexcept {
  for (auto& message : messages_) message.state = DeliveryState::queued;
  queued_ = messages_.size();
}

void Outbox::drop_sent() noexcept {
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->state != DeliveryState::sent) {
      ++it;
      continue;
    }
    bytes_ -= it->text.size();
    count(*it, -1);
    it = messages_.erase(it);
  }
}

std::deque<OutgoingMessage> Outbox::take_all() noexcept {
  queued_ = 0;
  bytes_ = 0;
  held_per_bucket_.clear();
  return std::exchange(messages_, {});
}

}  // namespace wasmchat::chat
