// The chat core assembled for the browser: wasmchat::WebSocket as transport,
// the page's event loop as scheduler, Math.random for ids and jitter.
#pragma once

#include <memory>

#include "chat/chat_client.hpp"
#include "browser/browser_scheduler.hpp"

namespace wasmchat::browser {

/// A ChatClient with its browser surroundings. Owns both; the client is
/// destroyed before the scheduler it uses.
class BrowserChat {
 public:
  /// Starts connecting. Fails only for an invalid URL (SyntaxError).
  /// `network_online` and `request_url` are chat::Environment's (navigator.onLine
  /// now; the URL provider, or null for options.url). `after_callback`, if
  /// set, runs after each socket event and each timer callback has been
  /// handled: the end of a batch of events the browser started.
  [[nodiscard]] static Result<std::unique_ptr<BrowserChat>> create(
      chat::ChatOptions options, chat::ChatClient::Handler handler, bool network_online = true,
      std::function<void(std::uint64_t request)> request_url = nullptr, std::function<void()> after_callback = nullptr);

  [[nodiscard]] chat::ChatClient& client() noexcept { return *client_; }

 private:
  BrowserChat() = default;

  std::function<void()> after_callback_;
  BrowserScheduler scheduler_;
  std::unique_ptr<chat::ChatClient> client_;
};

}  // namespace wasmchat::browser
