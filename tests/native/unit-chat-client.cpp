// The chat client against a fake network and a fake clock.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "chat_session.hpp"

using namespace wasmchat::testing;


TEST_CASE("negotiation: the welcome confirms wasmchat.v1") {
  Session s;
  CHECK(s.socket().offered == std::vector<std::string>{"wasmchat.v1"});
  s.socket().accept("wasmchat.v1");
  CHECK(s.client->state() == ConnectionState::greeting);
  s.socket().receive_text(welcome("s1", message(1, "old-1", "earlier")));
  CHECK(s.client->mode() == Mode::v1);
  CHECK(s.client->name() == "guest-1");
  CHECK(s.client->online() == 2);
  CHECK(s.texts_shown() == std::vector<std::string>{"earlier"});
  REQUIRE(s.all<Opened>().size() == 1);
  CHECK(s.all<Opened>()[0].mode == Mode::v1);
}

TEST_CASE("negotiation: a ws relay that echoes the subprotocol but sends no welcome is plain") {
  Session s;
  s.socket().accept("wasmchat.v1");  // ws with default options selects what we offered
  s.socket().receive_binary("hello from a relay");
  CHECK(s.client->mode() == Mode::plain);
  CHECK(s.texts_shown() == std::vector<std::string>{"hello from a relay"});
}

TEST_CASE("negotiation: silence until the greeting timeout means plain; typed messages wait, then go as text") {
  ChatOptions options;
  options.greeting_timeout_ms = 1000;
  Session s(options);
  s.socket().accept("wasmchat.v1");
  const auto id = s.send("typed early");
  CHECK(s.socket().sent.empty());
  s.scheduler.advance(999);
  CHECK(s.client->state() == ConnectionState::greeting);
  s.scheduler.advance(1);
  CHECK(s.client->mode() == Mode::plain);
  CHECK(s.socket().sent == std::vector<std::string>{"typed early"});
  CHECK(s.states_of(id) == std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent});
  // Held until the first frame shows that no welcome is coming, then final.
  CHECK(s.client->outbox_size() == 1);
  s.socket().receive_text("typed early");  // a plain relay: everyone's text, ours included
  CHECK(s.client->outbox_size() == 0);
  CHECK(s.texts_shown() == std::vector<std::string>{"typed early"});
  CHECK(s.states_of(id) == std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent});
}

TEST_CASE("negotiation: a welcome after the greeting timeout still makes the connection v1; what went out as text goes again as says") {
  // A slow link or a history of megabytes: the welcome takes longer than greetingTimeout.
  ChatOptions options;
  options.greeting_timeout_ms = 1000;
  Session s(options);
  s.socket().accept("wasmchat.v1");
  const auto early = s.send("typed early");
  s.scheduler.advance(1000);
  const auto meanwhile = s.send("typed meanwhile");
  CHECK(s.client->mode() == Mode::plain);
  CHECK(s.socket().sent == std::vector<std::string>{"typed early", "typed meanwhile"});

  s.socket().receive_text(welcome("s1", message(1, "old-1", "earlier")));
  CHECK(s.client->mode() == Mode::v1);
  REQUIRE(s.all<Opened>().size() == 2);
  CHECK(s.all<Opened>()[0].mode == Mode::plain);
  CHECK(s.all<Opened>()[1].mode == Mode::v1);
  CHECK(s.texts_shown() == std::vector<std::string>{"earlier"});  // the history, not the welcome as text
  // The server refused each text frame (no id): reported, and nothing is lost.
  s.socket().receive_text(R"({"type":"error","code":"bad_envelope","message":"invalid JSON"})");
  s.socket().receive_text(R"({"type":"error","code":"bad_envelope","message":"invalid JSON"})");
  CHECK(s.all<ErrorOccurred>().size() == 2);
  // Both went again as says, with their ids, in order.
  const std::vector<std::string> after(s.socket().sent.begin() + 2, s.socket().sent.end());
  REQUIRE(after.size() == 2);
  CHECK(after[0] == R"({"id":")" + early + R"(","text":"typed early","type":"say"})");
  CHECK(after[1] == R"({"id":")" + meanwhile + R"(","text":"typed meanwhile","type":"say"})");
  s.socket().receive_text(ack(early, 2));
  s.socket().receive_text(ack(meanwhile, 3));
  CHECK(s.states_of(early) == std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent, DeliveryState::sent,
                                                         DeliveryState::delivered});
  CHECK(s.client->outbox_size() == 0);
}

TEST_CASE("negotiation: after the user's close(), a late welcome does not reopen the connection") {
  ChatOptions options;
  options.greeting_timeout_ms = 1000;
  Session s(options);
  s.socket().accept("wasmchat.v1");
  s.scheduler.advance(1000);
  REQUIRE(s.client->close().ok());
  s.socket().receive_text(welcome("s1"));
  CHECK(s.client->mode() == Mode::plain);
  CHECK(s.all<Opened>().size() == 1);
  CHECK(s.client->state() != ConnectionState::greeting);
}

TEST_CASE("negotiation: after the greeting timeout, a server silent for connectTimeout more is plain for good") {
  ChatOptions options;
  options.greeting_timeout_ms = 1000;
  options.connect_timeout_ms = 5000;
  Session s(options);
  s.socket().accept("wasmchat.v1");
  s.scheduler.advance(1000);
  const auto id = s.send("into the silence");
  CHECK(s.client->outbox_size() == 1);
  s.scheduler.advance(5000);
  CHECK(s.client->outbox_size() == 0);
  CHECK(s.states_of(id) == std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent});
  // A welcome now is shown as text: the connection is plain.
  s.socket().receive_text(welcome("s1"));
  CHECK(s.client->mode() == Mode::plain);
  CHECK(s.texts_shown().size() == 1);
}

TEST_CASE("negotiation: no subprotocol selected is plain at once; binary frames decode as UTF-8 with U+FFFD") {
  Session s;
  s.socket().accept("");
  CHECK(s.client->mode() == Mode::plain);
  s.socket().receive_text("{\"type\":\"message\"}");  // plain text, even if it looks like JSON
  s.socket().receive_binary("caf\xC3\xA9 \xFF!");
  CHECK(s.texts_shown() == std::vector<std::string>{"{\"type\":\"message\"}", "caf\xC3\xA9 \xEF\xBF\xBD!"});
}

TEST_CASE("v1: queued, sent, delivered; the own broadcast is not shown again") {
  Session s;
  s.open_v1();
  const auto id = s.send("hello");
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0] == R"({"id":")" + id + R"(","text":"hello","type":"say"})");
  s.socket().receive_text(message(1, id, "hello", "guest-1"));
  s.socket().receive_text(ack(id, 1));
  CHECK(s.states_of(id) ==
        std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent, DeliveryState::delivered});
  CHECK(s.texts_shown().empty());
  CHECK(s.client->outbox_size() == 0);
}

TEST_CASE("backpressure: nothing is written while bufferedAmount is at the mark; retried every interval; drain") {
  ChatOptions options;
  options.high_water_mark_bytes = 1000;
  options.retry_interval_ms = 100;
  Session s(options);
  s.open_v1();
  s.socket().buffered = 1000;
  const auto a = s.send("a");
  const auto b = s.send("b");
  CHECK(s.socket().sent.empty());
  CHECK(s.client->outbox_size() == 2);
  s.scheduler.advance(100);
  CHECK(s.socket().sent.empty());  // still full
  s.socket().buffered = 999;
  s.scheduler.advance(99);
  CHECK(s.socket().sent.empty());
  s.scheduler.advance(1);
  CHECK(s.socket().sent.size() == 2);
  CHECK(s.all<Drained>().size() == 1);
  CHECK(s.states_of(a).back() == DeliveryState::sent);
  CHECK(s.states_of(b).back() == DeliveryState::sent);
}

TEST_CASE("the outbox bound refuses with a typed reason and drops nothing") {
  ChatOptions options;
  options.max_outbox_messages = 3;
  options.max_outbox_bytes = 1000;
  Session s(options);
  s.open_v1();
  s.socket().buffered = 1 << 20;
  for (int i = 0; i < 3; ++i) (void)s.send("m" + std::to_string(i));
  auto refused = s.client->send("one too many");
  REQUIRE(std::holds_alternative<SendRejected>(refused));
  CHECK(std::get<SendRejected>(refused).reason == SendFailure::outbox_full);
  CHECK(to_string(SendFailure::outbox_full) == "outbox_full");
  s.socket().buffered = 0;
  s.scheduler.advance(100);
  CHECK(s.socket().sent.size() == 3);
  // Still bounded: sent-but-unacknowledged messages count until their ack.
  CHECK(std::holds_alternative<SendRejected>(s.client->send("x")));
}

TEST_CASE("the length limit counts code points") {
  ChatOptions options;
  options.max_message_code_points = 3;
  Session s(options);
  CHECK(std::holds_alternative<std::string>(s.client->send("\xF0\x9F\x98\x80\xE4\xBD\xA0!")));  // 😀你! = 3
  auto too_long = s.client->send("abcd");
  REQUIRE(std::holds_alternative<SendRejected>(too_long));
  CHECK(std::get<SendRejected>(too_long).reason == SendFailure::too_long);
  CHECK(std::get<SendRejected>(s.client->send("")).reason == SendFailure::empty);
  CHECK(std::get<SendRejected>(s.client->send("\xFF")).reason == SendFailure::invalid_utf8);
}

TEST_CASE("reconnection: backoff, re-send with the original id, no message shown twice") {
  ChatOptions options;
  options.reconnect_min_ms = 500;
  Session s(options);
  s.open_v1(message(1, "x-1", "first"));
  const auto id = s.send("unacked");
  s.socket().receive_text(message(2, "x-2", "second"));
  s.socket().end(1006, "", false);
  REQUIRE(s.network.current() == nullptr);
  CHECK(s.client->state() == ConnectionState::reconnecting);
  const auto closed = s.all<Closed>();
  REQUIRE(closed.size() == 1);
  REQUIRE(closed[0].reconnect_in_ms.has_value());
  CHECK(*closed[0].reconnect_in_ms == 375);  // attempt 0, jitter 0.5: in [250, 500]
  CHECK(s.states_of(id).back() == DeliveryState::sent);  // not failed: it will go again

  s.scheduler.advance(374);
  CHECK(s.network.opened == 1);
  s.scheduler.advance(1);
  CHECK(s.network.opened == 2);
  s.open_v1(message(1, "x-1", "first") + "," + message(2, "x-2", "second") + "," + message(3, "x-3", "third"));
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0].find("\"id\":\"" + id + "\"") != std::string::npos);
  CHECK(s.texts_shown() == std::vector<std::string>{"first", "second", "third"});
}

TEST_CASE("nothing is written on a CLOSING socket: a message sent then waits for the next connection") {
  // The server's close frame came, its close event not yet: the browser would
  // drop a send (Chromium logs an error on the page's console for it).
  ChatOptions options;
  options.reconnect_min_ms = 500;
  Session s(options);
  s.open_v1();
  s.socket().state = wasmchat::ReadyState::closing;
  const auto id = s.send("while closing");
  CHECK(s.states_of(id) == std::vector<DeliveryState>{DeliveryState::queued});
  s.scheduler.advance(options.heartbeat_interval_ms);  // no ping either
  CHECK(s.socket().dropped.empty());
  s.socket().end(1001, "going away");
  s.scheduler.advance(500);
  s.open_v1();
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0].find("\"id\":\"" + id + "\"") != std::string::npos);
  CHECK(s.states_of(id).back() == DeliveryState::sent);
}

TEST_CASE("reconnection: a message broadcast before the connection died is delivered from the history, not re-sent") {
  Session s;
  s.open_v1();
  const auto id = s.send("made it");
  s.socket().end(1001, "restart", true);
  s.scheduler.advance(1000);
  s.open_v1(message(1, id, "made it", "guest-1"));
  CHECK(s.socket().sent.empty());
  CHECK(s.states_of(id).back() == DeliveryState::delivered);
  CHECK(s.texts_shown().empty());
}

TEST_CASE("a new server session starts seq again") {
  Session s;
  s.open_v1(message(5, "x-5", "old"));
  s.socket().end(1012);
  s.scheduler.advance(1000);
  s.open_v1(message(1, "y-1", "new"), "s2");
  CHECK(s.texts_shown() == std::vector<std::string>{"old", "new"});
}

TEST_CASE("a message a restarted server broadcasts again under a new seq is shown once") {
  // The old server broadcast x-5 and died before the sender's ack left it;
  // the sender sent x-5 again, and the new server knows nothing of it.
  Session s;
  s.open_v1(message(5, "x-5", "once"));
  s.socket().end(1006, "", false);
  s.scheduler.advance(1000);
  s.open_v1(message(1, "x-5", "once"), "s2");
  s.socket().receive_text(message(2, "x-6", "next"));
  CHECK(s.texts_shown() == std::vector<std::string>{"once", "next"});
  CHECK(s.all<ErrorOccurred>().empty());
}

TEST_CASE("no reconnection after the user's close, a normal close or a policy violation; queued messages fail") {
  for (const int code : {1000, 1008, 4001}) {
    CAPTURE(code);
    Session s;
    s.open_v1();
    s.socket().buffered = 1 << 20;
    const auto id = s.send("stuck");
    s.socket().end(static_cast<std::uint16_t>(code));
    CHECK(s.client->state() == ConnectionState::closed);
    s.scheduler.advance(60'000);
    CHECK(s.network.opened == 1);
    CHECK(s.states_of(id).back() == DeliveryState::failed);
    CHECK(std::get<SendRejected>(s.client->send("later")).reason == SendFailure::closed);
  }
  Session s;
  s.open_v1();
  REQUIRE(s.client->close(1000, "bye").ok());
  CHECK(s.socket().close_requested == std::make_pair(std::uint16_t{1000}, std::string("bye")));
  s.socket().end(1000, "bye");
  s.scheduler.advance(60'000);
  CHECK(s.network.opened == 1);
  CHECK_FALSE(s.all<Closed>().back().reconnect_in_ms.has_value());
  CHECK(s.client->close(999).error().name == wasmchat::DomErrorName::invalid_access_error);
}

TEST_CASE("closing while waiting to reconnect stops the retries") {
  Session s;
  s.open_v1();
  s.socket().end(1006, "", false);
  REQUIRE(s.client->close().ok());
  CHECK(s.client->state() == ConnectionState::closed);
  s.scheduler.advance(60'000);
  CHECK(s.network.opened == 1);
}

TEST_CASE("heartbeat: a missing pong abandons the connection and reconnects; a pong keeps it") {
  ChatOptions options;
  options.heartbeat_interval_ms = 1000;
  options.heartbeat_timeout_ms = 500;
  Session s(options);
  s.open_v1();
  s.scheduler.advance(1000);
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0] == R"({"nonce":1,"type":"ping"})");
  s.socket().receive_text(R"({"type":"pong","nonce":1})");
  s.scheduler.advance(999);
  CHECK(s.network.current() != nullptr);
  s.scheduler.advance(1);  // second ping, unanswered
  s.scheduler.advance(500);
  CHECK(s.network.current() == nullptr);  // dropped without waiting for a close handshake
  CHECK(s.all<ErrorOccurred>().back().code == "heartbeat_timeout");
  CHECK(s.client->state() == ConnectionState::reconnecting);
  s.scheduler.advance(1000);
  CHECK(s.network.opened == 2);
}

TEST_CASE("an incoming frame above the limit closes with 4009 on the wire, 1009 reported, and reconnects") {
  ChatOptions options;
  options.max_incoming_bytes = 300;  // above the welcome
  Session s(options);
  s.open_v1();
  FakeTransport* first = &s.socket();
  first->receive_text(std::string(301, 'x'));
  CHECK(s.network.current() == nullptr);
  REQUIRE(s.network.closes_requested.size() == 1);
  CHECK(s.network.closes_requested[0].first == 4009);
  const auto closed = s.all<Closed>();
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].code == 1009);
  CHECK(closed[0].reconnect_in_ms.has_value());
  CHECK(s.all<ErrorOccurred>().back().code == "message_too_big");
}

TEST_CASE("malformed envelopes are error events; the session carries on") {
  Session s;
  s.open_v1();
  for (const char* bad : {"not json", "[1,2]", R"({"type":"nope"})", R"({"type":"message","seq":"x"})"}) {
    s.socket().receive_text(bad);
  }
  s.socket().receive_binary("\x01\x02");
  CHECK(s.all<ErrorOccurred>().size() == 5);
  for (const auto& e : s.all<ErrorOccurred>()) CHECK(e.code == "bad_envelope");
  s.socket().receive_text(message(1, "z-1", "still fine"));
  CHECK(s.texts_shown() == std::vector<std::string>{"still fine"});
  CHECK(s.client->state() == ConnectionState::open);
}

TEST_CASE("a server error naming our message marks it failed") {
  Session s;
  s.open_v1();
  const auto id = s.send("spam");
  s.socket().receive_text(R"({"type":"error","code":"too_long","message":"too long","id":")" + id + R"("})");
  CHECK(s.states_of(id).back() == DeliveryState::failed);
  CHECK(s.all<OwnMessageChanged>().back().reason == "too_long");
  CHECK(s.all<ErrorOccurred>().back().code == "too_long");
  CHECK(s.client->outbox_size() == 0);
}

TEST_CASE("unavailable and rate_limited: the message stays in the outbox and is sent again, with its id, after reconnectMinDelay") {
  std::string code = "unavailable";
  SUBCASE("unavailable") {}
  SUBCASE("rate_limited") { code = "rate_limited"; }
  Session s;
  s.open_v1();
  const auto id = s.send("kept");
  REQUIRE(s.socket().sent.size() == 1);
  s.socket().receive_text(R"({"type":"error","code":")" + code + R"(","message":"not now","id":")" + id + R"("})");
  CHECK(s.all<ErrorOccurred>().back().code == code);
  CHECK(s.states_of(id).back() != DeliveryState::failed);
  CHECK(s.client->outbox_size() == 1);
  s.send("behind it");  // waits too, behind the first
  CHECK(s.socket().sent.size() == 1);
  s.scheduler.advance(499);
  CHECK(s.socket().sent.size() == 1);
  s.scheduler.advance(1);
  REQUIRE(s.socket().sent.size() >= 2);
  CHECK(s.socket().sent[1] == R"({"id":")" + id + R"(","text":"kept","type":"say"})");
  s.scheduler.advance(1000);
  CHECK(s.socket().sent.size() == 3);
  s.socket().receive_text(ack(id, 1));
  CHECK(s.states_of(id).back() == DeliveryState::delivered);
}

TEST_CASE("unavailable, then a reconnection within the pause: the message still goes out when the pause ends") {
  ChatOptions options;
  options.reconnect_min_ms = 500;
  options.reconnect_max_ms = 500;
  Session s(options);
  s.open_v1();
  const auto id = s.send("kept");
  s.socket().receive_text(R"({"type":"error","code":"unavailable","message":"storage away","id":")" + id + R"("})");
  s.scheduler.advance(100);
  s.socket().end(1012, "storage restarted");
  s.scheduler.advance(375);  // the reconnection delay: 250 + 0.5 * 250
  s.open_v1("", "s2");
  CHECK(s.socket().sent.empty());  // still within the pause (until t = 500)
  s.scheduler.advance(25);
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0] == R"({"id":")" + id + R"(","text":"kept","type":"say"})");
}

TEST_CASE("the chosen nickname is requested after every welcome") {
  ChatOptions options;
  options.nickname = "ana";
  Session s(options);
  s.open_v1();
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0] == R"({"name":"ana","type":"nick"})");
  s.socket().receive_text(R"({"type":"name","name":"ana"})");
  CHECK(s.client->name() == "ana");
}

TEST_CASE("an invalid URL is refused at creation") {
  FakeNetwork network;
  FakeScheduler scheduler;
  ChatOptions options;
  options.url = "bad:url";
  auto created = ChatClient::create(options, Environment{network.connector(), &scheduler, [] { return 0.0; }}, nullptr);
  CHECK_FALSE(created.ok());
}

TEST_CASE("re-sends are paced below the rate the server announced") {
  Session s;
  s.open_v1();  // messagesPerSecond 20: paced at 16/s, bucket of 15
  s.socket().buffered = 1 << 20;
  for (int i = 0; i < 40; ++i) (void)s.send("m" + std::to_string(i));
  s.socket().buffered = 0;
  s.scheduler.advance(100);  // the retry timer fires
  CHECK(s.socket().sent.size() == 15);  // the full bucket at once
  s.scheduler.advance(1000);
  // Then 16/s at most (a little less: timers round up), always under the server's 20.
  CHECK(s.socket().sent.size() >= 15 + 14);
  CHECK(s.socket().sent.size() <= 15 + 16);
  s.scheduler.advance(1000);
  CHECK(s.socket().sent.size() == 40);
}

TEST_CASE("a nickname set later is requested at once and after reconnecting") {
  Session s;
  s.open_v1();
  s.client->set_nickname("zoe");
  REQUIRE(s.socket().sent.size() == 1);
  CHECK(s.socket().sent[0] == R"({"name":"zoe","type":"nick"})");
  s.socket().end(1006, "", false);
  s.scheduler.advance(1000);
  s.open_v1();
  CHECK(s.socket().sent == std::vector<std::string>{R"({"name":"zoe","type":"nick"})"});
}

TEST_CASE("batch: queued messages go out in one frame when the server speaks batch, in order, then one by one") {
  Session s;
  s.socket().accept("wasmchat.v1");
  s.socket().receive_text(welcome("s1", "", R"("batch")"));
  s.socket().buffered = 1 << 20;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(s.send("m" + std::to_string(i)));
  s.socket().buffered = 0;
  s.scheduler.advance(100);
  REQUIRE(s.socket().sent.size() == 1);
  std::string expected = R"({"items":[)";
  for (int i = 0; i < 5; ++i) {
    expected += (i ? "," : "") + std::string(R"({"id":")") + ids[static_cast<std::size_t>(i)] + R"(","text":"m)" +
                std::to_string(i) + R"(","type":"say"})";
  }
  CHECK(s.socket().sent[0] == expected + R"(],"type":"batch"})");
  for (const auto& id : ids) CHECK(s.states_of(id).back() == DeliveryState::sent);
  (void)s.send("alone");  // nothing waits: a plain say
  REQUIRE(s.socket().sent.size() == 2);
  CHECK(s.socket().sent[1].find(R"("type":"say")") != std::string::npos);
}

TEST_CASE("batch: never without the server's feature, and bounded per frame") {
  Session s;
  s.open_v1();  // no features: one say per frame
  s.socket().buffered = 1 << 20;
  for (int i = 0; i < 3; ++i) (void)s.send("m");
  s.socket().buffered = 0;
  s.scheduler.advance(100);
  CHECK(s.socket().sent.size() == 3);

  ChatOptions options;
  options.max_outbox_messages = 1000;
  Session big(options);
  big.socket().accept("wasmchat.v1");
  big.socket().receive_text(welcome("s1", "", R"("batch")"));
  big.socket().buffered = 1 << 20;
  for (int i = 0; i < 600; ++i) (void)big.send(std::string(40, 'x'));
  big.socket().buffered = 0;
  big.scheduler.advance(100);  // 15 tokens (paced at 16/s): one frame of 15
  REQUIRE(big.socket().sent.size() == 1);
  big.scheduler.advance(60'000);
  std::size_t frames_over_limit = 0;
  for (const auto& frame : big.socket().sent) frames_over_limit += frame.size() > 20 * 1024 ? 1 : 0;
  CHECK(frames_over_limit == 0);
  CHECK(big.client->outbox_size() == 600);  // all written, awaiting acks
}

TEST_CASE("coalescing: announced back only to a server that offers it") {
  Session offered;
  offered.socket().accept("wasmchat.v1");
  offered.socket().receive_text(welcome("s1", "", R"("batch","coalesce")"));
  REQUIRE(offered.socket().sent.size() == 1);
  CHECK(offered.socket().sent[0] == R"({"features":["coalesce"],"type":"features"})");

  Session older;  // a server without the feature would refuse the envelope
  older.socket().accept("wasmchat.v1");
  older.socket().receive_text(welcome("s1", "", R"("batch")"));
  CHECK(older.socket().sent.empty());
}

TEST_CASE("coalescing: a server batch shows its messages in order; its cumulative ack settles every own message up to it") {
  Session s;
  s.socket().accept("wasmchat.v1");
  s.socket().receive_text(welcome("s1", "", R"("coalesce")"));
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(s.send("m" + std::to_string(i)));
  for (const auto& id : ids) REQUIRE(s.states_of(id).back() == DeliveryState::sent);
  // ids[0] comes back as its own broadcast; ids[1] and ids[2] were already
  // broadcast (re-sends): only the cumulative ack of ids[2] settles them;
  // ids[3] was written after it and stays sent.
  s.socket().receive_text(R"({"type":"batch","messages":[)" + message(1, "x-1", "hi") + "," +
                          message(2, ids[0], "m0", "guest-1") + "," + message(3, "x-2", "there") +
                          R"(],"ack":{"id":")" + ids[2] + R"(","seq":9}})");
  CHECK(s.texts_shown() == std::vector<std::string>{"hi", "there"});
  for (int i = 0; i < 3; ++i) CHECK(s.states_of(ids[static_cast<std::size_t>(i)]).back() == DeliveryState::delivered);
  CHECK(s.states_of(ids[3]).back() == DeliveryState::sent);
  CHECK(s.client->outbox_size() == 1);
  // Each delivered once, and a replayed message is not shown again.
  for (int i = 0; i < 3; ++i) {
    const auto states = s.states_of(ids[static_cast<std::size_t>(i)]);
    CHECK(std::count(states.begin(), states.end(), DeliveryState::delivered) == 1);
  }
  s.socket().receive_text(R"({"type":"batch","messages":[)" + message(3, "x-2", "there") + "," + message(4, "x-3", "more") + "]}");
  CHECK(s.texts_shown() == std::vector<std::string>{"hi", "there", "more"});
  // Single envelopes keep working next to batches.
  s.socket().receive_text(ack(ids[3], 10));
  CHECK(s.states_of(ids[3]).back() == DeliveryState::delivered);
  CHECK(s.all<ErrorOccurred>().empty());
}

TEST_CASE("coalescing: an invalid item refuses the whole batch as bad_envelope, nothing shown") {
  Session s;
  s.socket().accept("wasmchat.v1");
  s.socket().receive_text(welcome("s1", "", R"("coalesce")"));
  s.socket().receive_text(R"({"type":"batch","messages":[)" + message(1, "x-1", "hi") + R"(,{"seq":2}]})");
  CHECK(s.texts_shown().empty());
  REQUIRE(s.all<ErrorOccurred>().size() == 1);
  CHECK(s.all<ErrorOccurred>()[0].code == "bad_envelope");
}

TEST_CASE("a heartbeat timeout longer than the interval still fires: later pings do not push the deadline back") {
  ChatOptions options;
  options.heartbeat_interval_ms = 300;
  options.heartbeat_timeout_ms = 600;
  Session s(options);
  s.open_v1();
  s.scheduler.advance(300 + 600);  // first ping at 300, no answer by 900
  CHECK(s.network.current() == nullptr);
  CHECK(s.all<ErrorOccurred>().back().code == "heartbeat_timeout");
}

TEST_CASE("a gap in seq is reported, not silent") {
  Session s;
  s.open_v1(message(1, "x-1", "one"));
  s.socket().end(1006, "", false);
  s.scheduler.advance(1000);
  s.open_v1(message(5, "x-5", "five"));  // 2-4 went out while away and left the history
  CHECK(s.texts_shown() == std::vector<std::string>{"one", "five"});
  REQUIRE_FALSE(s.all<ErrorOccurred>().empty());
  CHECK(s.all<ErrorOccurred>().back().code == "missed_messages");
  CHECK(s.all<ErrorOccurred>().back().message.rfind("3 messages", 0) == 0);
}

TEST_CASE("after a server restart, messages of the new session that left its history are reported missed") {
  Session s;
  s.open_v1(message(7, "x-7", "old"));
  s.socket().end(1001);
  s.scheduler.advance(1000);
  s.open_v1(message(4, "y-4", "new"), "s2");  // 1-3 of the new session went out while away
  CHECK(s.all<ErrorOccurred>().back().code == "missed_messages");
  CHECK(s.all<ErrorOccurred>().back().message.rfind("3 messages", 0) == 0);
  Session first;  // a first connection cannot know what came before
  first.open_v1(message(4, "y-4", "late"));
  CHECK(first.all<ErrorOccurred>().empty());
}

TEST_CASE("incoming text longer than the server's announced limit is refused") {
  Session s;
  s.open_v1();  // maxCodePoints 50
  s.socket().receive_text(message(1, "x-1", std::string(51, 'y')));
  CHECK(s.texts_shown().empty());
  CHECK(s.all<ErrorOccurred>().back().code == "bad_envelope");
  s.socket().receive_text(message(2, "x-2", std::string(50, 'y')));
  CHECK(s.texts_shown().size() == 1);
}

TEST_CASE("after close(), send is refused and nothing is reported sent; close after the end reports nothing twice") {
  Session s;
  s.socket().accept("");  // plain
  REQUIRE(s.client->close(1000).ok());
  auto refused = s.client->send("hi");
  REQUIRE(std::holds_alternative<SendRejected>(refused));
  CHECK(std::get<SendRejected>(refused).reason == SendFailure::closed);
  CHECK(s.socket().sent.empty());

  Session t;
  t.open_v1();
  t.socket().end(1000);
  const auto closes = t.all<Closed>().size();
  const auto events = t.events.size();
  REQUIRE(t.client->close().ok());
  CHECK(t.all<Closed>().size() == closes);
  CHECK(t.events.size() == events);
}

TEST_CASE("restore: a stored message goes out with its original id, after what was queued, reported queued") {
  Session s;
  s.socket().accept("wasmchat.v1");
  s.socket().receive_text(welcome());
  s.socket().buffered = 1 << 20;  // hold everything in the outbox
  const auto fresh = s.send("fresh");
  CHECK_FALSE(s.client->restore("old-tab-7", "from before the reload").has_value());
  CHECK_FALSE(s.client->restore("old-tab-7", "from before the reload").has_value());  // already held: nothing
  CHECK(s.client->outbox_size() == 2);
  CHECK(s.states_of("old-tab-7") == std::vector<DeliveryState>{DeliveryState::queued});
  const auto changed = s.all<OwnMessageChanged>();
  CHECK(changed.back().text == "from before the reload");  // the text, so that a page can show it pending
  s.socket().buffered = 0;
  s.scheduler.advance(100);
  REQUIRE(s.socket().sent.size() == 2);
  CHECK(s.socket().sent[0].find("\"id\":\"" + fresh + "\"") != std::string::npos);
  CHECK(s.socket().sent[1] == R"({"id":"old-tab-7","text":"from before the reload","type":"say"})");
  // The server had it already (sent before the reload, ack lost): it acks again; delivered once.
  s.socket().receive_text(ack("old-tab-7", 9));
  CHECK(s.states_of("old-tab-7") ==
        std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::sent, DeliveryState::delivered});
  CHECK(s.texts_shown().empty());
}

TEST_CASE("restore: a restored message whose broadcast is in the history is delivered, not re-sent") {
  Session s;
  CHECK_FALSE(s.client->restore("old-1", "made it").has_value());
  s.open_v1(message(1, "old-1", "made it", "guest-1"));
  CHECK(s.socket().sent.empty());
  CHECK(s.states_of("old-1") == std::vector<DeliveryState>{DeliveryState::queued, DeliveryState::delivered});
  CHECK(s.texts_shown().empty());
}

TEST_CASE("restore: refused like send when closed, empty, not UTF-8 or full; the length limit is not applied") {
  ChatOptions options;
  options.max_outbox_messages = 1;
  options.max_message_code_points = 3;
  Session s(options);
  CHECK(s.client->restore("", "x")->reason == SendFailure::empty);
  CHECK(s.client->restore("a-1", "")->reason == SendFailure::empty);
  CHECK(s.client->restore("a-1", "\xFF")->reason == SendFailure::invalid_utf8);
  CHECK_FALSE(s.client->restore("a-1", "longer than three").has_value());
  CHECK(s.client->restore("a-2", "x")->reason == SendFailure::outbox_full);
  REQUIRE(s.client->close().ok());
  CHECK(s.client->restore("a-3", "x")->reason == SendFailure::closed);
}
