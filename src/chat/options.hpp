// Every setting of the chat client, with its default, in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chat/scheduler.hpp"
#include "websocket/dom_error.hpp"

namespace wasmchat::chat {

/// The chat client's settings. Units are in the names: *_ms milliseconds,
/// *_bytes bytes (UTF-8), *_code_points Unicode code points.
struct ChatOptions {
  /// Server URL (ws:, wss:, http:, https: or relative to the page).
  std::string url = "/ws";
  /// Nickname to ask for after each welcome; empty keeps the server's choice.
  std::string nickname;

  /// Longest outgoing message (the classic chat's input had maxlength 50).
  std::size_t max_message_code_points = 50;
  /// A larger incoming frame makes the client close (reported as 1009).
  std::size_t max_incoming_bytes = 1024 * 1024;

  /// The outbox writes to the socket only while bufferedAmount is below this.
  std::uint64_t high_water_mark_bytes = 64 * 1024;
  /// How often a blocked outbox checks bufferedAmount again.
  Millis retry_interval_ms = 100;
  /// Bounds of the outbox (queued plus sent-but-unacknowledged messages).
  std::size_t max_outbox_messages = 10'000;
  std::size_t max_outbox_bytes = 1024 * 1024;

  /// Reconnection backoff: doubles from min to max, with full jitter.
  Millis reconnect_min_ms = 500;
  Millis reconnect_max_ms = 30'000;

  /// A connection attempt that is not open (and, for wasmchat.v1, greeted)
  /// by then is abandoned and retried with the backoff (error connect_timeout).
  /// It counts from the start of the attempt, so a URL provider that does not
  /// answer is bounded too. Keep it above greeting_timeout_ms, or a silent
  /// plain server is abandoned before it counts as plain.
  Millis connect_timeout_ms = 10'000;

  /// How long to wait for the server's welcome before assuming a plain server,
  /// from the open event. A slower welcome (a slow link, a history of
  /// megabytes) that is the first frame, within connect_timeout_ms more, still
  /// makes the connection v1 (ChatClient::resume_greeting).
  Millis greeting_timeout_ms = 1500;
  /// wasmchat.v1 liveness: ping period, and how long a silence means "dead".
  Millis heartbeat_interval_ms = 15'000;
  Millis heartbeat_timeout_ms = 5'000;
};

/// Reads options given as a JSON object with the JS names (web/index.d.ts:
/// server, nickname, maxLength, maxIncomingBytes, highWaterMark, retryInterval,
/// maxOutboxMessages, maxOutboxBytes, reconnectMinDelay, reconnectMaxDelay,
/// connectTimeout, greetingTimeout, heartbeatInterval, heartbeatTimeout). Missing keys keep
/// their defaults; an unknown key or a wrong type is a TypeError, so a typo
/// never silently becomes a default.
[[nodiscard]] Result<ChatOptions> parse_options(std::string_view json_text);

}  // namespace wasmchat::chat
