// How the chat client makes connection attempts: network awareness, the
// connect timeout, and URLs from a provider, against a fake network and clock.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "chat_session.hpp"

using namespace wasmchat::testing;

TEST_CASE("offline: a lost connection waits in `offline` without attempts; `online` reconnects at once") {
  ChatOptions options;
  options.reconnect_min_ms = 10'000;
  options.reconnect_max_ms = 10'000;
  Session a(options);
  a.open_v1();
  const auto id = std::get<std::string>(a.client->send("typed before"));
  a.client->set_network_online(false);
  CHECK(a.client->state() == ConnectionState::open);  // an open socket is left to the heartbeat
  CHECK(a.all<StatusChanged>().back().network_online == false);
  a.socket().end(1006, {}, false);
  CHECK(a.client->state() == ConnectionState::offline);
  CHECK(a.last_reconnect_in() == Millis{0});
  a.scheduler.advance(60'000);
  CHECK(a.network.opened == 1);  // no attempt burnt while offline
  CHECK(a.scheduler.pending() == 0);
  a.client->set_network_online(true);
  CHECK(a.network.opened == 2);  // at once, not after the 10 s backoff
  CHECK(a.client->state() == ConnectionState::connecting);
  CHECK(a.all<StatusChanged>().back().network_online == true);
  a.open_v1();
  REQUIRE(!a.socket().sent.empty());
  CHECK(a.socket().sent[0].find(id) != std::string::npos);  // the unacknowledged message goes again
}

TEST_CASE("offline while waiting out the backoff: the timer stops; online tries at once with the backoff reset") {
  ChatOptions options;
  options.reconnect_min_ms = 1000;
  options.reconnect_max_ms = 8000;
  Session a(options);
  a.socket().fail();
  a.scheduler.advance(750);  // attempt 0's delay at random 0.5
  a.socket().fail();
  CHECK(a.last_reconnect_in() == Millis{1500});
  CHECK(a.client->state() == ConnectionState::reconnecting);
  a.client->set_network_online(false);
  CHECK(a.client->state() == ConnectionState::offline);
  a.scheduler.advance(100'000);
  CHECK(a.network.opened == 2);
  a.client->set_network_online(true);
  CHECK(a.network.opened == 3);
  a.socket().fail();
  CHECK(a.last_reconnect_in() == Millis{750});  // the first step again

  // A flap during the backoff: offline, then online again, tries at once too.
  a.client->set_network_online(false);
  a.client->set_network_online(true);
  CHECK(a.network.opened == 4);
}

TEST_CASE("created offline: the first attempt is still made; its failure waits for the network") {
  Session a({}, /*online=*/false);
  CHECK(a.network.opened == 1);
  CHECK(a.client->network_online() == false);
  a.socket().fail();
  CHECK(a.client->state() == ConnectionState::offline);
  a.scheduler.advance(60'000);
  CHECK(a.network.opened == 1);
  a.client->set_network_online(true);
  CHECK(a.network.opened == 2);
}

TEST_CASE("network changes while open or closed only report the status; close() while offline ends it") {
  Session a;
  a.open_v1();
  const auto statuses = a.all<StatusChanged>().size();
  a.client->set_network_online(true);  // no change: nothing reported
  CHECK(a.all<StatusChanged>().size() == statuses);
  a.client->set_network_online(false);
  CHECK(a.all<StatusChanged>().size() == statuses + 1);
  a.socket().end(1001);
  CHECK(a.client->state() == ConnectionState::offline);
  CHECK(a.client->close().ok());
  CHECK(a.client->state() == ConnectionState::closed);
  CHECK(a.last_reconnect_in() == std::nullopt);
  a.client->set_network_online(true);
  CHECK(a.client->state() == ConnectionState::closed);
  CHECK(a.network.opened == 1);
}

TEST_CASE("connect timeout: a handshake that hangs is abandoned, reported, and retried with the backoff") {
  ChatOptions options;
  options.connect_timeout_ms = 3000;
  options.reconnect_min_ms = 1000;
  options.reconnect_max_ms = 1000;
  Session a(options);
  a.scheduler.advance(2999);
  CHECK(a.network.live.size() == 1);
  CHECK(a.error_codes().empty());
  a.scheduler.advance(1);
  CHECK(a.network.live.empty());  // the hanging socket is dropped (its destructor closes it)
  CHECK(a.error_codes() == std::vector<std::string>{"connect_timeout"});
  CHECK(a.all<Closed>().back().code == 1006);
  CHECK(a.last_reconnect_in() == Millis{750});
  CHECK(a.client->state() == ConnectionState::reconnecting);
  a.scheduler.advance(750);
  CHECK(a.network.opened == 2);
  a.open_v1();
  a.scheduler.advance(10'000);
  CHECK(a.error_codes().size() == 1);  // an open connection is not timed out
}

TEST_CASE("connect timeout: open but no welcome within the timeout counts too (v1 must be greeted)") {
  ChatOptions options;
  options.connect_timeout_ms = 1000;
  options.greeting_timeout_ms = 5000;
  Session a(options);
  a.scheduler.advance(500);
  a.socket().accept("wasmchat.v1");
  CHECK(a.client->state() == ConnectionState::greeting);
  a.scheduler.advance(500);
  CHECK(a.error_codes() == std::vector<std::string>{"connect_timeout"});
  CHECK(a.client->state() == ConnectionState::reconnecting);
  CHECK(a.all<Opened>().empty());
}

TEST_CASE("a URL provider is asked before every attempt, and its answer is the URL used") {
  ChatOptions options;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 100;
  Session a(options, true, /*provider=*/true);
  REQUIRE(a.url_requests.size() == 1);
  CHECK(a.network.opened == 0);
  CHECK(a.client->state() == ConnectionState::connecting);
  a.client->url_provided(a.url_requests[0], "ws://chat.test/ws?token=1");
  CHECK(a.socket().url == "ws://chat.test/ws?token=1");
  a.open_v1();
  a.socket().end(1001);
  a.scheduler.advance(100);
  REQUIRE(a.url_requests.size() == 2);
  a.client->url_provided(a.url_requests[0], "ws://chat.test/ws?token=stale");  // not pending: ignored
  CHECK(a.network.opened == 1);
  a.client->url_provided(a.url_requests[1], "ws://chat.test/ws?token=2");
  CHECK(a.socket().url == "ws://chat.test/ws?token=2");
  a.client->url_provided(a.url_requests[1], "ws://chat.test/ws?token=again");  // answered already
  CHECK(a.network.opened == 2);
}

TEST_CASE("a failing provider or an invalid URL is a failed attempt: error, backoff, asked again") {
  ChatOptions options;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 100;
  Session a(options, true, /*provider=*/true);
  a.client->url_failed(a.url_requests.back(), "token service down");
  CHECK(a.error_codes() == std::vector<std::string>{"url_provider_failed"});
  CHECK(a.all<ErrorOccurred>().back().message == "token service down");
  CHECK(a.client->state() == ConnectionState::reconnecting);
  CHECK(a.last_reconnect_in() == Millis{75});
  a.scheduler.advance(75);
  REQUIRE(a.url_requests.size() == 2);
  a.client->url_provided(a.url_requests.back(), "bad:url");
  CHECK(a.error_codes() == std::vector<std::string>{"url_provider_failed", "invalid_url"});
  CHECK(a.client->state() == ConnectionState::reconnecting);
  a.scheduler.advance(75);
  REQUIRE(a.url_requests.size() == 3);
  a.client->url_provided(a.url_requests.back(), "ws://chat.test/ws");
  a.open_v1();
  CHECK(a.network.opened == 1);
}

TEST_CASE("a provider that never answers is bounded by the connect timeout; its late answer is ignored") {
  ChatOptions options;
  options.connect_timeout_ms = 2000;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 100;
  Session a(options, true, /*provider=*/true);
  a.scheduler.advance(2000);
  CHECK(a.error_codes() == std::vector<std::string>{"connect_timeout"});
  a.client->url_provided(a.url_requests[0], "ws://chat.test/ws?late");
  CHECK(a.network.opened == 0);
  a.scheduler.advance(75);
  CHECK(a.url_requests.size() == 2);
}

TEST_CASE("close() while the URL is being asked for ends at once; the answer is ignored") {
  Session a({}, true, /*provider=*/true);
  CHECK(a.client->close().ok());
  CHECK(a.client->state() == ConnectionState::closed);
  a.client->url_provided(a.url_requests[0], "ws://chat.test/ws");
  CHECK(a.network.opened == 0);
  CHECK(a.scheduler.pending() == 0);
}

TEST_CASE("a fixed URL refused on a later attempt is reported and retried, not stuck") {
  // The Connector may refuse a URL it accepted before (e.g. a blocked port).
  ChatOptions options;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 100;
  Session a(options);
  a.open_v1();
  a.network.refuse_all = true;
  a.socket().end(1006, {}, false);
  a.scheduler.advance(75);
  CHECK(a.error_codes() == std::vector<std::string>{"invalid_url"});
  CHECK(a.client->state() == ConnectionState::reconnecting);
  a.network.refuse_all = false;
  a.scheduler.advance(75);
  CHECK(a.network.opened == 2);
}

TEST_CASE("options: connectTimeout") {
  auto parsed = parse_options(R"({"connectTimeout":2500})");
  REQUIRE(parsed.ok());
  CHECK(parsed.value().connect_timeout_ms == 2500);
  CHECK(ChatOptions{}.connect_timeout_ms == 10'000);
  CHECK(!parse_options(R"({"connectTimeout":0})").ok());
  CHECK(to_string(ConnectionState::offline) == "offline");
  CHECK(to_json(StatusChanged{ConnectionState::offline, Mode::unknown, "", 0, false}) ==
        R"({"mode":"unknown","name":"","network":"offline","online":0,"state":"offline","type":"status"})");
}
