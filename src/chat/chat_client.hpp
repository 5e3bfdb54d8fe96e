// The chat client: dialect negotiation, flushing the outbox under
// bufferedAmount backpressure, reconnection with re-sending, limits. The
// other jobs have their own classes (Outbox, ReconnectPolicy, SendPacer,
// SequenceTracker, Heartbeat). Pure C++: the socket, the clock and
// randomness come in from outside.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chat/chat_event.hpp"
#include "chat/heartbeat.hpp"
#include "chat/options.hpp"
#include "chat/outbox.hpp"
#include "chat/protocol.hpp"
#include "chat/recent_ids.hpp"
#include "chat/reconnect_policy.hpp"
#include "chat/scheduler.hpp"
#include "chat/send_pacer.hpp"
#include "chat/sequence_tracker.hpp"
#include "websocket/transport.hpp"

namespace wasmchat::chat {

/// What a ChatClient needs from its surroundings.
struct Environment {
  Connector connect;               ///< Opens sockets (the browser's, or a fake).
  Scheduler* scheduler = nullptr;  ///< Timers; must outlive the client.
  std::function<double()> random;  ///< Uniform in [0, 1): ids and jitter.
  /// The network's state at creation (the browser's navigator.onLine); later
  /// changes arrive through ChatClient::set_network_online().
  bool network_online = true;
  /// Set when the URL comes from the user (a function in JS): called at the
  /// start of every attempt, instead of using options.url, with a request
  /// number; the answer comes back, at any later time, through
  /// ChatClient::url_provided() or url_failed() with that number.
  std::function<void(std::uint64_t request)> request_url = nullptr;
};

/// A chat session that survives connection loss.
///
/// Lifetime: owns its socket and timers; destroying it closes the socket and
/// cancels every timer, so no callback reaches a destroyed client. Not to be
/// destroyed from inside its own handler.
class ChatClient {
 public:
  using Handler = std::function<void(const ChatEvent&)>;

  /// How many message ids the client remembers as shown: its own once
  /// delivered (their broadcast may still come after the ack) and everyone
  /// else's (a restarted server may broadcast one again, see RecentIds). A
  /// message with one of them is not shown again.
  static constexpr std::size_t remembered_ids = 1024;

  /// Starts the first attempt (whatever the network's state: it validates
  /// the URL, and a page may reach a loopback or LAN server while the browser
  /// says offline). Fails (SyntaxError) only when options.url is invalid and
  /// there is no request_url; every later failure arrives as an event.
  [[nodiscard]] static Result<std::unique_ptr<ChatClient>> create(ChatOptions options, Environment environment,
                                                                 Handler handler);
  ~ChatClient();
  ChatClient(const ChatClient&) = delete;
  ChatClient& operator=(const ChatClient&) = delete;

  /// Queues `text` (UTF-8) and returns its id, or says why not. Queued text
  /// is written when the socket is open, the dialect known and
  /// bufferedAmount below the high-water mark.
  [[nodiscard]] std::variant<std::string, SendRejected> send(std::string_view text);

  /// Re-enqueues a message kept from an earlier session (a persisted outbox,
  /// web/outbox-store.js) with its original `id`, behind what is queued, and
  /// reports it queued like a new one. The id is what makes delivery exactly
  /// once: the server answers an id it already published with an ack and
  /// does not broadcast it again. Restoring an id the outbox already holds
  /// does nothing. The length limit is not applied (the text was accepted
  /// once; the server still enforces its own). Refused like send() when the
  /// client is closed, `id` or `text` is empty, `text` is not UTF-8 or the
  /// outbox is full.
  [[nodiscard]] std::optional<SendRejected> restore(std::string_view id, std::string_view text);

  /// Asks for a new nickname now (if connected) and after every reconnection.
  void set_nickname(std::string nickname);

  /// Closes for good: no reconnection; messages still in the outbox are
  /// reported failed. Same code/reason rules as WebSocket.close().
  [[nodiscard]] Status close(std::optional<std::uint16_t> code = std::nullopt, std::string_view reason = {});

  /// The network went down or came back (navigator.onLine, the window's
  /// offline/online events). While offline no attempt is started: a lost
  /// connection waits in the `offline` state without using up the backoff.
  /// Back online, a client that is waiting (offline, or out the backoff)
  /// tries at once, and its backoff starts again from the minimum. An open
  /// connection is left alone either way (the heartbeat judges it). Each
  /// change is reported (StatusChanged), except once closed for good.
  void set_network_online(bool online);

  /// The answer to request_url(request): connect to `url` now. Answers to a
  /// request that is no longer pending (timed out, closed) are ignored.
  void url_provided(std::uint64_t request, std::string_view url);
  /// The answer to request_url(request): the provider failed (`message`
  /// says why). A failed attempt: error url_provider_failed, then the backoff.
  void url_failed(std::uint64_t request, std::string message);

  [[nodiscard]] ConnectionState state() const noexcept { return state_; }
  /// The network's state, as last reported.
  [[nodiscard]] bool network_online() const noexcept { return network_online_; }
  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  /// The current socket's readyState (CLOSED between connections).
  [[nodiscard]] ReadyState ready_state() const;
  /// The current socket's bufferedAmount (0 between connections).
  [[nodiscard]] std::uint64_t buffered_amount() const;
  /// Messages held in the outbox (queued + awaiting acknowledgement).
  [[nodiscard]] std::size_t outbox_size() const noexcept { return outbox_.size(); }
  /// UTF-8 bytes held in the outbox.
  [[nodiscard]] std::size_t outbox_bytes() const noexcept { return outbox_.bytes(); }
  /// Our nickname as the server knows it (v1), else empty.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Clients online, per the server's last report (v1).
  [[nodiscard]] std::uint64_t online() const noexcept { return online_; }

 private:
  ChatClient(ChatOptions options, Environment environment, Handler handler);

  /// Starts an attempt: the connect timeout, then the URL (asked for, or
  /// options.url). The status is that of opening the socket at once.
  Status start_attempt();
  /// Opens the socket of the current attempt.
  Status open_socket(std::string_view url);
  /// An attempt failed before it had a socket: reported, then the backoff.
  void fail_attempt(std::string error_code, std::string message);
  void on_transport_event(const WebSocketEvent& event);
  void on_open();
  void on_frame(const MessageEvent& message);
  void on_envelope(protocol::ServerEnvelope envelope);
  void on_chat_message(const protocol::ChatMessage& message);
  void on_welcome(protocol::Welcome welcome);
  /// The greeting timeout took the connection for plain, and its first frame
  /// is a welcome after all: back to greeting, what went out as text queued
  /// again, so that the welcome makes it v1 (see provisional_plain_).
  void resume_greeting();
  /// The connection is plain for good: what went out as text is final.
  void confirm_plain();
  void on_close(const CloseEvent& close);
  void become_open(Mode mode);
  void show_plain(std::string text);
  void flush();
  /// Writes `frame` on the current socket if it is OPEN; false otherwise.
  /// Once it is CLOSING (the server's close frame came, its close event not
  /// yet) nothing more goes out: the browser would drop it, and Chromium logs
  /// "WebSocket is already in CLOSING or CLOSED state." on the page's console;
  /// what was not written stays queued for the next connection.
  bool write(std::string_view frame);
  /// Writes the next queued messages in one frame (v1); false if it could not.
  bool write_v1_frame();
  /// Heartbeat's ping: false when there is no open connection to ping.
  bool send_ping(std::uint64_t nonce);
  void abandon(std::uint16_t code, std::string reason, std::string error_code);
  void after_connection_lost(std::uint16_t code, std::string reason, bool was_clean);
  void fail_everything_queued(std::string_view reason);
  /// Removes own message `id` from the outbox and reports it; false if not ours.
  bool settle_own(std::string_view id, DeliveryState state, std::string reason = {});
  void set_state(ConnectionState state);
  void emit(ChatEvent event);
  [[nodiscard]] std::string make_id();

  ChatOptions options_;
  Environment environment_;
  Handler handler_;
  ReconnectPolicy reconnect_policy_;
  Outbox outbox_;
  std::unique_ptr<Transport> transport_;

  ConnectionState state_ = ConnectionState::connecting;
  Mode mode_ = Mode::unknown;
  bool user_closed_ = false;
  bool outbox_blocked_ = false;  // waited for bufferedAmount since the last drain
  unsigned attempt_ = 0;         // reconnections since the last successful open
  bool network_online_ = true;
  std::uint64_t url_requests_ = 0;         // request numbers given out so far
  std::uint64_t pending_url_request_ = 0;  // the one answer awaited; 0: none

  SequenceTracker sequence_;
  std::uint64_t max_code_points_ = 0;  // the server's announced text limit; 0 before a welcome
  std::string name_;
  std::uint64_t online_ = 0;
  RecentIds shown_{remembered_ids};  // ids on the page: own delivered ones and received ones
  std::string id_prefix_;
  std::uint64_t next_id_ = 1;
  bool batch_ = false;  // the server announced the "batch" feature
  SendPacer pacer_;
  // The server answered `unavailable` (it could not store): nothing is
  // written before this time, then the unacknowledged messages go again.
  Millis hold_until_ = 0;
  // From a greeting timeout on a connection whose header said wasmchat.v1
  // until its first frame (or connect_timeout_ms more): a late welcome (a
  // slow link, a history of megabytes) still makes it v1. Until then what is
  // written as text stays in the outbox as sent, to go again as `say`s if it
  // was a v1 server after all (which refuses each text frame: a
  // `bad_envelope` error without an id, reported as any other).
  bool provisional_plain_ = false;

  Timer connect_timer_;
  Timer greeting_timer_;
  Timer flush_timer_;
  Heartbeat heartbeat_;
  Timer reconnect_timer_;
};

}  // namespace wasmchat::chat
