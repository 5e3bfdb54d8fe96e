// Bugs found by fuzz-chat-session, written out as plain doctest cases with the
// fakes of tests/native/ (each also has its fuzzer input in
// tests/fuzz/corpus/fuzz-chat-session/bug-*). Those of open bugs fail until
// src/ is fixed; once fixed they can move to tests/native/unit-chat-client.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "chat/chat_client.hpp"
#include "fake_scheduler.hpp"
#include "fake_transport.hpp"

using namespace wasmchat::chat;
using wasmchat::testing::FakeNetwork;
using wasmchat::testing::FakeScheduler;
using wasmchat::testing::FakeTransport;

namespace {

struct Session {
  FakeNetwork network;
  FakeScheduler scheduler;
  std::vector<ChatEvent> events;
  std::unique_ptr<ChatClient> client;

  explicit Session(ChatOptions options = {}) {
    options.url = "ws://chat.test/ws";
    auto created = ChatClient::create(options, Environment{network.connector(), &scheduler, [] { return 0.5; }},
                                      [this](const ChatEvent& e) { events.push_back(e); });
    REQUIRE(created.ok());
    client = std::move(created).value();
  }

  FakeTransport& socket() {
    REQUIRE(network.current() != nullptr);
    return *network.current();
  }

  void open_v1() {
    socket().accept("wasmchat.v1");
    socket().receive_text(
        R"({"type":"welcome","session":"s1","name":"guest-1","online":2,"history":[],)"
        R"("limits":{"maxCodePoints":50,"maxFrameBytes":65536,"messagesPerSecond":20}})");
    REQUIRE(client->state() == ConnectionState::open);
    REQUIRE(client->mode() == Mode::v1);
  }

  template <class T>
  std::size_t count() const {
    return static_cast<std::size_t>(
        std::count_if(events.begin(), events.end(), [](const ChatEvent& e) { return std::holds_alternative<T>(e); }));
  }

  std::vector<DeliveryState> states_of(const std::string& id) const {
    std::vector<DeliveryState> states;
    for (const auto& e : events) {
      if (const auto* c = std::get_if<OwnMessageChanged>(&e); c && c->id == id) states.push_back(c->state);
    }
    return states;
  }
};

}  // namespace

// Known bug 1 (bug-close-after-server-closed): ChatClient::close() only looks
// at user_closed_, so after the server closed the client for good (1000, 1008...)
// it runs after_connection_lost() again: a second StatusChanged{closed} and a
// second Closed event (close code 1000, or whatever code the user passed).
TEST_CASE("close() on a client the server already closed for good reports nothing again") {
  Session s;
  s.open_v1();
  s.socket().end(1000, "bye", true);
  REQUIRE(s.client->state() == ConnectionState::closed);
  const std::size_t events = s.events.size();
  CHECK(s.client->close().ok());
  CHECK(s.client->state() == ConnectionState::closed);
  CHECK(s.count<Closed>() == 1);
  CHECK(s.events.size() == events);
}

// Known bug 2 (bug-send-after-close-reported-sent): after the user's close()
// the socket is CLOSING; send() is still accepted (state_ is still open) and
// flush() writes to the CLOSING socket, which the browser silently discards,
// yet the message is reported `sent` (final in plain mode: the user is told it
// went out). Either refusing it (SendFailure::closed) or failing it when the
// close completes would do; never reporting it sent is what matters.
TEST_CASE("after close(), a message is never reported sent when its frame was discarded") {
  Session s;
  s.socket().accept("");  // plain
  REQUIRE(s.client->close(1000, "bye").ok());
  auto result = s.client->send("hi");
  CHECK(s.socket().sent.empty());  // the CLOSING socket discarded it, if it was written
  if (const auto* id = std::get_if<std::string>(&result)) {
    const auto states = s.states_of(*id);
    CHECK(std::find(states.begin(), states.end(), DeliveryState::sent) == states.end());
    s.socket().end(1000, "bye", true);
    CHECK(s.states_of(*id).back() == DeliveryState::failed);
  } else {
    CHECK(std::get<SendRejected>(result).reason == SendFailure::closed);
  }
}

TEST_CASE("after close() in v1, a message flushed later is not reported sent either") {
  ChatOptions options;
  options.high_water_mark_bytes = 10;
  Session s(options);
  s.open_v1();
  s.socket().buffered = 10;  // backpressure: the message waits
  auto result = s.client->send("later");
  REQUIRE(std::holds_alternative<std::string>(result));
  const auto id = std::get<std::string>(result);
  REQUIRE(s.client->close(1000, "bye").ok());
  s.socket().buffered = 0;
  s.scheduler.advance(options.retry_interval_ms);  // the retry flushes into the CLOSING socket
  const auto states = s.states_of(id);
  CHECK(std::find(states.begin(), states.end(), DeliveryState::sent) == states.end());
}

// Bug 3 (bug-heartbeat-interval-below-timeout), fixed since: send_heartbeat()
// restarted liveness_timer_ with every ping, so when heartbeat_interval_ms <
// heartbeat_timeout_ms the deadline moved forward before it was reached and a
// dead connection was never given up. (Both options accept any positive value.)
TEST_CASE("a silent connection is given up even when pings are more frequent than the timeout") {
  ChatOptions options;
  options.heartbeat_interval_ms = 1000;
  options.heartbeat_timeout_ms = 5000;
  Session s(options);
  s.open_v1();
  // First ping at 1 s, unanswered: dead at 6 s at the latest.
  s.scheduler.advance(6000);
  CHECK(s.client->state() == ConnectionState::reconnecting);
  bool timed_out = false;
  for (const auto& e : s.events) {
    if (const auto* error = std::get_if<ErrorOccurred>(&e)) timed_out |= error->code == "heartbeat_timeout";
  }
  CHECK(timed_out);
}

TEST_CASE("control: with the default heartbeat (interval above timeout) a silent connection is given up") {
  Session s;
  s.open_v1();
  s.scheduler.advance(15'000 + 5'000);
  CHECK(s.client->state() == ConnectionState::reconnecting);
}
