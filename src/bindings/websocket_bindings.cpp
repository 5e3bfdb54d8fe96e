// C ABI over wasmchat::WebSocket for the JS face (web/wasm-websocket.js).
// Bindings only: every rule lives in src/websocket/. Nothing here throws;
// results and failures are return values (result records, below), so no JS
// exception ever unwinds through wasm frames.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "websocket/browser_websocket.hpp"
#include "websocket/close_code.hpp"

// Implemented by event_sink.js: they forward to the JS face's sink object.
extern "C" {
void wasmchat_js_open(int sink);
// `kind`: 0 binary for a Blob, 1 text, 2 binary for an ArrayBuffer; the data
// stays in JS (Module.wasmchatFrame.received, see WebSocket::leave_data_in_js).
void wasmchat_js_message(int sink, int kind);
void wasmchat_js_error(int sink);
void wasmchat_js_close(int sink, int code, int was_clean, const char* reason, std::size_t length);
}

namespace {

using wasmchat::WebSocket;

/// The record a call returns, read by web/module.js readResult(): a uint32
/// value, then each string as (uint32 length, UTF-8 bytes), little-endian.
/// Valid until the next call into the module; one buffer for the module is
/// enough because each call builds its record as it returns and JS reads it
/// before it calls in again.
std::string record;

const char* result(std::uint32_t value, std::initializer_list<std::string_view> strings) {
  record.clear();
  const auto put = [](std::uint32_t n) { record.append(reinterpret_cast<const char*>(&n), 4); };
  put(value);
  for (const auto text : strings) {
    put(static_cast<std::uint32_t>(text.size()));
    record.append(text);
  }
  return record.data();
}

/// Value 0, the exception's name and message.
const char* rejection(const wasmchat::DomError& error) {
  return result(0, {wasmchat::to_string(error.name), error.message});
}

/// Null when `status` is fine, else its rejection.
const char* outcome(const wasmchat::Status& status) { return status ? nullptr : rejection(status.error()); }

/// Protocols arrive as one buffer of (uint32 length, bytes) records, so that
/// any string, even one with NULs or commas, reaches the C++ validation intact.
std::vector<std::string> decode_protocols(const char* records, std::size_t length) {
  std::vector<std::string> protocols;
  for (std::size_t at = 0; at + 4 <= length;) {
    std::uint32_t size = 0;
    std::memcpy(&size, records + at, 4);
    at += 4;
    protocols.emplace_back(records + at, size);
    at += size;
  }
  return protocols;
}

void forward_events(WebSocket& socket, int sink) {
  // Nothing in C++ reads the payloads the JS face receives.
  socket.leave_data_in_js();
  socket.on_event([&socket, sink](const wasmchat::WebSocketEvent& event) {
    std::visit(
        [&socket, sink](const auto& e) {
          using Event = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<Event, wasmchat::OpenEvent>) {
            wasmchat_js_open(sink);
          } else if constexpr (std::is_same_v<Event, wasmchat::MessageEvent>) {
            // The binary type goes with the event, so that the JS face needs
            // no call back into wasm to choose between Blob and ArrayBuffer.
            const int kind = e.is_text() ? 1 : socket.binary_type() == wasmchat::BinaryType::arraybuffer ? 2 : 0;
            wasmchat_js_message(sink, kind);
          } else if constexpr (std::is_same_v<Event, wasmchat::ErrorEvent>) {
            wasmchat_js_error(sink);
          } else {
            wasmchat_js_close(sink, e.code, e.was_clean, e.reason.data(), e.reason.size());
          }
        },
        event);
  });
}

}  // namespace

extern "C" {

/// A result whose value is the new socket and whose string is its resolved
/// URL, or a rejection (value 0). Events go to `sink`.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_connect(const char* url, std::size_t url_length,
                                                            const char* protocols, std::size_t protocols_length,
                                                            int sink) {
  const auto list = decode_protocols(protocols, protocols_length);
  auto socket = WebSocket::connect(std::string_view(url, url_length), list);
  if (!socket) return rejection(socket.error());
  forward_events(*socket.value(), sink);
  WebSocket* created = socket.value().release();
  return result(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(created)), {created->url()});
}

EMSCRIPTEN_KEEPALIVE void wasmchat_websocket_destroy(WebSocket* socket) { delete socket; }

/// Sends Module.wasmchatFrame.staged (see WebSocket::send_staged): the one
/// call a send() makes.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_send_staged(WebSocket* socket) {
  return outcome(socket->send_staged());
}

/// For a Blob sent while CONNECTING only: reports the InvalidStateError.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_check_can_send(const WebSocket* socket) {
  return outcome(socket->check_can_send());
}

/// `code` < 0: no code given.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_close(WebSocket* socket, int code, const char* reason,
                                                          std::size_t length) {
  const auto given = code < 0 ? std::nullopt : std::optional<std::uint16_t>(static_cast<std::uint16_t>(code));
  return outcome(socket->close(given, std::string_view(reason, length)));
}

/// Checks close(code, reason) without closing (`code` < 0: no code given),
/// for a close() that has to wait behind sends.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_check_close(int code, const char* reason, std::size_t length) {
  const auto given = code < 0 ? std::nullopt : std::optional<std::uint16_t>(static_cast<std::uint16_t>(code));
  return outcome(wasmchat::validate_close(given, std::string_view(reason, length)));
}

EMSCRIPTEN_KEEPALIVE int wasmchat_websocket_ready_state(const WebSocket* socket) {
  return static_cast<int>(socket->ready_state());
}

/// A double, not a uint64: exact up to 2^53 bytes and needs no BigInt in JS.
EMSCRIPTEN_KEEPALIVE double wasmchat_websocket_buffered_amount(const WebSocket* socket) {
  return static_cast<double>(socket->buffered_amount());
}

/// Results with one string each (url() comes with the connect result).
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_protocol(const WebSocket* socket) {
  return result(1, {socket->protocol()});
}
EMSCRIPTEN_KEEPALIVE const char* wasmchat_websocket_extensions(const WebSocket* socket) {
  return result(1, {socket->extensions()});
}

/// 0 = blob, 1 = arraybuffer.
EMSCRIPTEN_KEEPALIVE int wasmchat_websocket_binary_type(const WebSocket* socket) {
  return socket->binary_type() == wasmchat::BinaryType::arraybuffer ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE void wasmchat_websocket_set_binary_type(WebSocket* socket, int arraybuffer) {
  socket->set_binary_type(arraybuffer ? wasmchat::BinaryType::arraybuffer : wasmchat::BinaryType::blob);
}

}  // extern "C"
