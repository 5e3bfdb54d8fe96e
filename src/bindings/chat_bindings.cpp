// C ABI over browser::BrowserChat for the JS face (web/chat-client.js).
// Bindings only: the rules live in src/chat/. Nothing here throws.
//
// One crossing per batch: every call JS makes returns a pointer to the chat's
// batch (chat::EventBatch, layout in src/chat/event_batch.hpp) holding the
// call's result and the events it produced; events the browser started (a
// socket event, a timer) go to JS as one batch through wasmchat_js_chat_events
// once the callback has been handled.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "chat/event_batch.hpp"
#include "chat/options.hpp"
#include "browser/browser_chat.hpp"

extern "C" {
/// A batch the browser started (src/bindings/event_sink.js); valid during the call.
void wasmchat_js_chat_events(int sink, const std::uint8_t* batch, std::size_t length);
}

namespace {

using wasmchat::browser::BrowserChat;
using wasmchat::chat::EventBatch;

/// What the JS face holds: the chat, its sink and its batch.
struct ChatBinding {
  explicit ChatBinding(int sink_id) : sink(sink_id) {}

  int sink;
  int calls = 0;  ///< JS calls under way (0 or 1: no JS runs inside one).
  bool returned = false;  ///< The batch went back to JS as a call's value: the next record starts a new one.
  EventBatch batch;
  std::unique_ptr<BrowserChat> chat;  ///< Last: destroyed first, while the batch still takes its events.

  /// Adds an event or request to the batch under way.
  template <class Record>
  void record(const Record& r) {
    if (returned) {
      batch.clear();
      returned = false;
    }
    batch.append(r);
  }

  /// The end of a browser-started callback: hands its events to JS at once.
  void end_of_callback() {
    if (calls != 0 || returned || batch.empty()) return;
    const auto bytes = batch.finish();
    wasmchat_js_chat_events(sink, bytes.data(), bytes.size());
    batch.clear();
  }
};

/// One call from JS: its batch starts empty and is the return value.
class Call {
 public:
  explicit Call(ChatBinding& binding) : binding_(binding) {
    ++binding_.calls;
    binding_.batch.clear();
    binding_.returned = false;
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  EventBatch& batch() noexcept { return binding_.batch; }
  wasmchat::chat::ChatClient& client() noexcept { return binding_.chat->client(); }
  void reject(const wasmchat::DomError& error) {
    binding_.batch.append(wasmchat::chat::CallRejected{std::string(wasmchat::to_string(error.name)), error.message});
  }
  /// The batch for JS: [u32 records_bytes, u32 text_bytes, records, text].
  const std::uint8_t* finish() {
    --binding_.calls;
    binding_.returned = true;
    return binding_.batch.finish().data();
  }

 private:
  ChatBinding& binding_;
};

}  // namespace

extern "C" {

/// The batch layout as JSON (chat::batch_layout()), NUL-terminated. Read
/// once by the JS reader.
EMSCRIPTEN_KEEPALIVE const char* wasmchat_chat_layout() { return wasmchat::chat::batch_layout(); }

/// `options` is the JSON of the JS options object. `network_online` is
/// navigator.onLine; with `url_provider` set, every attempt asks JS for its
/// URL (a url_request record) instead of using the `server` option. The
/// batch always holds `created` with the handle; after a `rejected`, JS
/// destroys that handle.
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_create(const char* options, std::size_t length, int sink,
                                                              int network_online, int url_provider) {
  auto* binding = new ChatBinding(sink);
  Call call(*binding);
  call.batch().append(wasmchat::chat::ChatCreated{static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(binding))});
  auto parsed = wasmchat::chat::parse_options(std::string_view(options, length));
  if (!parsed) {
    call.reject(parsed.error());
    return call.finish();
  }
  auto request_url = url_provider == 0 ? std::function<void(std::uint64_t)>() : [binding](std::uint64_t request) {
    binding->record(wasmchat::chat::UrlRequested{request});
  };
  auto chat = BrowserChat::create(
      std::move(parsed).value(), [binding](const wasmchat::chat::ChatEvent& event) { binding->record(event); },
      network_online != 0, std::move(request_url), [binding] { binding->end_of_callback(); });
  if (!chat) call.reject(chat.error());
  else binding->chat = std::move(chat).value();
  return call.finish();
}

EMSCRIPTEN_KEEPALIVE void wasmchat_chat_destroy(ChatBinding* binding) { delete binding; }

/// `sent` with the id, or `refused` with the reason and a message.
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_send(ChatBinding* binding, const char* text,
                                                            std::size_t length) {
  Call call(*binding);
  auto result = call.client().send(std::string_view(text, length));
  if (auto* id = std::get_if<std::string>(&result)) call.batch().append(wasmchat::chat::SendAccepted{std::move(*id)});
  else call.batch().append(std::get<wasmchat::chat::SendRejected>(result));
  return call.finish();
}

/// Re-enqueues a stored message (ChatClient::restore). `record` is the id, a
/// line feed, then the text (ids never hold one). `refused` if refused.
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_restore(ChatBinding* binding, const char* record,
                                                               std::size_t length) {
  Call call(*binding);
  const std::string_view both(record, length);
  const auto split = std::min(both.find('\n'), both.size());
  auto refused = call.client().restore(both.substr(0, split), both.substr(std::min(split + 1, both.size())));
  if (refused) call.batch().append(*refused);
  return call.finish();
}

/// `code` < 0: no code given. `rejected` for a bad code or reason.
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_close(ChatBinding* binding, int code, const char* reason,
                                                             std::size_t length) {
  Call call(*binding);
  const auto given = code < 0 ? std::nullopt : std::optional<std::uint16_t>(static_cast<std::uint16_t>(code));
  auto status = call.client().close(given, std::string_view(reason, length));
  if (!status) call.reject(status.error());
  return call.finish();
}

EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_set_nickname(ChatBinding* binding, const char* name,
                                                                    std::size_t length) {
  Call call(*binding);
  call.client().set_nickname(std::string(name, length));
  return call.finish();
}

/// The window's online/offline events (and navigator.onLine).
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_set_network_online(ChatBinding* binding, int online) {
  Call call(*binding);
  call.client().set_network_online(online != 0);
  return call.finish();
}

/// The provider's answer to `request`: ok 1 and the URL, or ok 0 and why it failed.
EMSCRIPTEN_KEEPALIVE const std::uint8_t* wasmchat_chat_provide_url(ChatBinding* binding, double request, int ok,
                                                                   const char* text, std::size_t length) {
  Call call(*binding);
  const auto number = static_cast<std::uint64_t>(request);
  if (ok) call.client().url_provided(number, std::string_view(text, length));
  else call.client().url_failed(number, std::string(text, length));
  return call.finish();
}

EMSCRIPTEN_KEEPALIVE int wasmchat_chat_ready_state(ChatBinding* binding) {
  return static_cast<int>(binding->chat->client().ready_state());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_buffered_amount(ChatBinding* binding) {
  return static_cast<double>(binding->chat->client().buffered_amount());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_outbox_size(ChatBinding* binding) {
  return static_cast<double>(binding->chat->client().outbox_size());
}

EMSCRIPTEN_KEEPALIVE double wasmchat_chat_outbox_bytes(ChatBinding* binding) {
  return static_cast<double>(binding->chat->client().outbox_bytes());
}

}  // extern "C"
