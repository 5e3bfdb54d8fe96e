// Time for the chat core: a clock and one-shot timers, behind an interface so
// that tests drive a fake clock and the browser uses Emscripten's timers.
#pragma once

#include <cstdint>
#include <functional>

namespace wasmchat::chat {

/// Milliseconds, monotonic.
using Millis = std::uint64_t;

/// Identifies a scheduled callback; 0 is never used.
using TimerId = std::uint64_t;

/// One-shot timers and a monotonic clock.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Now, in ms since an arbitrary origin.
  [[nodiscard]] virtual Millis now() const = 0;
  /// Runs `callback` once after `delay` ms, from the event loop (never from
  /// inside schedule()).
  [[nodiscard]] virtual TimerId schedule(Millis delay, std::function<void()> callback) = 0;
  /// Cancels a pending callback; unknown or fired ids are ignored.
  virtual void cancel(TimerId id) = 0;

 protected:
  Scheduler() = default;
  Scheduler(const Scheduler&) = default;
  Scheduler& operator=(const Scheduler&) = default;
};

/// A one-shot timer slot owned by its user: starting it again replaces the
/// pending callback, and destroying it cancels it.
class Timer {
 public:
  explicit Timer(Scheduler& scheduler) noexcept : scheduler_(&scheduler) {}
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// (Re)starts the timer.
  void start(Millis delay, std::function<void()> callback) {
    stop();
    id_ = scheduler_->schedule(delay, [this, callback = std::move(callback)] {
      id_ = 0;
      callback();
    });
  }
  /// Cancels the pending callback, if any.
  void stop() {
    if (id_ != 0) scheduler_->cancel(id_);
    id_ = 0;
  }
  /// True while a callback is pending.
  [[nodiscard]] bool active() const noexcept { return id_ != 0; }

 private:
  Scheduler* scheduler_;
  TimerId id_ = 0;
};

}  // namespace wasmchat::chat
