// What the chat client tells its user: one closed set of event types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chat/outbox.hpp"
#include "chat/scheduler.hpp"

namespace wasmchat::chat {

/// The dialect in use (docs/protocol.md, "Negotiation").
enum class Mode { unknown, v1, plain };

/// The client's connection, in words a page can show.
enum class ConnectionState {
  connecting,    ///< Opening a socket.
  greeting,      ///< Open; waiting for the server's welcome to settle the dialect.
  open,          ///< Chatting.
  reconnecting,  ///< Lost the connection; waiting out the backoff.
  offline,       ///< Lost the connection while the browser is offline; waits for `online`.
  closed,        ///< For good: the user closed, or the server said not to come back.
};

/// Stable lower-case names ("v1", "plain"; "open", "reconnecting"...).
[[nodiscard]] std::string_view to_string(Mode mode) noexcept;
[[nodiscard]] std::string_view to_string(ConnectionState state) noexcept;

/// The connection is ready for chatting, in `mode`.
struct Opened {
  Mode mode = Mode::unknown;
  std::string name;  ///< Our nickname (empty in plain mode).
};

/// A message to show. In plain mode only `text` is set (seq 0, empty id/from).
struct Received {
  std::uint64_t seq = 0;
  std::string id;
  std::string from;
  std::string text;
  std::uint64_t time = 0;  ///< ms since the Unix epoch, server clock.
};

/// One of the user's own messages appeared or changed state.
struct OwnMessageChanged {
  std::string id;
  std::string text;
  DeliveryState state = DeliveryState::queued;
  std::string reason;  ///< Why it failed (an error code), else empty.
};

/// Connection state, dialect, nickname or online count changed.
struct StatusChanged {
  ConnectionState state = ConnectionState::connecting;
  Mode mode = Mode::unknown;
  std::string name;
  std::uint64_t online = 0;
  bool network_online = true;  ///< The browser's navigator.onLine, as last reported.
};

/// A runtime failure, with a stable code: bad_envelope, transport_error,
/// heartbeat_timeout, message_too_big, missed_messages (a gap in seq: messages
/// sent while away that the history no longer holds), connect_timeout (an
/// attempt not open and greeted within connect_timeout_ms), url_provider_failed
/// (the URL provider failed), invalid_url (the URL was refused by the
/// WebSocket constructor), or the code of a server `error`. The last three
/// are failed attempts: retried with the backoff.
struct ErrorOccurred {
  std::string code;
  std::string message;
};

/// A connection (or an attempt) ended. `reconnect_in_ms` is set when the
/// client will retry: the backoff delay, or 0 while offline (the attempt
/// starts as soon as the network is back).
struct Closed {
  std::uint16_t code = 1006;
  std::string reason;
  bool was_clean = false;
  std::optional<Millis> reconnect_in_ms;
};

/// The outbox had to wait for bufferedAmount and has now written everything.
struct Drained {};

/// Everything a ChatClient reports.
using ChatEvent = std::variant<Opened, Received, OwnMessageChanged, StatusChanged, ErrorOccurred, Closed, Drained>;

/// Why send() refused a message.
enum class SendFailure {
  empty,         ///< Nothing to send.
  too_long,      ///< More code points than max_message_code_points.
  invalid_utf8,  ///< Not UTF-8 (C++ callers only; JS strings always convert).
  outbox_full,   ///< The outbox is at its message or byte bound.
  closed,        ///< The client was closed for good.
};

/// Stable name of a send failure ("outbox_full"...).
[[nodiscard]] std::string_view to_string(SendFailure failure) noexcept;

/// A refused send: the typed reason and a sentence for people.
struct SendRejected {
  SendFailure reason;
  std::string message;
};

/// The event as one JSON object with a "type" of open, message, status,
/// error, close or drain: the shape the JS face dispatches (web/index.d.ts).
/// Own messages are "message" with "own": true and a "state".
[[nodiscard]] std::string to_json(const ChatEvent& event);

}  // namespace wasmchat::chat
