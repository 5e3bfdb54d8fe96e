// Browser test program: destroying a wasmchat::WebSocket while the browser
// still has events queued for it must never call into freed memory, and must
// free websocket.h's entry (3.1.6's emscripten_websocket_delete leaks it).
// Built with AddressSanitizer: a use-after-free aborts with a report on the
// console, which tests/browser/lifetime.test.js treats as a failure.
#include <emscripten/emscripten.h>
#include <emscripten/websocket.h>

#include <memory>
#include <string>
#include <vector>

#include "websocket/browser_websocket.hpp"

using wasmchat::WebSocket;
using wasmchat::WebSocketEvent;

namespace {

// websocket.h numbers sockets 1, 2, 3... in creation order and never reuses a
// number, and only this program creates sockets in its module: so the test
// knows each socket's handle without the class exposing it.
int sockets_created = 0;

EM_JS(void, report, (const char* scenario, int ok, const char* detail), {
  Module['onReport'](UTF8ToString(scenario), !!ok, UTF8ToString(detail));
});

bool handle_is_freed(int handle) {
  unsigned short state = 0;
  return emscripten_websocket_get_ready_state(handle, &state) == EMSCRIPTEN_RESULT_INVALID_TARGET;
}

/// One scenario: owns its socket and reports once.
struct Scenario {
  std::string name;
  std::unique_ptr<WebSocket> socket;
  int handle = 0;
  int events_after_destroy = 0;

  void connect(const std::string& url) {
    auto result = WebSocket::connect(url);
    if (!result) return finish(false, "connect failed: " + result.error().message);
    socket = std::move(result).value();
    handle = ++sockets_created;
  }

  void destroy() {
    socket.reset();
    if (!handle_is_freed(handle)) return finish(false, "handle " + std::to_string(handle) + " still usable");
    finish(true, "destroyed, handle " + std::to_string(handle) + " freed");
  }

  void finish(bool ok, const std::string& detail) { report(name.c_str(), ok, detail.c_str()); }
};

std::vector<std::unique_ptr<Scenario>> scenarios;

Scenario& start(const char* name) {
  scenarios.push_back(std::make_unique<Scenario>());
  scenarios.back()->name = name;
  return *scenarios.back();
}

}  // namespace

extern "C" {

/// The server behind `burst_url` sends many messages right after open: when the
/// first arrives, the rest are already queued in the browser.
EMSCRIPTEN_KEEPALIVE void destroy_in_first_message(const char* burst_url) {
  Scenario& s = start("destroy_in_first_message");
  s.connect(burst_url);
  if (!s.socket) return;
  s.socket->on_event([&s](const WebSocketEvent& event) {
    if (std::holds_alternative<wasmchat::MessageEvent>(event)) s.destroy();
  });
}

EMSCRIPTEN_KEEPALIVE void destroy_while_connecting(const char* echo_url) {
  Scenario& s = start("destroy_while_connecting");
  s.connect(echo_url);
  if (!s.socket) return;
  s.socket->on_event([](const WebSocketEvent&) { EM_ASM({ console.error('event after destroy'); }); });
  s.destroy();
}

EMSCRIPTEN_KEEPALIVE void destroy_in_open(const char* burst_url) {
  Scenario& s = start("destroy_in_open");
  s.connect(burst_url);
  if (!s.socket) return;
  s.socket->on_event([&s](const WebSocketEvent& event) {
    if (std::holds_alternative<wasmchat::OpenEvent>(event)) s.destroy();
  });
}

EMSCRIPTEN_KEEPALIVE void destroy_in_close(const char* echo_url) {
  Scenario& s = start("destroy_in_close");
  s.connect(echo_url);
  if (!s.socket) return;
  s.socket->on_event([&s](const WebSocketEvent& event) {
    if (std::holds_alternative<wasmchat::OpenEvent>(event) && !s.socket->close(1000, "bye").ok()) {
      s.finish(false, "close failed");
    } else if (std::holds_alternative<wasmchat::CloseEvent>(event)) {
      s.destroy();
    }
  });
}

/// A handler that replaces itself (on_event) inside its own call keeps running
/// with its captures intact; the new one gets the next events.
EMSCRIPTEN_KEEPALIVE void replace_handler_in_message(const char* burst_url) {
  Scenario& s = start("replace_handler_in_message");
  s.connect(burst_url);
  if (!s.socket) return;
  const std::string label(64, 'x');  // a capture the running handler reads after replacing itself
  s.socket->on_event([&s, label](const WebSocketEvent& event) {
    if (!std::holds_alternative<wasmchat::MessageEvent>(event)) return;
    s.socket->on_event([&s](const WebSocketEvent& next) {
      if (std::holds_alternative<wasmchat::MessageEvent>(next)) s.destroy();
    });
    if (label != std::string(64, 'x')) s.finish(false, "the replaced handler's captures are gone");
  });
}

/// Invalid arguments must be rejected in C++, before websocket.h (where the
/// browser's exception would unwind through wasm without destructors): no
/// handle may be consumed by them.
EMSCRIPTEN_KEEPALIVE void rejected_before_javascript(const char* echo_url) {
  Scenario& s = start("rejected_before_javascript");
  const std::vector<std::string> bad_protocols{"a", "a"};
  for (int i = 0; i < 500; ++i) {
    if (WebSocket::connect("ftp://example.com/").ok() || WebSocket::connect("ws://h/#x").ok() ||
        WebSocket::connect(echo_url, bad_protocols).ok()) {
      return s.finish(false, "an invalid argument was accepted");
    }
  }
  s.connect(echo_url);
  if (!s.socket) return;
  unsigned short state = 9;
  if (emscripten_websocket_get_ready_state(s.handle, &state) != EMSCRIPTEN_RESULT_SUCCESS || state != 0) {
    return s.finish(false, "the valid socket is not the next handle");
  }
  s.destroy();
}

}  // extern "C"
