// Benchmark program: an echo loop written entirely in C++ over
// wasmchat::WebSocket (no JS per message), for bench/ to compare with the same
// loop over the browser's WebSocket in JS.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "websocket/browser_websocket.hpp"

namespace {

EM_JS(void, report_result, (double messages, double bytes, double milliseconds, const char* error), {
  Module['onResult']({ messages: messages, bytes: bytes, ms: milliseconds, error: UTF8ToString(error) });
});

/// One run: keeps `in_flight` messages of `size` bytes in flight until `total` came back.
class EchoRun {
 public:
  EchoRun(std::size_t size, bool text, int total, int in_flight)
      : payload_(size, 'x'), text_(text), total_(total), in_flight_(in_flight) {}

  void start(const char* url) {
    auto socket = wasmchat::WebSocket::connect(url);
    if (!socket) return finish(socket.error().message.c_str());
    socket_ = std::move(socket).value();
    socket_->set_binary_type(wasmchat::BinaryType::arraybuffer);
    socket_->on_event([this](const wasmchat::WebSocketEvent& event) {
      if (std::holds_alternative<wasmchat::OpenEvent>(event)) {
        started_ = emscripten_get_now();
        for (int i = 0; i < in_flight_ && sent_ < total_; ++i) send_one();
      } else if (std::holds_alternative<wasmchat::MessageEvent>(event)) {
        if (++received_ == total_) return finish("");
        if (sent_ < total_) send_one();
      } else if (std::holds_alternative<wasmchat::CloseEvent>(event) && received_ < total_) {
        finish("closed early");
      }
    });
  }

 private:
  void send_one() {
    if (finished_) return;
    ++sent_;
    const auto status = text_ ? socket_->send(std::string_view(payload_))
                              : socket_->send(std::span<const std::byte>(
                                    reinterpret_cast<const std::byte*>(payload_.data()), payload_.size()));
    if (!status) finish(status.error().message.c_str());
  }

  void finish(const char* error) {
    if (finished_) return;  // a failed send and a later close must not report twice
    finished_ = true;
    const double elapsed = emscripten_get_now() - started_;
    report_result(received_, static_cast<double>(received_) * static_cast<double>(payload_.size()), elapsed, error);
    if (socket_) (void)socket_->close(1000, "done");
  }

  std::string payload_;
  bool text_;
  int total_;
  int in_flight_;
  int sent_ = 0;
  int received_ = 0;
  double started_ = 0;
  bool finished_ = false;
  std::unique_ptr<wasmchat::WebSocket> socket_;
};

std::unique_ptr<EchoRun> current;

}  // namespace

extern "C" {

/// Starts one echo run; the result arrives through Module.onResult.
EMSCRIPTEN_KEEPALIVE void run_echo(const char* url, int size, int text, int total, int in_flight) {
  current = std::make_unique<EchoRun>(static_cast<std::size_t>(size), text != 0, total, in_flight);
  current->start(url);
}

}  // extern "C"
