#include "browser/browser_chat.hpp"

#include <emscripten/em_math.h>

#include "websocket/browser_websocket.hpp"

namespace wasmchat::browser {

namespace {

/// A WebSocket whose handler is followed by `after` (the end of a batch).
/// The handler may destroy the socket: WebSocket keeps the running handler
/// alive until it returns, and `after` belongs to the BrowserChat.
class BatchingSocket final : public Transport {
 public:
  BatchingSocket(std::unique_ptr<WebSocket> socket, const std::function<void()>* after)
      : socket_(std::move(socket)), after_(after) {}

  void on_event(Handler handler) override {
    if (!handler || !*after_) return socket_->on_event(std::move(handler));
    socket_->on_event([handler = std::move(handler), after = after_](const WebSocketEvent& event) {
      handler(event);
      (*after)();
    });
  }
  Status send(std::string_view text) override { return socket_->send(text); }
  Status close(std::optional<std::uint16_t> code, std::string_view reason) override {
    return socket_->close(code, reason);
  }
  [[nodiscard]] ReadyState ready_state() const override { return socket_->ready_state(); }
  [[nodiscard]] std::uint64_t buffered_amount() const override { return socket_->buffered_amount(); }
  [[nodiscard]] std::string protocol() const override { return socket_->protocol(); }
  void set_max_message_bytes(std::size_t limit) override { socket_->set_max_message_bytes(limit); }

 private:
  std::unique_ptr<WebSocket> socket_;
  const std::function<void()>* after_;
};

}  // namespace

Result<std::unique_ptr<BrowserChat>> BrowserChat::create(chat::ChatOptions options, chat::ChatClient::Handler handler,
                                                         bool network_online,
                                                         std::function<void(std::uint64_t request)> request_url,
                                                         std::function<void()> after_callback) {
  std::unique_ptr<BrowserChat> chat(new BrowserChat());
  chat->after_callback_ = std::move(after_callback);
  if (chat->after_callback_) chat->scheduler_.after_each_callback(chat->after_callback_);
  const std::function<void()>* after = &chat->after_callback_;
  chat::Environment environment{
      [after](std::string_view url, std::span<const std::string> protocols) -> Result<std::unique_ptr<Transport>> {
        auto socket = WebSocket::connect(url, protocols);
        if (!socket) return socket.error();
        return std::unique_ptr<Transport>(new BatchingSocket(std::move(socket).value(), after));
      },
      &chat->scheduler_,
      [] { return emscripten_math_random(); },
      network_online,
      std::move(request_url),
  };
  auto client = chat::ChatClient::create(std::move(options), std::move(environment), std::move(handler));
  if (!client) return client.error();
  chat->client_ = std::move(client).value();
  return chat;
}

}  // namespace wasmchat::browser
