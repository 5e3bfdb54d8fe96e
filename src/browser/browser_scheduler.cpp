#include "browser/browser_scheduler.hpp"

#include <emscripten/emscripten.h>
#include <emscripten/eventloop.h>

#include <utility>

namespace wasmchat::browser {

BrowserScheduler::~BrowserScheduler() {
  for (auto& [id, pending] : pending_) emscripten_clear_timeout(pending->timeout);
}

chat::Millis BrowserScheduler::now() const { return static_cast<chat::Millis>(emscripten_get_now()); }

chat::TimerId BrowserScheduler::schedule(chat::Millis delay, std::function<void()> callback) {
  const chat::TimerId id = next_id_++;
  auto pending = std::make_unique<Pending>(Pending{this, id, 0, std::move(callback)});
  pending->timeout = emscripten_set_timeout(&BrowserScheduler::fire, static_cast<double>(delay), pending.get());
  pending_.emplace(id, std::move(pending));
  return id;
}

void BrowserScheduler::cancel(chat::TimerId id) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;
  emscripten_clear_timeout(it->second->timeout);
  pending_.erase(it);
}

void BrowserScheduler::fire(void* raw) {
  auto* pending = static_cast<Pending*>(raw);
  BrowserScheduler& owner = *pending->owner;
  // Take the callback out first: it may cancel or schedule timers, or destroy
  // the objects that own them.
  auto callback = std::move(pending->callback);
  owner.pending_.erase(pending->id);
  callback();
  if (owner.after_each_) owner.after_each_();
}

}  // namespace wasmchat::browser
