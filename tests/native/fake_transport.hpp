// A Transport driven by the test: it plays the browser and the server.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "websocket/transport.hpp"

namespace wasmchat::testing {

class FakeNetwork;

/// One fake connection. Events are delivered synchronously by the driver
/// methods; like the real WebSocket, it may be destroyed from its own handler.
class FakeTransport final : public Transport {
 public:
  FakeTransport(FakeNetwork& network, std::string url, std::vector<std::string> offered);
  ~FakeTransport() override;

  void on_event(Handler handler) override { handler_ = std::make_shared<Handler>(std::move(handler)); }
  [[nodiscard]] Status send(std::string_view text) override {
    if (state == ReadyState::connecting) return DomError{DomErrorName::invalid_state_error, "Still in CONNECTING state."};
    (state == ReadyState::open ? sent : dropped).emplace_back(text);
    return success();
  }
  [[nodiscard]] Status close(std::optional<std::uint16_t> code, std::string_view reason) override;
  [[nodiscard]] ReadyState ready_state() const override { return state; }
  [[nodiscard]] std::uint64_t buffered_amount() const override { return buffered; }
  [[nodiscard]] std::string protocol() const override { return selected; }

  // --- Driven by the test (the network and the server) ---
  /// The handshake succeeded with `protocol` selected.
  void accept(std::string protocol) {
    selected = std::move(protocol);
    state = ReadyState::open;
    dispatch(OpenEvent{});
  }
  void receive_text(std::string_view text) { dispatch(MessageEvent{text}); }
  void receive_binary(std::string_view bytes) {
    dispatch(MessageEvent{std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size())});
  }
  /// The connection ends (after this the transport may be gone).
  void end(std::uint16_t code, std::string reason = {}, bool was_clean = true) {
    state = ReadyState::closed;
    dispatch(CloseEvent{code, std::move(reason), was_clean});
  }
  /// The handshake was refused or the connection died: error, then close 1006.
  void fail() {
    dispatch(ErrorEvent{});
    end(1006, {}, false);
  }

  std::string url;
  std::vector<std::string> offered;
  std::vector<std::string> sent;  ///< Text frames written while open.
  std::vector<std::string> dropped;  ///< Written while CLOSING or CLOSED: the browser drops them.
  std::optional<std::pair<std::uint16_t, std::string>> close_requested;
  ReadyState state = ReadyState::connecting;
  std::string selected;
  std::uint64_t buffered = 0;

 private:
  void dispatch(const WebSocketEvent& event) {
    const auto handler = handler_;  // the handler may destroy this transport
    if (handler && *handler) (*handler)(event);
  }

  FakeNetwork* network_;
  std::shared_ptr<Handler> handler_;
};

/// Creates FakeTransports and keeps track of the live ones.
class FakeNetwork {
 public:
  /// A Connector that opens fake connections (or refuses URLs starting "bad:",
  /// and every URL while refuse_all is set).
  [[nodiscard]] Connector connector() {
    return [this](std::string_view url, std::span<const std::string> protocols) -> Result<std::unique_ptr<Transport>> {
      if (refuse_all || url.rfind("bad:", 0) == 0) return DomError{DomErrorName::syntax_error, "bad URL"};
      ++opened;
      return std::unique_ptr<Transport>(
          new FakeTransport(*this, std::string(url), std::vector<std::string>(protocols.begin(), protocols.end())));
    };
  }
  /// The most recent live connection; nullptr when none is alive.
  [[nodiscard]] FakeTransport* current() const { return live.empty() ? nullptr : live.back(); }

  std::vector<FakeTransport*> live;
  std::size_t opened = 0;
  bool refuse_all = false;
  /// Every close(code, reason) the client asked for, on any connection.
  std::vector<std::pair<std::uint16_t, std::string>> closes_requested;
};

inline FakeTransport::FakeTransport(FakeNetwork& network, std::string url_, std::vector<std::string> offered_)
    : url(std::move(url_)), offered(std::move(offered_)), network_(&network) {
  network_->live.push_back(this);
}

inline Status FakeTransport::close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (state == ReadyState::closing || state == ReadyState::closed) return success();
  state = ReadyState::closing;
  close_requested = std::make_pair(code.value_or(1005), std::string(reason));
  network_->closes_requested.push_back(*close_requested);
  return success();
}

inline FakeTransport::~FakeTransport() {
  auto& live = network_->live;
  live.erase(std::remove(live.begin(), live.end(), this), live.end());
}

}  // namespace wasmchat::testing
