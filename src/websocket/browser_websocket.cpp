#include "websocket/browser_websocket.hpp"

#include <emscripten/websocket.h>

#include <utility>

#include "websocket/close_code.hpp"
#include "websocket/subprotocols.hpp"
#include "websocket/url.hpp"
#include "websocket/utf8.hpp"

// Our own half of the JS glue (browser_websocket.js), for what websocket.h
// gets wrong in 3.1.6; each function's comment there names the trap.
extern "C" {
std::size_t wasmchat_ws_base_url(char* buffer, std::size_t capacity);
int wasmchat_ws_is_secure_context();
void wasmchat_ws_send_text(int handle, const char* text, std::size_t length);
int wasmchat_ws_send_staged(int handle);
void wasmchat_ws_set_copy(int handle, int copy, std::size_t limit);
void wasmchat_ws_close(int handle, int code, const char* reason, std::size_t length);
void wasmchat_ws_listen_message(int handle, void* self, void (*callback)(void*, int, const void*, std::size_t));
void wasmchat_ws_listen_close(int handle, void* self,
                              void (*callback)(void*, int, int, const char*, std::size_t));
void wasmchat_ws_release(int handle);
}

namespace wasmchat {
namespace {

std::string document_base_url() {
  // The capacity passed includes the slot for the terminating NUL.
  std::string base(256, '\0');
  std::size_t length = wasmchat_ws_base_url(base.data(), base.size() + 1);
  if (length > base.size()) {
    base.resize(length);
    length = wasmchat_ws_base_url(base.data(), base.size() + 1);
  }
  base.resize(length);
  return base;
}

/// Chromium refuses ws: from a secure page with SecurityError, thrown from
/// `new WebSocket` itself; a JS exception there would unwind through our wasm
/// frames without running destructors, so the check has to happen here first.
/// Loopback hosts are "potentially trustworthy" and allowed (Mixed Content spec).
Status check_mixed_content(std::string_view url) {
  if (url.rfind("ws://", 0) != 0 || !wasmchat_ws_is_secure_context()) return success();
  const std::string_view rest = url.substr(5);
  const std::string_view host = rest.substr(0, rest.find_first_of(":/"));
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return success();
  return DomError{DomErrorName::security_error,
                  "An insecure WebSocket connection may not be initiated from a page loaded over HTTPS."};
}

std::string read_string(int handle, EMSCRIPTEN_RESULT (*length_of)(int, int*),
                        EMSCRIPTEN_RESULT (*read)(int, char*, int)) {
  int length = 0;  // includes the terminating NUL
  if (length_of(handle, &length) != EMSCRIPTEN_RESULT_SUCCESS || length <= 1) return {};
  std::string value(static_cast<std::size_t>(length), '\0');
  if (read(handle, value.data(), length) != EMSCRIPTEN_RESULT_SUCCESS) return {};
  value.resize(static_cast<std::size_t>(length - 1));
  return value;
}

}  // namespace

struct WebSocket::Callbacks {
  static EM_BOOL open(int, const EmscriptenWebSocketOpenEvent*, void* self) {
    static_cast<WebSocket*>(self)->dispatch(OpenEvent{});
    return EM_TRUE;
  }

  static void message(void* self, int is_text, const void* data, std::size_t length) {
    MessageEvent message;
    // The glue passes no data with a length for a frame it did not copy.
    message.too_big = data == nullptr && length != 0;
    if (message.too_big) length = 0;
    if (is_text) {
      message.data = std::string_view(static_cast<const char*>(data), length);
    } else {
      message.data = std::span<const std::byte>(static_cast<const std::byte*>(data), length);
    }
    static_cast<WebSocket*>(self)->dispatch(message);
  }

  static EM_BOOL error(int, const EmscriptenWebSocketErrorEvent*, void* self) {
    static_cast<WebSocket*>(self)->dispatch(ErrorEvent{});
    return EM_TRUE;
  }

  static void close(void* self, int code, int was_clean, const char* reason, std::size_t length) {
    static_cast<WebSocket*>(self)->dispatch(
        CloseEvent{static_cast<std::uint16_t>(code), std::string(reason, length), was_clean != 0});
  }
};

Result<std::unique_ptr<WebSocket>> WebSocket::connect(std::string_view url,
                                                      std::span<const std::string> protocols) {
  auto resolved = resolve_websocket_url(url, document_base_url());
  if (!resolved) return resolved.error();
  if (auto status = validate_subprotocols(protocols); !status) return status.error();
  if (auto status = check_mixed_content(resolved.value()); !status) return status.error();

  // An empty list must be passed as null: websocket.h would turn "" into [""],
  // which the browser rejects with a SyntaxError thrown through our frames.
  const std::string joined = join_subprotocols(protocols);
  EmscriptenWebSocketCreateAttributes attributes{};
  emscripten_websocket_init_create_attributes(&attributes);
  attributes.url = resolved.value().c_str();
  attributes.protocols = joined.empty() ? nullptr : joined.c_str();
  const int handle = emscripten_websocket_new(&attributes);
  if (handle <= 0) {
    return DomError{DomErrorName::syntax_error, "WebSocket is not supported here."};
  }

  std::unique_ptr<WebSocket> socket(new WebSocket(handle, std::move(resolved).value()));
  WebSocket* self = socket.get();
  emscripten_websocket_set_onopen_callback(handle, self, &Callbacks::open);
  emscripten_websocket_set_onerror_callback(handle, self, &Callbacks::error);
  // websocket.h's own onmessage and onclose lose data or speed (see
  // browser_websocket.js); ours pass lengths.
  wasmchat_ws_listen_message(handle, self, &Callbacks::message);
  wasmchat_ws_listen_close(handle, self, &Callbacks::close);
  return socket;
}

WebSocket::WebSocket(int handle, std::string url) : handle_(handle), url_(std::move(url)) {}

struct WebSocket::Dispatch {
  const Handler* running;
  Dispatch* outer;
  bool socket_destroyed = false;
  std::unique_ptr<const Handler> retired;  // running, dropped by the socket meanwhile
};

WebSocket::~WebSocket() {
  wasmchat_ws_release(handle_);
  for (Dispatch* frame = dispatching_; frame; frame = frame->outer) frame->socket_destroyed = true;
  retire_handler();
}

void WebSocket::retire_handler() {
  Dispatch* holder = nullptr;
  for (Dispatch* frame = dispatching_; frame; frame = frame->outer) {
    if (frame->running == handler_.get()) holder = frame;
  }
  if (holder) holder->retired = std::move(handler_);
  handler_.reset();
}

void WebSocket::on_event(Handler handler) {
  retire_handler();
  if (handler) handler_ = std::make_unique<const Handler>(std::move(handler));
}

void WebSocket::dispatch(const WebSocketEvent& event) {
  if (!handler_) return;
  Dispatch frame{handler_.get(), dispatching_, false, nullptr};
  dispatching_ = &frame;
  (*frame.running)(event);
  // *this may be gone (frame.socket_destroyed); `frame.retired`, if set, is
  // destroyed with the frame, after its call returned.
  if (!frame.socket_destroyed) dispatching_ = frame.outer;
}

namespace {
constexpr std::string_view still_connecting = "Still in CONNECTING state.";
}  // namespace

Status WebSocket::check_can_send() const {
  if (ready_state() == ReadyState::connecting) return DomError{DomErrorName::invalid_state_error, std::string(still_connecting)};
  return success();
}

Status WebSocket::send(std::string_view text) {
  if (auto status = check_can_send(); !status) return status;
  // JS strings always encode to valid UTF-8; a C++ caller could pass anything,
  // and TextDecoder would silently turn it into U+FFFD on the wire.
  if (!utf8::is_valid(text)) return DomError{DomErrorName::syntax_error, "The message must be valid UTF-8."};
  // Not emscripten_websocket_send_utf8_text: it reads a C string and so stops
  // at the first U+0000.
  wasmchat_ws_send_text(handle_, text.data(), text.size());
  return success();
}

Status WebSocket::send(std::span<const std::byte> bytes) {
  if (auto status = check_can_send(); !status) return status;
  emscripten_websocket_send_binary(handle_, const_cast<std::byte*>(bytes.data()),
                                   static_cast<std::uint32_t>(bytes.size()));
  return success();
}

Status WebSocket::send_staged() {
  if (!wasmchat_ws_send_staged(handle_)) {
    return DomError{DomErrorName::invalid_state_error, std::string(still_connecting)};
  }
  return success();
}

void WebSocket::set_max_message_bytes(std::size_t limit) {
  // The glue reports "too big" as limit + 1, which must fit a 32-bit length.
  constexpr std::size_t most = 0x7FFFFFFE;
  wasmchat_ws_set_copy(handle_, 1, limit < most ? limit : most);
}

void WebSocket::leave_data_in_js() { wasmchat_ws_set_copy(handle_, 0, 0); }

Status WebSocket::close(std::optional<std::uint16_t> code, std::string_view reason) {
  if (auto status = validate_close(code, reason); !status) return status;
  // Not emscripten_websocket_close: it reads the reason as a C string.
  wasmchat_ws_close(handle_, code ? *code : -1, reason.data(), reason.size());
  return success();
}

ReadyState WebSocket::ready_state() const {
  unsigned short state = 3;
  emscripten_websocket_get_ready_state(handle_, &state);
  return static_cast<ReadyState>(state);
}

std::uint64_t WebSocket::buffered_amount() const {
  unsigned long long amount = 0;
  emscripten_websocket_get_buffered_amount(handle_, &amount);
  return amount;
}

std::string WebSocket::protocol() const {
  return read_string(handle_, &emscripten_websocket_get_protocol_length, &emscripten_websocket_get_protocol);
}

std::string WebSocket::extensions() const {
  return read_string(handle_, &emscripten_websocket_get_extensions_length, &emscripten_websocket_get_extensions);
}

}  // namespace wasmchat
