// A whole chat session: the input is a program of operations on a ChatClient
// wired to the fake network and the fake clock of tests/native/ (the server,
// the browser and the user all play from the fuzzer's bytes), with the
// client's invariants checked after every event and every step.
//
// Input: byte 0 = seed (options variant, randomness); then operations, each
// an opcode byte followed by its arguments (see Session::step()).
//
// The network follows the browser's rules, so that a failure is the client's
// fault: a socket opens only while CONNECTING, delivers frames only while
// OPEN or CLOSING, and closes once; text frames are valid UTF-8 (the browser
// decodes them); sockets the client closed get a close event later.
#include <algorithm>
#include <deque>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_client.hpp"
#include "chat/overloaded.hpp"
#include "chat/protocol.hpp"
#include "fake_scheduler.hpp"
#include "fake_transport.hpp"
#include "fuzz_support.hpp"
#include "websocket/close_code.hpp"
#include "websocket/utf8.hpp"

namespace {

using namespace wasmchat;
using namespace wasmchat::chat;
using nlohmann::json;
using testing::FakeNetwork;
using testing::FakeScheduler;
using testing::FakeTransport;
using wasmchat::fuzz::escaped;
using wasmchat::fuzz::Reader;

constexpr std::size_t max_steps = 400;

/// WASMCHAT_FUZZ_TRACE=1: print every operation, frame and event to stderr
/// (to read a crash input or a seed; far too slow for fuzzing).
bool tracing() {
  static const bool trace = [] {
    const char* value = std::getenv("WASMCHAT_FUZZ_TRACE");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return trace;
}

void trace(const std::string& line) {
  if (tracing()) std::fprintf(stderr, "%s\n", line.c_str());
}

std::string_view name_of(DeliveryState s) { return to_string(s); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// What the harness knows about one of the user's messages.
struct Own {
  std::string text;
  DeliveryState last = DeliveryState::queued;
  std::size_t sent_on = 0;  ///< network.opened when last reported sent (0: never)
  std::size_t sent_after = 0;  ///< retry_refusals_ when last reported sent
  bool final = false;       ///< delivered, failed, or sent in plain mode
  bool on_wire = false;     ///< written to some socket (the server may know it)
};

class Session {
 public:
  explicit Session(Reader& in) : in_(in) {
    const std::uint8_t seed = in_.byte();
    rng_ = 0x9E3779B97F4A7C15ULL * (seed + 1u);
    options_.url = "ws://chat.test/ws";
    options_.nickname = (seed & 1) ? "me" : "";
    options_.max_message_code_points = 100;
    options_.max_incoming_bytes = (seed & 2) ? 200 : 4096;
    options_.high_water_mark_bytes = 64;
    options_.retry_interval_ms = 10;
    options_.max_outbox_messages = 8;
    options_.max_outbox_bytes = 512;
    options_.reconnect_min_ms = 10;
    options_.reconnect_max_ms = (seed & 4) ? 80 : 10;
    options_.greeting_timeout_ms = 50;
    options_.heartbeat_interval_ms = (seed & 8) ? 200 : 30;
    options_.heartbeat_timeout_ms = 50;
    auto created = ChatClient::create(options_, Environment{network_.connector(), &scheduler_, [this] { return random(); }},
                                      [this](const ChatEvent& event) { on_event(event); });
    FUZZ_CHECK(created.ok(), "create() refused a valid URL");
    client_ = std::move(created).value();
    check_step_end();
  }

  ~Session() {
    // Destroying the client closes its socket and cancels every timer.
    client_.reset();
    FUZZ_CHECK(network_.live.empty(), "a socket outlived the client");
    FUZZ_CHECK(scheduler_.pending() == 0, std::to_string(scheduler_.pending()) + " timers outlived the client");
    scheduler_.advance(1'000'000);
  }

  void run() {
    for (std::size_t steps = 0; steps < max_steps && !in_.empty(); ++steps) {
      const bool was_closed = client_->state() == ConnectionState::closed;
      const std::size_t events_before = events_;
      const std::size_t opened_before = network_.opened;
      step();
      if (was_closed) {
        FUZZ_CHECK(events_ == events_before, "a closed client still reports events (op " + std::to_string(op_) + ")");
        FUZZ_CHECK(network_.opened == opened_before, "a closed client opened a socket");
      }
      check_step_end();
    }
  }

 private:
  // --- The operations ---------------------------------------------------------

  static constexpr std::string_view op_names[] = {
      "accept wasmchat.v1", "accept plain", "server: welcome", "server: message", "server: ack",
      "server: error", "server: presence/name/pong", "server: raw text", "server: binary", "network: fail",
      "server: close", "set bufferedAmount", "advance clock", "user: send bytes", "user: send text",
      "user: close", "user: set_nickname", "user: burst of sends", "server: ack in order",
      "server: broadcast own message back", "advance clock 1000 ms", "network: offline/online"};

  void step() {
    op_ = in_.byte() % 22;
    trace("-- op " + std::to_string(op_) + " " + std::string(op_names[op_]) + " (state " +
          std::string(to_string(client_->state())) + ", mode " + std::string(to_string(client_->mode())) +
          ", t=" + std::to_string(scheduler_.now()) + ")");
    FakeTransport* socket = network_.current();
    const bool can_open = socket && socket->state == ReadyState::connecting;
    // Frames arrive only on a socket that opened (CLOSING included: the peer's
    // frames still arrive until its close frame); a socket closed while
    // CONNECTING never opens.
    const bool can_receive = socket && accepted_ == network_.opened &&
                             (socket->state == ReadyState::open || socket->state == ReadyState::closing);
    switch (op_) {
      case 0:  // the server selects wasmchat.v1
        if (can_open) accept(*socket, "wasmchat.v1");
        break;
      case 1:  // the server selects no subprotocol
        if (can_open) accept(*socket, in_.flag() ? "" : "other");
        break;
      case 2:
        if (can_receive) receive_text(socket, dump(welcome()));
        break;
      case 3:
        if (can_receive) receive_text(socket, dump(message()));
        break;
      case 4:
        if (can_receive) receive_text(socket, dump(json{{"type", "ack"}, {"id", server_id()}, {"seq", in_.byte()}}));
        break;
      case 5:
        if (can_receive) receive_text(socket, dump(server_error()));
        break;
      case 6: {
        if (!can_receive) break;
        const std::uint8_t which = in_.byte();
        if (which % 3 == 0) receive_text(socket, dump(json{{"type", "presence"}, {"online", in_.byte()}}));
        if (which % 3 == 1) receive_text(socket, dump(json{{"type", "name"}, {"name", nickname()}}));
        if (which % 3 == 2) receive_text(socket, dump(json{{"type", "pong"}, {"nonce", in_.u16()}}));
        break;
      }
      case 7:  // any text: the browser hands over valid UTF-8
        if (can_receive) receive_text(socket, utf8::to_valid(in_.sized()));
        break;
      case 8:
        if (can_receive) {
          alive_at_ = scheduler_.now();
          ++frames_seen_;
          end_provisional(false);
          socket->receive_binary(in_.sized());
        }
        break;
      case 9:  // the connection fails: error, then close 1006
        if (socket && socket->state != ReadyState::closed) socket->fail();
        break;
      case 10:
        if (socket && socket->state != ReadyState::closed) server_close(*socket);
        break;
      case 11:
        if (socket) socket->buffered = buffered_amount();
        break;
      case 12:
        scheduler_.advance(delay());
        break;
      case 13:
        user_send(std::string(in_.sized(120)));
        break;
      case 14:
        user_send(generated_text());
        break;
      case 15:
        user_close();
        break;
      case 16:
        client_->set_nickname(in_.flag() ? nickname() : std::string());
        break;
      case 17:  // a burst: several messages at once
        for (int i = in_.byte() % 6; i >= 0; --i) user_send(generated_text());
        break;
      case 18:  // the server acknowledges what it received, in order
        for (int i = in_.byte() % 4; i >= 0 && can_receive && network_.current() == socket &&
                                     (socket->state == ReadyState::open || socket->state == ReadyState::closing);
             --i) {
          if (auto id = oldest_unacknowledged()) {
            receive_text(socket, dump(json{{"type", "ack"}, {"id", *id}, {"seq", ++server_seq_}}));
          }
        }
        break;
      case 19:  // the server broadcasts one of ours back
        if (can_receive) {
          if (auto id = oldest_unacknowledged()) {
            receive_text(socket, dump(json{{"type", "message"}, {"seq", ++server_seq_}, {"id", *id}, {"from", "me"},
                                           {"text", own_[*id].text}, {"time", 1}}));
          }
        }
        break;
      case 20:  // time passes, a lot
        scheduler_.advance(1000);
        break;
      default:  // the browser's online/offline events
        client_->set_network_online(in_.flag());
        break;
    }
  }

  void accept(FakeTransport& socket, std::string protocol) {
    accepted_ = network_.opened;
    accepted_v1_ = protocol == "wasmchat.v1";
    frames_seen_ = 0;
    socket.accept(std::move(protocol));
  }

  // The client's provisional plain mode (ChatClient::resume_greeting): a
  // greeting timeout on a v1 header and no frame yet. What it writes as text
  // meanwhile is not final until the first frame (a welcome queues it again),
  // connect_timeout_ms, or the end of the connection.
  void end_provisional(bool welcome) {
    if (!provisional_) return;
    provisional_ = false;
    for (const auto& id : held_) {
      Own& own = own_.at(id);
      if (own.final) continue;
      if (welcome) own.last = DeliveryState::queued;  // to be sent again, as a say
      else own.final = true;
    }
    held_.clear();
  }

  void receive_text(FakeTransport* socket, const std::string& text) {
    FUZZ_CHECK(utf8::is_valid(text), "harness bug: invalid text frame");
    ++frames_seen_;
    const bool fits = text.size() <= options_.max_incoming_bytes;
    const bool late_welcome = provisional_ && fits && !user_closed_ && std::holds_alternative<protocol::Welcome>(decoded(text));
    resuming_ = late_welcome;
    if (late_welcome) {
      // What it wrote while plain was text; the v1 frames start now.
      checked_socket_ = network_.opened;
      checked_frames_ = socket->sent.size();
    }
    end_provisional(late_welcome);
    // Follow what the client learns from a welcome, to check what it shows.
    if (fits && (client_->mode() != Mode::plain || late_welcome)) {
      if (auto* welcome = std::get_if<protocol::Welcome>(&decoded(text))) {
        if (welcome->session != session_) {
          session_ = welcome->session;
          last_shown_seq_ = 0;
        }
        batch_ = std::find(welcome->features.begin(), welcome->features.end(), "batch") != welcome->features.end();
        // Pacing restarts with every welcome, with a full bucket.
        rate_ = static_cast<double>(welcome->limits.messages_per_second) * 0.8;
        said_at_.clear();
      }
    }
    trace("   <- \"" + escaped(text) + "\"");
    alive_at_ = scheduler_.now();
    socket->receive_text(text);
  }

  const protocol::ServerEnvelope& decoded(const std::string& text) {
    last_decoded_ = protocol::decode(text);
    return last_decoded_;
  }

  void server_close(FakeTransport& socket) {
    static constexpr std::uint16_t codes[] = {1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009,
                                              1011, 1012, 1013, 1014, 1015, 3000, 4000, 4009, 4999};
    const std::uint8_t which = in_.byte();
    std::uint16_t code = codes[which % std::size(codes)];
    if (which >= 0xF0) code = in_.u16();                                                      // anything
    if (which >= 0xE0 && which < 0xF0 && socket.close_requested) code = socket.close_requested->first;  // the echo
    const std::string reason = utf8::to_valid(in_.sized(30));
    const bool clean = in_.flag();
    trace("   close event " + std::to_string(code) + " \"" + escaped(reason) + "\"" + (clean ? " clean" : ""));
    socket.end(code, reason, clean);
  }

  void user_send(std::string text) {
    const bool valid = utf8::is_valid(text);
    std::optional<SendFailure> expected;
    // After the user's close() nothing new may enter (the socket is closing for good).
    if (client_->state() == ConnectionState::closed || user_closed_) expected = SendFailure::closed;
    else if (text.empty()) expected = SendFailure::empty;
    else if (!valid) expected = SendFailure::invalid_utf8;
    else if (utf8::count_code_points(text) > options_.max_message_code_points) expected = SendFailure::too_long;
    else if (client_->outbox_size() >= options_.max_outbox_messages ||
             client_->outbox_bytes() + text.size() > options_.max_outbox_bytes) {
      expected = SendFailure::outbox_full;
    }
    sending_ = true;
    sending_text_ = text;
    sent_id_.clear();
    trace("   send(\"" + escaped(text) + "\")");
    auto result = client_->send(text);
    sending_ = false;
    const std::string where = "send(\"" + escaped(text) + "\")";
    if (auto* rejected = std::get_if<SendRejected>(&result)) {
      FUZZ_CHECK(expected.has_value(), where + " refused (" + std::string(to_string(rejected->reason)) + ")");
      FUZZ_CHECK(rejected->reason == *expected, where + " refused as " + std::string(to_string(rejected->reason)) +
                                                    ", expected " + std::string(to_string(*expected)));
      FUZZ_CHECK(sent_id_.empty(), where + " refused but reported queued");
      return;
    }
    const auto& id = std::get<std::string>(result);
    FUZZ_CHECK(!expected, where + " accepted, expected " + std::string(to_string(expected.value_or(SendFailure::closed))));
    FUZZ_CHECK(protocol::is_valid_id(id), where + " returned an invalid id \"" + escaped(id) + "\"");
    FUZZ_CHECK(sent_id_ == id, where + " returned " + id + " but reported \"" + sent_id_ + "\" queued");
  }

  void user_close() {
    std::optional<std::uint16_t> code;
    const std::uint8_t which = in_.byte();
    switch (which % 6) {
      case 0: break;
      case 1: code = 1000; break;
      case 2: code = 3000; break;
      case 3: code = 4999; break;
      case 4: code = 1001; break;  // refused: InvalidAccessError
      default: code = in_.u16(); break;
    }
    const std::string reason(in_.sized(130));
    const bool valid = validate_close(code, reason).ok();
    const bool had_socket = !network_.live.empty();
    trace("   close(" + (code ? std::to_string(*code) : std::string("none")) + ", \"" + escaped(reason) + "\")");
    const auto status = client_->close(code, reason);
    FUZZ_CHECK(status.ok() == valid, "close() " + std::string(status.ok() ? "accepted" : "refused") + " code " +
                                         (code ? std::to_string(*code) : "none") + " reason \"" + escaped(reason) + "\"");
    if (!status.ok()) return;
    if (!user_closed_) opened_at_user_close_ = network_.opened;
    user_closed_ = true;
    if (!had_socket) {
      FUZZ_CHECK(client_->state() == ConnectionState::closed, "close() between connections did not close");
    }
  }

  // --- Values the server and the user make from the fuzzer's bytes ------------

  double random() {
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(rng_ >> 11) / 9007199254740992.0;  // [0, 1)
  }

  std::string nickname() {
    switch (in_.byte() % 4) {
      case 0: return "me";
      case 1: return "guest-1";
      case 2: return "bo";
      default: return utf8::to_valid(in_.sized(30));  // maybe not a valid nickname
    }
  }

  std::string generated_text() {
    static constexpr std::string_view pieces[] = {"a", "b", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                                  "\"", "\\", "\n", "{}", "\xEF\xBF\xBD", "z"};
    std::string text;
    for (int n = in_.byte() % 48; n > 0; --n) text += pieces[in_.byte() % std::size(pieces)];
    return text.empty() ? "x" : text;
  }

  std::uint64_t buffered_amount() {
    switch (in_.byte() % 5) {
      case 0: return 0;
      case 1: return options_.high_water_mark_bytes - 1;
      case 2: return options_.high_water_mark_bytes;
      case 3: return 1u << 20;
      default: return in_.byte();
    }
  }

  chat::Millis delay() {
    const std::uint8_t b = in_.byte();
    switch (b % 4) {
      case 0: return 1;
      case 1: return 10;
      case 2: return 50;
      default: return b * 4u;
    }
  }

  /// An id for the server to name: one the client wrote, one it did not, or a stranger's.
  std::string server_id() {
    const std::uint8_t b = in_.byte();
    if (b % 4 == 3 || own_order_.empty()) return stranger_id(b);
    if (b % 4 == 2) return own_order_[in_.byte() % own_order_.size()];
    std::vector<const std::string*> written;
    for (const auto& id : own_order_) {
      if (own_[id].on_wire) written.push_back(&id);
    }
    if (written.empty()) return stranger_id(b);
    return *written[in_.byte() % written.size()];
  }

  // Someone else's id: fresh, as a real server's are (the client hides an id
  // it already showed), except one in 32 that repeats the last one, as a
  // restarted server's copy of a re-sent message does.
  std::string stranger_id(std::uint8_t b) {
    if (b % 32 == 31 && !last_stranger_.empty()) return last_stranger_;
    return last_stranger_ = "x" + std::to_string(b) + "-" + std::to_string(++strangers_);
  }

  std::optional<std::string> oldest_unacknowledged() {
    for (const auto& id : own_order_) {
      const auto& own = own_[id];
      if (own.on_wire && !own.final) return id;
    }
    return std::nullopt;
  }

  json message() {
    std::uint64_t seq = 0;
    switch (in_.byte() % 4) {
      case 0: seq = ++server_seq_; break;
      case 1: seq = server_seq_; break;  // a repeat
      case 2: seq = in_.byte(); break;
      default: seq = 0; break;  // invalid
    }
    return json{{"type", "message"}, {"seq", seq},        {"id", server_id()},
                {"from", nickname()}, {"text", std::string(utf8::to_valid(in_.sized(40)))}, {"time", in_.u16()}};
  }

  json welcome() {
    static constexpr std::string_view sessions[] = {"s1", "s2", "s3"};
    const std::uint8_t b = in_.byte();
    const std::string session = b < 0xF0 ? std::string(sessions[b % 3]) : utf8::to_valid(in_.sized(8));
    if (session != server_session_) {
      server_session_ = session;
      server_seq_ = 0;
    }
    json history = json::array();
    for (int n = in_.byte() % 4; n > 0; --n) history.push_back(message());
    static constexpr std::uint64_t rates[] = {1, 2, 5, 20, 1000, 0};
    json out{{"type", "welcome"},
             {"session", session},
             {"name", nickname()},
             {"online", in_.byte()},
             {"history", history},
             {"limits", {{"maxCodePoints", 100}, {"maxFrameBytes", 65536}, {"messagesPerSecond", rates[in_.byte() % 6]}}}};
    const std::uint8_t features = in_.byte() % 3;
    if (features == 1) out["features"] = json::array({"batch"});
    if (features == 2) out["features"] = json::array();
    return out;
  }

  json server_error() {
    static constexpr std::string_view codes[] = {"rate_limited", "too_long", "bad_envelope", "bad_name", "unavailable"};
    json out{{"type", "error"}, {"code", codes[in_.byte() % 5]}, {"message", "refused"}};
    if (in_.flag()) out["id"] = server_id();
    // docs/protocol.md: these refuse for now, not the message; the client
    // sends everything unacknowledged again, on the same connection.
    if (out["code"] == "unavailable" || (out["code"] == "rate_limited" && out.contains("id"))) ++retry_refusals_;
    return out;
  }

  // --- Invariants --------------------------------------------------------------

  void on_event(const ChatEvent& event) {
    ++events_;
    if (tracing()) {
      FakeTransport* socket = network_.current();
      if (socket != nullptr && socket->sent.size() > traced_frames_) {
        for (std::size_t i = traced_frames_; i < socket->sent.size(); ++i) trace("   -> \"" + escaped(socket->sent[i]) + "\"");
      }
      traced_frames_ = socket != nullptr ? socket->sent.size() : 0;
      trace("   event " + to_json(event));
    }
    std::visit(Overloaded{
                   [&](const StatusChanged& s) { on_status(s); },
                   [&](const OwnMessageChanged& c) { on_own(c); },
                   [&](const Received& r) { on_received(r); },
                   [&](const Opened& o) {
                     alive_at_ = scheduler_.now();
                     if (o.mode == Mode::plain && accepted_v1_ && frames_seen_ == 0) {
                       provisional_ = true;
                       provisional_until_ = scheduler_.now() + options_.connect_timeout_ms;
                     }
                     FUZZ_CHECK(state() == ConnectionState::open, "Opened while " + std::string(to_string(state())));
                     FUZZ_CHECK(o.mode == Mode::v1 || o.mode == Mode::plain, "Opened with mode unknown");
                   },
                   [&](const Closed& c) {
                     end_provisional(false);
                     const auto now = state();
                     FUZZ_CHECK(now == ConnectionState::reconnecting || now == ConnectionState::offline ||
                                    now == ConnectionState::closed,
                                "Closed while " + std::string(to_string(now)));
                     FUZZ_CHECK(c.reconnect_in_ms.has_value() == (now != ConnectionState::closed),
                                "Closed.reconnect_in_ms disagrees with the state");
                     if (now == ConnectionState::offline) {
                       FUZZ_CHECK(c.reconnect_in_ms == chat::Millis{0}, "Closed while offline with a delay");
                     } else if (c.reconnect_in_ms) {
                       FUZZ_CHECK(*c.reconnect_in_ms >= options_.reconnect_min_ms / 2 &&
                                      *c.reconnect_in_ms <= options_.reconnect_max_ms,
                                  "reconnect delay " + std::to_string(*c.reconnect_in_ms) + " out of bounds");
                     }
                     FUZZ_CHECK(utf8::is_valid(c.reason), "Closed.reason is not UTF-8");
                   },
                   [&](const ErrorOccurred& e) {
                     FUZZ_CHECK(!e.code.empty(), "ErrorOccurred without a code");
                     FUZZ_CHECK(utf8::is_valid(e.message), "ErrorOccurred.message is not UTF-8");
                   },
                   [&](const Drained&) {},
               },
               event);
    // The JSON face never throws on any event.
    const std::string as_json = to_json(event);
    FUZZ_CHECK(utf8::is_valid(as_json), "to_json(event) is not UTF-8");
  }

  ConnectionState state() const { return client_ ? client_->state() : ConnectionState::connecting; }

  void on_status(const StatusChanged& s) {
    using CS = ConnectionState;
    const auto from = last_state_;
    const auto to = s.state;
    FUZZ_CHECK(static_cast<int>(to) >= 0 && static_cast<int>(to) <= static_cast<int>(CS::closed), "StatusChanged with an illegal state");
    bool legal = false;
    switch (from) {
      case CS::connecting: legal = to != CS::connecting || first_status_; break;
      case CS::greeting:
        legal = to == CS::greeting || to == CS::open || to == CS::reconnecting || to == CS::offline || to == CS::closed;
        break;
      case CS::open:
        legal = to == CS::open || to == CS::reconnecting || to == CS::offline || to == CS::closed ||
                (to == CS::greeting && resuming_);  // a late welcome (ChatClient::resume_greeting)
        break;
      case CS::reconnecting: legal = to == CS::connecting || to == CS::offline || to == CS::closed; break;
      case CS::offline: legal = to == CS::offline || to == CS::connecting || to == CS::closed; break;
      case CS::closed: legal = false; break;
    }
    // A network report repeats the state it happened in.
    if (s.network_online != last_network_ && to == from) legal = true;
    last_network_ = s.network_online;
    FUZZ_CHECK(legal, "state " + std::string(to_string(from)) + " -> " + std::string(to_string(to)));
    first_status_ = false;
    last_state_ = to;
  }

  void on_own(const OwnMessageChanged& c) {
    const std::string what = "own message " + c.id + " -> " + std::string(name_of(c.state));
    auto it = own_.find(c.id);
    if (c.state == DeliveryState::queued) {
      FUZZ_CHECK(it == own_.end(), what + ": reported queued twice");
      FUZZ_CHECK(sending_ && sent_id_.empty(), what + ": queued outside send()");
      FUZZ_CHECK(c.text == sending_text_, what + ": queued with another text");
      sent_id_ = c.id;
      own_[c.id] = Own{c.text};
      own_order_.push_back(c.id);
      return;
    }
    FUZZ_CHECK(it != own_.end(), what + ": an id the user never sent");
    Own& own = it->second;
    FUZZ_CHECK(!own.final, what + ": after it was already " + std::string(name_of(own.last)) + " (final)");
    switch (c.state) {
      case DeliveryState::queued: break;
      case DeliveryState::sent: {
        FUZZ_CHECK(own.last == DeliveryState::queued || own.sent_on < network_.opened ||
                       own.sent_after < retry_refusals_,
                   what + ": sent twice on one connection without a refusal between");
        FUZZ_CHECK(state() == ConnectionState::open, what + ": while " + std::string(to_string(state())));
        // It must really be in the last frame written to the live socket.
        FakeTransport* socket = network_.current();
        FUZZ_CHECK(socket != nullptr, what + ": no socket");
        FUZZ_CHECK(!socket->sent.empty() && frame_carries(socket->sent.back(), c.id, own.text),
                   what + ": but not written (socket readyState " +
                       std::to_string(static_cast<int>(socket->state)) + ", user closed: " +
                       (user_closed_ ? "yes" : "no") + ")");
        own.sent_on = network_.opened;
        own.sent_after = retry_refusals_;
        own.on_wire = true;
        if (client_->mode() == Mode::v1) check_pacing();
        if (client_->mode() == Mode::plain && provisional_) held_.push_back(c.id);
        else if (client_->mode() == Mode::plain) own.final = true;  // no ack in plain mode
        break;
      }
      case DeliveryState::delivered:
        remember_shown(c.id);
        own.final = true;
        break;
      case DeliveryState::failed:
        own.final = true;
        break;
    }
    own.last = c.state;
  }

  void remember_shown(const std::string& id) {
    shown_ids_.push_back(id);
    if (shown_ids_.size() > ChatClient::remembered_ids) shown_ids_.pop_front();
  }

  bool frame_carries(const std::string& frame, const std::string& id, const std::string& text) const {
    if (client_->mode() == Mode::plain) return frame == text;
    const json parsed = json::parse(frame, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) return false;
    const auto says = [&](const json& say) {
      return say.is_object() && say.value("type", "") == "say" && say.value("id", "") == id && say.value("text", "") == text;
    };
    if (says(parsed)) return true;
    if (parsed.value("type", "") != "batch" || !parsed.contains("items") || !parsed["items"].is_array()) return false;
    return std::any_of(parsed["items"].begin(), parsed["items"].end(), says);
  }

  /// docs/protocol.md: at most 80% of limits.messagesPerSecond, a token bucket
  /// holding max(1, rate - 1) tokens: in any window [t, now] at most
  /// capacity + rate * (now - t) messages.
  void check_pacing() {
    const chat::Millis now = scheduler_.now();
    said_at_.push_back(now);
    if (rate_ <= 0) return;
    const double capacity = std::max(1.0, rate_ - 1.0);
    for (std::size_t i = 0; i < said_at_.size(); ++i) {
      const auto in_window = static_cast<double>(said_at_.size() - i);
      const double allowed = capacity + rate_ * static_cast<double>(now - said_at_[i]) / 1000.0 + 1e-6;
      FUZZ_CHECK(in_window <= allowed, std::to_string(said_at_.size() - i) + " messages in " +
                                           std::to_string(now - said_at_[i]) + " ms at " + std::to_string(rate_) +
                                           " messages/s (bucket of " + std::to_string(capacity) + ")");
    }
  }

  void on_received(const Received& r) {
    FUZZ_CHECK(utf8::is_valid(r.text), "Received.text is not UTF-8");
    if (r.seq == 0) return;  // plain
    FUZZ_CHECK(r.seq > last_shown_seq_, "shown seq " + std::to_string(r.seq) + " after " +
                                            std::to_string(last_shown_seq_) + " in session " + session_);
    last_shown_seq_ = r.seq;
    // The client remembers the last ChatClient::remembered_ids ids it showed
    // (own ones once delivered): none of them is shown again, whatever its seq.
    const bool remembered = std::find(shown_ids_.begin(), shown_ids_.end(), r.id) != shown_ids_.end();
    FUZZ_CHECK(!remembered, "message " + r.id + " shown twice (seq " + std::to_string(r.seq) + ")");
    remember_shown(r.id);
    // (A delivered own id is among them until 1,024 newer ones pushed it out.)
    if (const auto it = own_.find(r.id); it != own_.end()) {
      FUZZ_CHECK(!(it->second.on_wire && !it->second.final),
                 "own message " + r.id + " shown as someone else's (" + std::string(name_of(it->second.last)) + ")");
    }
  }

  void check_step_end() {
    const std::string after = " (after op " + std::to_string(op_) + ")";
    if (provisional_ && scheduler_.now() >= provisional_until_) end_provisional(false);
    // The outbox bounds, and its accounting: exactly the non-final messages.
    FUZZ_CHECK(client_->outbox_size() <= options_.max_outbox_messages, "outbox over its message bound" + after);
    FUZZ_CHECK(client_->outbox_bytes() <= options_.max_outbox_bytes, "outbox over its byte bound" + after);
    std::size_t live = 0;
    std::size_t bytes = 0;
    for (const auto& [id, own] : own_) {
      if (own.final) continue;
      ++live;
      bytes += own.text.size();
    }
    FUZZ_CHECK(client_->outbox_size() == live, "outbox holds " + std::to_string(client_->outbox_size()) +
                                                   " messages, " + std::to_string(live) + " not final" + after);
    FUZZ_CHECK(client_->outbox_bytes() == bytes, "outbox bytes " + std::to_string(client_->outbox_bytes()) +
                                                     ", expected " + std::to_string(bytes) + after);

    const auto state = client_->state();
    FUZZ_CHECK(state == last_state_, "state() disagrees with the last StatusChanged" + after);
    // One socket at most, and the accessors describe it.
    FUZZ_CHECK(network_.live.size() <= 1, std::to_string(network_.live.size()) + " sockets alive" + after);
    FakeTransport* socket = network_.current();
    FUZZ_CHECK(client_->buffered_amount() == (socket ? socket->buffered : 0), "buffered_amount()" + after);
    FUZZ_CHECK(client_->ready_state() == (socket ? socket->state : ReadyState::closed), "ready_state()" + after);
    FUZZ_CHECK(scheduler_.pending() <= 5, std::to_string(scheduler_.pending()) + " timers pending" + after);
    (void)client_->name();
    (void)client_->online();

    if (state == ConnectionState::closed) {
      FUZZ_CHECK(client_->outbox_size() == 0, "a closed client still holds messages" + after);
      FUZZ_CHECK(socket == nullptr, "a closed client still holds a socket" + after);
      FUZZ_CHECK(scheduler_.pending() == 0, "a closed client still has timers" + after);
    }
    if (user_closed_) {
      FUZZ_CHECK(network_.opened == opened_at_user_close_, "reconnected after the user's close()" + after);
    }
    // Offline (docs/protocol.md): no attempt, no socket, no timer until the network is back.
    if (state == ConnectionState::offline) {
      FUZZ_CHECK(!client_->network_online(), "offline while the network is up" + after);
      FUZZ_CHECK(socket == nullptr && scheduler_.pending() == 0, "an offline client still tries" + after);
    }
    if (client_->mode() == Mode::v1 && socket != nullptr) check_v1_frames(*socket);

    // Liveness (docs/protocol.md): after the last frame, a ping goes out within
    // one heartbeat interval, and if nothing answers within the heartbeat
    // timeout the connection is dead. So a v1 connection silent for longer
    // than interval + timeout must have been given up (also when the interval
    // is shorter than the timeout: bug-heartbeat-interval-below-timeout).
    if (state == ConnectionState::open && client_->mode() == Mode::v1) {
      const chat::Millis silent = scheduler_.now() - alive_at_;
      FUZZ_CHECK(silent <= options_.heartbeat_interval_ms + options_.heartbeat_timeout_ms,
                 "a v1 connection silent for " + std::to_string(silent) + " ms is still open (heartbeat every " +
                     std::to_string(options_.heartbeat_interval_ms) + " ms, timeout " +
                     std::to_string(options_.heartbeat_timeout_ms) + " ms)" + after);
    }
  }

  /// Every frame written on a v1 connection is a client envelope.
  void check_v1_frames(const FakeTransport& socket) {
    if (checked_socket_ != network_.opened) {
      checked_socket_ = network_.opened;
      checked_frames_ = 0;
    }
    for (; checked_frames_ < socket.sent.size(); ++checked_frames_) {
      const std::string& frame = socket.sent[checked_frames_];
      const std::string where = "frame \"" + escaped(frame) + "\"";
      FUZZ_CHECK(utf8::is_valid(frame), "invalid UTF-8 written: " + where);
      const json parsed = json::parse(frame, nullptr, /*allow_exceptions=*/false);
      FUZZ_CHECK(parsed.is_object() && parsed.contains("type") && parsed["type"].is_string(), "not an envelope: " + where);
      const std::string type = parsed["type"].get<std::string>();
      if (type == "batch") {
        FUZZ_CHECK(batch_, "batch without the server's feature: " + where);
        FUZZ_CHECK(parsed["items"].is_array() && !parsed["items"].empty() &&
                       parsed["items"].size() <= protocol::max_batch_items,
                   "batch size: " + where);
      } else {
        FUZZ_CHECK(type == "say" || type == "nick" || type == "ping", "unknown type: " + where);
      }
    }
  }

  Reader& in_;
  std::uint64_t rng_ = 0;
  ChatOptions options_;
  FakeNetwork network_;
  FakeScheduler scheduler_;
  std::unique_ptr<ChatClient> client_;
  unsigned op_ = 255;

  std::size_t events_ = 0;
  ConnectionState last_state_ = ConnectionState::connecting;
  bool last_network_ = true;
  bool first_status_ = true;
  bool user_closed_ = false;
  std::size_t opened_at_user_close_ = 0;

  std::map<std::string, Own> own_;
  std::vector<std::string> own_order_;
  std::string last_stranger_;  ///< the last id stranger_id() made
  std::uint64_t strangers_ = 0;
  std::deque<std::string> shown_ids_;  ///< the last ChatClient::remembered_ids shown or delivered
  std::size_t retry_refusals_ = 0;  ///< unavailable / rate_limited-with-id errors sent so far
  bool sending_ = false;
  std::string sending_text_;
  std::string sent_id_;

  // The server's side.
  std::string server_session_;
  std::uint64_t server_seq_ = 0;
  // What the client was told (mirrors its session and batch flag).
  std::string session_;
  std::uint64_t last_shown_seq_ = 0;
  bool batch_ = false;
  protocol::ServerEnvelope last_decoded_;

  double rate_ = 0;                  ///< the client's pace, per the last welcome
  std::vector<chat::Millis> said_at_;  ///< when each message went out since then
  chat::Millis alive_at_ = 0;  ///< when the client last heard from its server (or opened)
  std::size_t traced_frames_ = 0;
  std::size_t accepted_ = 0;  ///< network.opened of the last socket that opened
  bool accepted_v1_ = false;  ///< that socket's server selected wasmchat.v1
  std::size_t frames_seen_ = 0;  ///< frames delivered on it
  bool provisional_ = false;  ///< see end_provisional()
  bool resuming_ = false;     ///< the frame being delivered is a late welcome
  chat::Millis provisional_until_ = 0;
  std::vector<std::string> held_;  ///< written as text while provisional
  std::size_t checked_socket_ = 0;
  std::size_t checked_frames_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  Session session(in);
  session.run();
  return 0;
}
