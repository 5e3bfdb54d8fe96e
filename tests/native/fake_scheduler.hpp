// A Scheduler whose clock only moves when the test says so.
#pragma once

#include <functional>
#include <map>
#include <utility>

#include "chat/scheduler.hpp"

namespace wasmchat::testing {

class FakeScheduler final : public chat::Scheduler {
 public:
  [[nodiscard]] chat::Millis now() const override { return now_; }

  [[nodiscard]] chat::TimerId schedule(chat::Millis delay, std::function<void()> callback) override {
    const chat::TimerId id = next_id_++;
    timers_.emplace(id, Entry{now_ + delay, std::move(callback)});
    return id;
  }

  void cancel(chat::TimerId id) override { timers_.erase(id); }

  /// Moves the clock forward by `ms`, running every callback that falls due,
  /// in due order (ties in scheduling order), at its due time.
  void advance(chat::Millis ms) {
    const chat::Millis end = now_ + ms;
    for (;;) {
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second.due <= end && (next == timers_.end() || it->second.due < next->second.due)) next = it;
      }
      if (next == timers_.end()) break;
      now_ = std::max(now_, next->second.due);
      auto callback = std::move(next->second.callback);
      timers_.erase(next);
      callback();
    }
    now_ = end;
  }

  /// Number of pending callbacks.
  [[nodiscard]] std::size_t pending() const noexcept { return timers_.size(); }

 private:
  struct Entry {
    chat::Millis due;
    std::function<void()> callback;
  };
  chat::Millis now_ = 0;
  chat::TimerId next_id_ = 1;
  std::map<chat::TimerId, Entry> timers_;
};

}  // namespace wasmchat::testing
