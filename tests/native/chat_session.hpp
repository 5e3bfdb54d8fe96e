// The chat client on a fake network and a fake clock, for the unit-chat-client*
// test files: envelope builders and a Session that records every event.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_client.hpp"
#include "fake_scheduler.hpp"
#include "fake_transport.hpp"

namespace wasmchat::testing {

using namespace wasmchat::chat;
inline std::string welcome(std::string_view session = "s1", std::string_view history = "", std::string_view features = "") {
  return R"({"type":"welcome","session":")" + std::string(session) +
         R"(","name":"guest-1","online":2,"history":[)" + std::string(history) +
         R"(],"limits":{"maxCodePoints":50,"maxFrameBytes":65536,"messagesPerSecond":20},"features":[)" +
         std::string(features) + "]}";
}

inline std::string message(int seq, std::string_view id, std::string_view text, std::string_view from = "bo") {
  return R"({"type":"message","seq":)" + std::to_string(seq) + R"(,"id":")" + std::string(id) +
         R"(","from":")" + std::string(from) + R"(","text":")" + std::string(text) + R"(","time":1})";
}

inline std::string ack(std::string_view id, int seq) {
  return R"({"type":"ack","id":")" + std::string(id) + R"(","seq":)" + std::to_string(seq) + "}";
}

/// A client wired to fakes, recording every event. `online`: the network as
/// the browser reports it at creation; with `provider`, the client asks for
/// its URL before every attempt and the requests are recorded in
/// `url_requests` for the test to answer.
struct Session {
  FakeNetwork network;
  FakeScheduler scheduler;
  std::vector<ChatEvent> events;
  std::vector<std::uint64_t> url_requests;
  std::unique_ptr<ChatClient> client;

  explicit Session(ChatOptions options = {}, bool online = true, bool provider = false) {
    if (options.url == ChatOptions{}.url) options.url = "ws://chat.test/ws";
    Environment environment{network.connector(), &scheduler, [] { return 0.5; }, online, nullptr};
    if (provider) environment.request_url = [this](std::uint64_t request) { url_requests.push_back(request); };
    auto created = ChatClient::create(options, std::move(environment),
                                      [this](const ChatEvent& e) { events.push_back(e); });
    REQUIRE(created.ok());
    client = std::move(created).value();
  }

  FakeTransport& socket() {
    REQUIRE(network.current() != nullptr);
    return *network.current();
  }

  /// Opens the current connection as a wasmchat.v1 server would.
  void open_v1(std::string_view history = "", std::string_view session = "s1") {
    socket().accept("wasmchat.v1");
    socket().receive_text(welcome(session, history));
    REQUIRE(client->state() == ConnectionState::open);
    REQUIRE(client->mode() == Mode::v1);
  }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> found;
    for (const auto& e : events) {
      if (const auto* t = std::get_if<T>(&e)) found.push_back(*t);
    }
    return found;
  }

  std::vector<std::string> texts_shown() const {
    std::vector<std::string> texts;
    for (const auto& r : all<Received>()) texts.push_back(r.text);
    return texts;
  }

  std::string send(std::string_view text) {
    auto result = client->send(text);
    REQUIRE(std::holds_alternative<std::string>(result));
    return std::get<std::string>(result);
  }

  std::vector<std::string> error_codes() const {
    std::vector<std::string> codes;
    for (const auto& e : all<ErrorOccurred>()) codes.push_back(e.code);
    return codes;
  }

  std::optional<Millis> last_reconnect_in() const {
    const auto closes = all<Closed>();
    REQUIRE(!closes.empty());
    return closes.back().reconnect_in_ms;
  }

  std::vector<DeliveryState> states_of(const std::string& id) const {
    std::vector<DeliveryState> states;
    for (const auto& c : all<OwnMessageChanged>()) {
      if (c.id == id) states.push_back(c.state);
    }
    return states;
  }
};

}  // namespace wasmchat::testing
