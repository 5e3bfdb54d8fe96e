#include "chat/chat_client.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "chat/overloaded.hpp"
#include "websocket/close_code.hpp"
#include "websocket/utf8.hpp"

namespace wasmchat::chat {
Result<std::unique_ptr<ChatClient>> ChatClient::create(ChatOptions options, Environment environment,
                                                        Handler handler) {
  std::unique_ptr<ChatClient> client(new ChatClient(std::move(options), std::move(environment), std::move(handler)));
  if (auto status = client->start_attempt(); !status) return status.error();
  return client;
}

ChatClient::ChatClient(ChatOptions options, Environment environment, Handler handler)
    : options_(std::move(options)),
      environment_(std::move(environment)),
      handler_(std::move(handler)),
      reconnect_policy_(options_.reconnect_min_ms, options_.reconnect_max_ms),
      outbox_(options_.max_outbox_messages, options_.max_outbox_bytes),
      network_online_(environment_.network_online),
      connect_timer_(*environment_.scheduler),
      greeting_timer_(*environment_.scheduler),
      flush_timer_(*environment_.scheduler),
      heartbeat_(
          *environment_.scheduler, options_.heartbeat_interval_ms, options_.heartbeat_timeout_ms,
          [this](std::uint64_t nonce) { return send_ping(nonce); },
          [this] {
            abandon(static_cast<std::uint16_t>(CloseCode::abnormal), "heartbeat timeout", "heartbeat_timeout");
          }),
      reconnect_timer_(*environment_.scheduler) {
  // Ids must not collide with another client's after a server restart, when
  // the server has forgotten which ids it saw: 8 random base-36 characters.
  constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < 8; ++i) {
    const auto r = std::clamp(environment_.random(), 0.0, 0.999999);
    id_prefix_ += digits[static_cast<std::size_t>(r * static_cast<double>(digits.size()))];
  }
}

ChatClient::~ChatClient() = default;

Status ChatClient::start_attempt() {
  mode_ = Mode::unknown;
  connect_timer_.start(options_.connect_timeout_ms, [this] {
    pending_url_request_ = 0;
    abandon(static_cast<std::uint16_t>(CloseCode::abnormal),
            "No connection within " + std::to_string(options_.connect_timeout_ms) + " ms.", "connect_timeout");
  });
  set_state(ConnectionState::connecting);
  if (!environment_.request_url) return open_socket(options_.url);
  // Last: the provider may answer from inside the call.
  pending_url_request_ = ++url_requests_;
  environment_.request_url(pending_url_request_);
  return success();
}

Status ChatClient::open_socket(std::string_view url) {
  const std::array<std::string, 1> protocols{std::string(protocol::subprotocol)};
  auto transport = environment_.connect(url, protocols);
  if (!transport) return transport.error();
  transport_ = std::move(transport).value();
  transport_->on_event([this](const WebSocketEvent& event) { on_transport_event(event); });
  // Checked before the frame is copied, where the transport can.
  transport_->set_max_message_bytes(options_.max_incoming_bytes);
  return success();
}

void ChatClient::url_provided(std::uint64_t request, std::string_view url) {
  if (request == 0 || request != pending_url_request_) return;
  pending_url_request_ = 0;
  if (auto status = open_socket(url); !status) fail_attempt("invalid_url", status.error().message);
}

void ChatClient::url_failed(std::uint64_t request, std::string message) {
  if (request == 0 || request != pending_url_request_) return;
  pending_url_request_ = 0;
  fail_attempt("url_provider_failed", std::move(message));
}

void ChatClient::fail_attempt(std::string error_code, std::string message) {
  emit(ErrorOccurred{std::move(error_code), message});
  after_connection_lost(static_cast<std::uint16_t>(CloseCode::abnormal), std::move(message), false);
}

void ChatClient::set_network_online(bool online) {
  if (online == network_online_) return;
  network_online_ = online;
  if (state_ == ConnectionState::closed) return;  // over: nothing more is reported
  const bool waiting = state_ == ConnectionState::offline || state_ == ConnectionState::reconnecting;
  if (user_closed_ || !waiting) return set_state(state_);
  reconnect_timer_.stop();
  if (!online) return set_state(ConnectionState::offline);  // the pending attempt would fail anyway
  attempt_ = 0;
  if (auto status = start_attempt(); !status) fail_attempt("invalid_url", status.error().message);
}

void ChatClient::on_transport_event(const WebSocketEvent& event) {
  std::visit(Overloaded{
                 [this](const OpenEvent&) { on_open(); },
                 [this](const MessageEvent& message) { on_frame(message); },
                 [this](const ErrorEvent&) {
                   emit(ErrorOccurred{"transport_error", "The connection failed."});
                 },
                 [this](const CloseEvent& close) { on_close(close); },
             },
             event);
}

void ChatClient::on_open() {
  // A ws server with default options selects whatever we offered, so the
  // protocol header alone proves nothing: only a welcome confirms v1.
  if (transport_->protocol() != protocol::subprotocol) return become_open(Mode::plain);
  set_state(ConnectionState::greeting);
  greeting_timer_.start(options_.greeting_timeout_ms, [this] {
    provisional_plain_ = true;
    become_open(Mode::plain);
    greeting_timer_.start(options_.connect_timeout_ms, [this] { confirm_plain(); });
  });
}

void ChatClient::confirm_plain() {
  if (!std::exchange(provisional_plain_, false)) return;
  greeting_timer_.stop();
  outbox_.drop_sent();
}

void ChatClient::resume_greeting() {
  provisional_plain_ = false;
  greeting_timer_.stop();
  outbox_.requeue_unacknowledged();
  set_state(ConnectionState::greeting);
}

void ChatClient::on_frame(const MessageEvent& message) {
  const std::size_t size = message.is_text() ? std::get<std::string_view>(message.data).size()
                                             : std::get<std::span<const std::byte>>(message.data).size();
  if (message.too_big || size > options_.max_incoming_bytes) {
    return abandon(static_cast<std::uint16_t>(CloseCode::message_too_big), "message too big", "message_too_big");
  }
  heartbeat_.frame_received();  // any frame proves the connection alive

  if (!message.is_text()) {
    confirm_plain();
    const auto bytes = std::get<std::span<const std::byte>>(message.data);
    const std::string_view raw(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (state_ == ConnectionState::greeting) become_open(Mode::plain);
    if (mode_ == Mode::v1) {
      return emit(ErrorOccurred{"bad_envelope", "wasmchat.v1 does not use binary frames."});
    }
    return show_plain(utf8::to_valid(raw));
  }

  const auto text = std::get<std::string_view>(message.data);
  if (mode_ == Mode::plain && !provisional_plain_) return show_plain(std::string(text));
  auto envelope = protocol::decode(text);
  if (provisional_plain_) {
    // After the user's close() nothing reopens: the connection ends as it is.
    if (user_closed_ || !std::holds_alternative<protocol::Welcome>(envelope)) {
      confirm_plain();
      return show_plain(std::string(text));
    }
    resume_greeting();  // the welcome below makes the connection v1
  }
  if (state_ == ConnectionState::greeting) {
    if (auto* welcome = std::get_if<protocol::Welcome>(&envelope)) return on_welcome(std::move(*welcome));
    // First frame is not a welcome: not our protocol after all; show it.
    become_open(Mode::plain);
    return show_plain(std::string(text));
  }
  on_envelope(std::move(envelope));
}

void ChatClient::on_envelope(protocol::ServerEnvelope envelope) {
  std::visit(Overloaded{
                 [this](protocol::DecodeError& error) { emit(ErrorOccurred{"bad_envelope", std::move(error.message)}); },
                 [this](protocol::Welcome& welcome) { on_welcome(std::move(welcome)); },
                 [this](protocol::ChatMessage& message) { on_chat_message(message); },
                 [this](protocol::Ack& ack) { (void)settle_own(ack.id, DeliveryState::delivered); },
                 [this](protocol::Batch& batch) {
                   for (const auto& message : batch.messages) on_chat_message(message);
                   if (!batch.ack) return;
                   for (const auto& id : outbox_.sent_through(batch.ack->id)) {
                     (void)settle_own(id, DeliveryState::delivered);
                   }
                 },
                 [this](protocol::Presence& presence) {
                   online_ = presence.online;
                   set_state(state_);
                 },
                 [this](protocol::NameAssigned& assigned) {
                   name_ = std::move(assigned.name);
                   set_state(state_);
                 },
                 [](protocol::Pong&) {},  // liveness already noted for every frame
                 [this](protocol::ServerError& error) {
                   // Refusals for now, not of the message: it was not stored
                   // (an id is stored only when acked), so it is kept and sent
                   // again after a pause. rate_limited comes from a pacing
                   // client only when its frames reach the server bunched up
                   // (late timers, a loaded network): failing the message for
                   // that would lose it to jitter.
                   if (error.code == "unavailable" || (error.code == "rate_limited" && !error.id.empty())) {
                     outbox_.requeue_unacknowledged();
                     hold_until_ = environment_.scheduler->now() + options_.reconnect_min_ms;
                     flush_timer_.start(options_.reconnect_min_ms, [this] { flush(); });
                   } else if (!error.id.empty()) {
                     (void)settle_own(error.id, DeliveryState::failed, error.code);
                   }
                   emit(ErrorOccurred{std::move(error.code), std::move(error.message)});
                 },
             },
             envelope);
}

void ChatClient::on_welcome(protocol::Welcome welcome) {
  sequence_.welcome(welcome.session);
  name_ = std::move(welcome.name);
  online_ = welcome.online;
  max_code_points_ = welcome.limits.max_code_points;
  pacer_.pace_to(welcome.limits.messages_per_second, environment_.scheduler->now());
  batch_ = std::find(welcome.features.begin(), welcome.features.end(), "batch") != welcome.features.end();
  // A server that can coalesce does so only for clients that say they read
  // its `batch` frames (an older client would refuse them).
  if (std::find(welcome.features.begin(), welcome.features.end(), "coalesce") != welcome.features.end()) {
    constexpr std::string_view features[] = {"coalesce"};
    (void)write(protocol::encode_features(features));
  }
  greeting_timer_.stop();
  for (const auto& message : welcome.history) on_chat_message(message);
  if (state_ == ConnectionState::greeting) become_open(Mode::v1);
}

void ChatClient::on_chat_message(const protocol::ChatMessage& message) {
  if (max_code_points_ != 0 && utf8::count_code_points(message.text) > max_code_points_) {
    return emit(ErrorOccurred{"bad_envelope", "a message is longer than the server's own limit"});
  }
  const auto observed = sequence_.observe(message.seq);
  if (observed.missed != 0) {
    emit(ErrorOccurred{"missed_messages", std::to_string(observed.missed) +
                                              " messages were sent while this client was away and are lost."});
  }
  // Our own message coming back (live, or in the history after a lost ack):
  // it is delivered, and already on the page. Anyone's message already shown
  // under another seq: a restarted server's copy of a re-sent one.
  if (settle_own(message.id, DeliveryState::delivered) || observed.replay || shown_.contains(message.id)) return;
  shown_.add(message.id);
  emit(Received{message.seq, message.id, message.from, message.text, message.time});
}

void ChatClient::become_open(Mode mode) {
  connect_timer_.stop();
  greeting_timer_.stop();
  mode_ = mode;
  attempt_ = 0;
  set_state(ConnectionState::open);
  emit(Opened{mode_, mode_ == Mode::v1 ? name_ : std::string()});
  if (mode_ == Mode::v1) {
    if (!options_.nickname.empty() && options_.nickname != name_ && transport_) {
      (void)write(protocol::encode_nick(options_.nickname));
    }
    heartbeat_.start();
  }
  flush();
}

void ChatClient::show_plain(std::string text) { emit(Received{0, {}, {}, std::move(text), 0}); }

void ChatClient::flush() {
  // Once the user closed, queued messages wait for the close event, which
  // reports them failed: a closing socket would silently discard them.
  while (state_ == ConnectionState::open && transport_ && !user_closed_) {
    if (const Millis now = environment_.scheduler->now(); now < hold_until_) {
      if (!flush_timer_.active()) flush_timer_.start(hold_until_ - now, [this] { flush(); });
      return;
    }
    const OutgoingMessage* next = outbox_.next_queued();
    if (next == nullptr) {
      if (outbox_blocked_) {
        outbox_blocked_ = false;
        emit(Drained{});
      }
      return;
    }
    if (transport_->buffered_amount() >= options_.high_water_mark_bytes) {
      // The classic "check bufferedAmount every 100 ms" loop.
      outbox_blocked_ = true;
      if (!flush_timer_.active()) flush_timer_.start(options_.retry_interval_ms, [this] { flush(); });
      return;
    }
    if (mode_ == Mode::v1) {
      if (!write_v1_frame()) return;
      continue;
    }
    // Plain mode: one text frame per message, final once written (once the
    // connection is plain for good, see provisional_plain_).
    if (!write(next->text)) return;  // closing: the close event will requeue
    OwnMessageChanged changed{next->id, next->text, DeliveryState::sent, {}};
    outbox_.mark_next_sent(/*final=*/!provisional_plain_);
    emit(std::move(changed));
  }
}

bool ChatClient::write_v1_frame() {
  // Coalesce what is queued into one `batch` frame when the server speaks it:
  // under backpressure many messages wait, and one frame (one JSON parse, one
  // socket write on each side) carries them all. Bounded so that a frame
  // stays far below the server's frame limit.
  constexpr std::size_t max_frame_text_bytes = 16 * 1024;
  const std::size_t limit = batch_ ? protocol::max_batch_items : 1;
  std::vector<OwnMessageChanged> written;
  std::vector<protocol::SayItem> items;
  std::size_t bytes = 0;
  for (const OutgoingMessage* message = outbox_.queued_at(0);
       message != nullptr && items.size() < limit && (items.empty() || bytes + message->text.size() <= max_frame_text_bytes);
       message = outbox_.queued_at(items.size())) {
    if (!pacer_.take(environment_.scheduler->now())) break;
    items.push_back({message->id, message->text});
    written.push_back(OwnMessageChanged{message->id, message->text, DeliveryState::sent, {}});
    bytes += message->text.size();
  }
  if (items.empty()) {
    // Paced to the server's rate: wait for the next token.
    if (!flush_timer_.active()) flush_timer_.start(pacer_.wait(), [this] { flush(); });
    return false;
  }
  const std::string frame =
      items.size() == 1 ? protocol::encode_say(items[0].id, items[0].text) : protocol::encode_batch(items);
  if (!write(frame)) return false;  // closing: the close event will requeue
  for (std::size_t i = 0; i < written.size(); ++i) outbox_.mark_next_sent(/*final=*/false);
  for (auto& changed : written) emit(std::move(changed));
  return true;
}

bool ChatClient::send_ping(std::uint64_t nonce) {
  if (!transport_ || state_ != ConnectionState::open) return false;
  // Skipped while CLOSING, but the heartbeat goes on: it still times out a
  // socket that never finishes closing.
  (void)write(protocol::encode_ping(nonce));
  return true;
}

bool ChatClient::write(std::string_view frame) {
  return transport_ && transport_->ready_state() == ReadyState::open && transport_->send(frame).ok();
}

void ChatClient::abandon(std::uint16_t code, std::string reason, std::string error_code) {
  // The socket may never finish a closing handshake (a dead peer), so it is
  // dropped now; its destructor detaches it and starts the close.
  if (code == static_cast<std::uint16_t>(CloseCode::message_too_big) && transport_) {
    (void)transport_->close(close_message_too_big_on_wire, reason);
  }
  transport_.reset();
  emit(ErrorOccurred{std::move(error_code), reason});
  after_connection_lost(code, std::move(reason), false);
}

void ChatClient::on_close(const CloseEvent& close) {
  transport_.reset();  // allowed from inside its own handler
  after_connection_lost(close.code, close.reason, close.was_clean);
}

void ChatClient::after_connection_lost(std::uint16_t code, std::string reason, bool was_clean) {
  connect_timer_.stop();
  pending_url_request_ = 0;
  greeting_timer_.stop();
  flush_timer_.stop();
  heartbeat_.stop();
  confirm_plain();
  // Unacknowledged v1 messages go out again, with their ids, after reconnecting.
  if (mode_ == Mode::v1) outbox_.requeue_unacknowledged();

  if (user_closed_ || !ReconnectPolicy::should_reconnect(code)) {
    set_state(ConnectionState::closed);
    emit(Closed{code, std::move(reason), was_clean, std::nullopt});
    fail_everything_queued(user_closed_ ? "closed" : "server_closed");
    return;
  }
  if (!network_online_) {
    // No attempt, and none of the backoff used up: set_network_online(true) starts one.
    set_state(ConnectionState::offline);
    emit(Closed{code, std::move(reason), was_clean, Millis{0}});
    return;
  }
  const Millis delay = reconnect_policy_.delay(attempt_++, environment_.random());
  set_state(ConnectionState::reconnecting);
  emit(Closed{code, std::move(reason), was_clean, delay});
  reconnect_timer_.start(delay, [this] {
    if (auto status = start_attempt(); !status) fail_attempt("invalid_url", status.error().message);
  });
}

void ChatClient::fail_everything_queued(std::string_view reason) {
  for (auto& message : outbox_.take_all()) {
    emit(OwnMessageChanged{std::move(message.id), std::move(message.text), DeliveryState::failed, std::string(reason)});
  }
}

bool ChatClient::settle_own(std::string_view id, DeliveryState state, std::string reason) {
  if (!outbox_.settle(id)) return false;
  if (state == DeliveryState::delivered) shown_.add(id);
  emit(OwnMessageChanged{std::string(id), {}, state, std::move(reason)});
  flush();  // room in the outbox, and maybe a drain to report
  return true;
}

std::variant<std::string, SendRejected> ChatClient::send(std::string_view text) {
  // After close() nothing new may enter: the socket is closing for good.
  if (state_ == ConnectionState::closed || user_closed_) {
    return SendRejected{SendFailure::closed, "The chat is closed."};
  }
  if (text.empty()) return SendRejected{SendFailure::empty, "Nothing to send."};
  if (!utf8::is_valid(text)) return SendRejected{SendFailure::invalid_utf8, "The message is not valid UTF-8."};
  if (utf8::count_code_points(text) > options_.max_message_code_points) {
    return SendRejected{SendFailure::too_long, "Messages are limited to " +
                                                   std::to_string(options_.max_message_code_points) + " characters."};
  }
  if (!outbox_.has_room_for(text.size())) {
    return SendRejected{SendFailure::outbox_full,
                        "Too many messages are waiting to be sent; try again when they have gone out."};
  }
  std::string id = make_id();
  outbox_.push(id, std::string(text));
  emit(OwnMessageChanged{id, std::string(text), DeliveryState::queued, {}});
  flush();
  return id;
}

std::optional<SendRejected> ChatClient::restore(std::string_view id, std::string_view text) {
  if (state_ == ConnectionState::closed || user_closed_) {
    return SendRejected{SendFailure::closed, "The chat is closed."};
  }
  if (id.empty() || text.empty()) return SendRejected{SendFailure::empty, "Nothing to restore."};
  if (!utf8::is_valid(text)) return SendRejected{SendFailure::invalid_utf8, "The message is not valid UTF-8."};
  if (outbox_.holds(id)) return std::nullopt;
  if (!outbox_.has_room_for(text.size())) {
    return SendRejected{SendFailure::outbox_full, "The outbox has no room for the stored messages."};
  }
  outbox_.push(std::string(id), std::string(text));
  emit(OwnMessageChanged{std::string(id), std::string(text), DeliveryState::queued, {}});
  flush();
  return std::nullopt;
}

void ChatClient::set_nickname(std::string nickname) {
  options_.nickname = std::move(nickname);
  if (mode_ == Mode::v1 && state_ == ConnectionState::open && transport_ && !options_.nickname.empty()) {
    (void)write(protocol::encode_nick(options_.nickname));
  }
}

Status ChatClient::close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (auto status = validate_close(code, reason); !status) return status;
  if (user_closed_ || state_ == ConnectionState::closed) return success();  // already over: nothing to report again
  user_closed_ = true;
  reconnect_timer_.stop();
  if (transport_) return transport_->close(code, reason);
  // Between connections: nothing to close on the wire.
  after_connection_lost(code.value_or(static_cast<std::uint16_t>(CloseCode::normal)), std::string(reason), true);
  return success();
}

std::uint64_t ChatClient::buffered_amount() const { return transport_ ? transport_->buffered_amount() : 0; }

ReadyState ChatClient::ready_state() const { return transport_ ? transport_->ready_state() : ReadyState::closed; }

void ChatClient::set_state(ConnectionState state) {
  state_ = state;
  emit(StatusChanged{state_, mode_, name_, online_, network_online_});
}

void ChatClient::emit(ChatEvent event) {
  if (handler_) handler_(event);
}

std::string ChatClient::make_id() { return id_prefix_ + "-" + std::to_string(next_id_++); }

}  // namespace wasmchat::chat
