// The wasmchat.v1 wire format (docs/protocol.md): pure encode/decode, no socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wasmchat::chat::protocol {

/// The subprotocol the client offers.
inline constexpr std::string_view subprotocol = "wasmchat.v1";

/// A broadcast chat message.
struct ChatMessage {
  std::uint64_t seq = 0;   ///< Server sequence number, from 1, per session.
  std::string id;          ///< The sender's client-made id.
  std::string from;        ///< Sender's nickname.
  std::string text;        ///< UTF-8.
  std::uint64_t time = 0;  ///< ms since the Unix epoch, server clock.
};

/// The server's limits, announced in the welcome.
struct Limits {
  std::uint64_t max_code_points = 0;
  std::uint64_t max_frame_bytes = 0;
  std::uint64_t messages_per_second = 0;
};

/// First frame of a wasmchat.v1 connection.
struct Welcome {
  std::string session;               ///< Changes when the server restarts.
  std::string name;                  ///< Nickname assigned to this connection.
  std::uint64_t online = 0;
  std::vector<ChatMessage> history;  ///< Oldest first.
  Limits limits;
  std::vector<std::string> features;  ///< Optional extensions the server speaks, e.g. "batch".
};

/// The sender's message `id` was broadcast as `seq`.
struct Ack {
  std::string id;
  std::uint64_t seq = 0;
};

/// Several server envelopes in one frame, from a server that coalesces for
/// clients that announced the "batch" feature back (encode_features): the
/// messages, in seq order, then at most one ack, which is cumulative: it
/// settles `id` and every message of ours sent before it.
struct Batch {
  std::vector<ChatMessage> messages;
  std::optional<Ack> ack;
};

/// Number of connected clients.
struct Presence {
  std::uint64_t online = 0;
};

/// Answer to a nick request: the nickname now in use.
struct NameAssigned {
  std::string name;
};

/// Answer to a ping.
struct Pong {
  std::uint64_t nonce = 0;
};

/// A refused request; `id` is set when it refused one of our messages.
struct ServerError {
  std::string code;  ///< Stable: bad_envelope, too_long, rate_limited, bad_name, unavailable...
  std::string message;
  std::string id;
};

/// The frame is not a valid envelope: why, for the error event.
struct DecodeError {
  std::string message;
};

/// Everything decode() can return: one closed set.
using ServerEnvelope =
    std::variant<DecodeError, Welcome, ChatMessage, Ack, Presence, NameAssigned, Pong, ServerError, Batch>;

/// Deepest JSON nesting accepted: envelopes need 3. decode() stops parsing at
/// the first container deeper than this, so hostile nesting costs neither
/// stack nor heap.
inline constexpr std::size_t max_nesting = 8;

/// Nesting depth of `frame` counted over brackets outside strings; stops
/// counting once past `max_nesting`. decode() refuses a frame this finds
/// deeper than max_nesting as too deep, before any other reason (a NUL byte,
/// ill-formed JSON), whether or not the JSON before the brackets is well-formed.
[[nodiscard]] std::size_t nesting_depth(std::string_view frame) noexcept;

/// Decodes one text frame. Never throws, whatever the bytes: anything that is
/// not a well-formed envelope of a known type with correctly typed fields is a
/// DecodeError. Unknown fields are ignored.
[[nodiscard]] ServerEnvelope decode(std::string_view frame);

/// True for a client id: 1-64 characters of [A-Za-z0-9_-].
[[nodiscard]] bool is_valid_id(std::string_view id) noexcept;

/// The `say` envelope. `text` must be valid UTF-8.
[[nodiscard]] std::string encode_say(std::string_view id, std::string_view text);
/// Most `say`s one `batch` envelope may carry (the server refuses more).
inline constexpr std::size_t max_batch_items = 256;

/// One message of a batch: views into the caller's strings.
struct SayItem {
  std::string_view id;
  std::string_view text;
};

/// The `batch` envelope: several `say`s in one frame, for servers whose
/// welcome lists the "batch" feature. At most max_batch_items items.
[[nodiscard]] std::string encode_batch(std::span<const SayItem> items);
/// The `nick` envelope.
[[nodiscard]] std::string encode_nick(std::string_view name);
/// The `features` envelope: the optional server envelopes this client reads,
/// sent after a welcome that lists the same feature.
[[nodiscard]] std::string encode_features(std::span<const std::string_view> features);
/// The `ping` envelope.
[[nodiscard]] std::string encode_ping(std::uint64_t nonce);

}  // namespace wasmchat::chat::protocol
