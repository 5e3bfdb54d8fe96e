#include "browser/browser_chat.hpp"

#include <emscripten/em_math.h>

#include "websocket/browser_websocket.hpp"

namespace wasmchat::browser {

Result<std::unique_ptr<BrowserChat>> BrowserChat::create(chat::ChatOptions options, chat::ChatClient::Handler handler,
                                                         bool network_online,
                                                         std::function<void(std::uint64_t request)> request_url) {
  std::unique_ptr<BrowserChat> chat(new BrowserChat());
  chat::Environment environment{
      [](std::string_view url, std::span<const std::string> protocols) -> Result<std::unique_ptr<Transport>> {
        auto socket = WebSocket::connect(url, protocols);
        if (!socket) return socket.error();
        return std::unique_ptr<Transport>(std::move(socket).value());
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
