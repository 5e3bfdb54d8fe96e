// chat::Scheduler on the browser's event loop (Emscripten's setTimeout glue).
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "chat/scheduler.hpp"

namespace wasmchat::browser {

/// Timers on the page's event loop and the page's monotonic clock.
///
/// Lifetime: destroying it clears every pending timeout, so no callback can
/// reach it (or its users) afterwards. Each instance is independent, so two
/// chats on one page do not share timers.
class BrowserScheduler final : public chat::Scheduler {
 public:
  BrowserScheduler() = default;
  ~BrowserScheduler() override;
  BrowserScheduler(const BrowserScheduler&) = delete;
  BrowserScheduler& operator=(const BrowserScheduler&) = delete;

  [[nodiscard]] chat::Millis now() const override;
  [[nodiscard]] chat::TimerId schedule(chat::Millis delay, std::function<void()> callback) override;
  void cancel(chat::TimerId id) override;
  /// Called after each timer callback returned: where a batch of the events
  /// it produced is handed on (src/bindings/chat_bindings.cpp).
  void after_each_callback(std::function<void()> hook) { after_each_ = std::move(hook); }

 private:
  /// One pending timeout. The JS timeout's userData points here; the entry is
  /// erased (and the timeout cleared) before it could dangle.
  struct Pending {
    BrowserScheduler* owner;
    chat::TimerId id;
    long timeout;
    std::function<void()> callback;
  };
  static void fire(void* pending);

  chat::TimerId next_id_ = 1;
  std::map<chat::TimerId, std::unique_ptr<Pending>> pending_;
  std::function<void()> after_each_;
};

}  // namespace wasmchat::browser
