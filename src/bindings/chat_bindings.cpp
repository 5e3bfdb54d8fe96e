// C ABI over browser::BrowserChat for the JS face (web/chat-client.js).
// Bindings only: the rules live in src/chat/. Nothing here throws; failures
// reach JS through wasmchat_js_reject() and the return value.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "chat/chat_event.hpp"
#include "chat/options.hpp"
#include "browser/browser_chat.hpp"

extern "C" {
void wasmchat_js_chat_event(int sink, const char* json, std::size_t length);
void wasmchat_js_chat_message(int sink, int own, int state, double seq, double time, const char* id,
                              std::size_t id_length, const char* from, std::size_t from_length, const char* text,
                              std::size_t text_length, const char* reason, std::size_t reason_length);
void wasmchat_js_reject(const char* name, std::size_t name_length, const char* message, std::size_t message_length);
void wasmchat_js_string(const char* text, std::size_t length);
/// The client asks its URL provider for the URL of a new attempt; the answer
/// comes back through wasmchat_chat_provide_url() with the same request.
void wasmchat_js_chat_url_request(int sink, double request);
}

namespace {

using wasmchat::browser::BrowserChat;

void reject(const wasmchat::DomError& error) {
  const auto name = wasmchat::to_string(error.name);
  wasmchat_js_reject(name.data(), name.size(), error.message.data(), error.message.size());
}

void return_string(std::string_view value) { wasmchat_js_string(value.data(), value.size()); }

}  // namespace

extern "C" {

/// `options` is the JSON of the JS options object. `network_online` is
/// navigator.onLine; with `url_provider` set, every attempt asks JS for its
/// URL (wasmchat_js_chat_url_request) instead of using the `server` option.
/// Returns null after rejecting.
EMSCRIPTEN_KEEPALIVE BrowserChat* wasmchat_chat_create(const char* options, std::size_t length, int sink,
                                                       int network_online, int url_provider) {
  auto parsed = wasmchat::chat::parse_options(std::string_view(options, length));
  if (!parsed) {
    reject(parsed.error());
    return nullptr;
  }
  auto chat = BrowserChat::create(std::move(parsed).value(), [sink](const wasmchat::chat::ChatEvent& event) {
    // Messages are the hot path (a burst is thousands per second): their
    // fields go to JS as arguments. The rare events go as JSON.
    using namespace wasmchat::chat;
    if (const auto* m = std::get_if<Received>(&event)) {
      return wasmchat_js_chat_message(sink, 0, 0, static_cast<double>(m->seq), static_cast<double>(m->time),
                                      m->id.data(), m->id.size(), m->from.data(), m->from.size(), m->text.data(),
                                      m->text.size(), nullptr, 0);
    }
    if (const auto* m = std::get_if<OwnMessageChanged>(&event)) {
      return wasmchat_js_chat_message(sink, 1, static_cast<int>(m->state), 0, 0, m->id.data(), m->id.size(), nullptr,
                                      0, m->text.data(), m->text.size(), m->reason.data(), m->reason.size());
    }
    const std::string json = to_json(event);
    wasmchat_js_chat_event(sink, json.data(), json.size());
  }, network_online != 0, url_provider == 0 ? std::function<void(std::uint64_t)>() : [sink](std::uint64_t request) {
    wasmchat_js_chat_url_request(sink, static_cast<double>(request));
  });
  if (!chat) {
    reject(chat.error());
    return nullptr;
  }
  return chat.value().release();
}

EMSCRIPTEN_KEEPALIVE void wasmchat_chat_destroy(BrowserChat* chat) { delete chat; }

/// 1 and the id via wasmchat_js_string, or 0 and "reason\nmessage" via wasmchat_js_string.
EMSCRIPTEN_KEEPALIVE int wasmchat_chat_send(BrowserChat* chat, const char* text, std::size_t length) {
  auto result = chat->client().send(std::string_view(text, length));
  if (const auto* id = std::get_if<std::string>(&result)) {
    return_string(*id);
    return 1;
  }
  const auto& rejected = std::get<wasmchat::chat::SendRejected>(result);
  return_string(std::string(wasmchat::chat::to_string(rejected.reason)) + "\n" + rejected.message);
  return 0;
}

/// Re-enqueues a stored message (ChatClient::restore). `record` is the id, a
/// line feed, then the text (ids never hold one). 1, or 0 and "reason\nmessage"
/// via wasmchat_js_string.
EMSCRIPTEN_KEEPALIVE int wasmchat_chat_restore(BrowserChat* chat, const char* record, std::size_t length) {
  const std::string_view both(record, length);
  const auto split = std::min(both.find('\n'), both.size());
  const auto refused = chat->client().restore(both.substr(0, split), both.substr(std::min(split + 1, both.size())));
  if (!refused) return 1;
  return_string(std::string(wasmchat::chat::to_string(refused->reason)) + "\n" + refused->message);
  return 0;
}

/// `code` < 0: no code given.
EMSCRIPTEN_KEEPALIVE int wasmchat_chat_close(BrowserChat* chat, int code, const char* reason, std::size_t length) {
  const auto given = code < 0 ? std::nullopt : std::optional<std::uint16_t>(static_cast<std::uint16_t>(code));
  auto status = chat->client().close(given, std::string_view(reason, length));
  if (!status) reject(status.error());
  return status.ok();
}

EMSCRIPTEN_KEEPALIVE void wasmchat_chat_set_nickname(BrowserChat* chat, const char* name, std::size_t length) {
  chat->client().set_nickname(std::string(name, length));
}

/// The window's online/offline events (and navigator.onLine).
EMSCRIPTEN_KEEPALIVE void wasmchat_chat_set_network_online(BrowserChat* chat, int online) {
  chat->client().set_network_online(online != 0);
}

/// The provider's answer to `request`: ok 1 and the URL, or ok 0 and why it failed.
EMSCRIPTEN_KEEPALIVE void wasmchat_chat_provide_url(BrowserChat* chat, double request, int ok, const char* text,
                                                    std::size_t length) {
  const auto number = static_cast<std::uint64_t>(request);
  if (ok) chat->client().url_provided(number, std::string_view(text, length));
  else chat->client().url_failed(number, std::string(text, length));
}

EMSCRIPTEN_KEEPALIVE int wasmchat_chat_ready_state(BrowserChat* chat) {
  return static_cast<int>(chat->client().ready_state());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_buffered_amount(BrowserChat* chat) {
  return static_cast<double>(chat->client().buffered_amount());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_outbox_size(BrowserChat* chat) {
  return static_cast<double>(chat->client().outbox_size());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_outbox_bytes(BrowserChat* chat) {
  return static_cast<double>(chat->client().outbox_bytes());
}

}  // extern "C"
