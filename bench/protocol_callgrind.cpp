// The noise-free figure of `npm run bench:callgrind` (scripts/protocol-callgrind.sh):
// the pure protocol code run natively under `valgrind --tool=callgrind`,
// which counts instructions instead of timing them. This program decodes
// (or encodes) `count` chat messages; the script runs it for two counts and
// divides the difference in instructions by the difference in messages, so
// start-up and the first-call costs drop out.
//
//   protocol_callgrind decode|encode <count>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "chat/protocol.hpp"

namespace protocol = wasmchat::chat::protocol;

namespace {

// A message of ordinary length (the server's limit is 50 code points), with
// a non-ASCII character and an escaped quote, as a real chat has them.
constexpr const char* text = "hello, this is a \"chat\" message of length ~50 é";

std::string frame(unsigned long seq) {
  return R"({"type":"message","seq":)" + std::to_string(seq) + R"(,"id":"k3v9q2zd-)" + std::to_string(seq) +
         R"(","from":"ana","text":"hello, this is a \"chat\" message of length ~50 é","time":1700000000000})";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "decode") != 0 && std::strcmp(argv[1], "encode") != 0)) {
    std::fprintf(stderr, "usage: %s decode|encode <count>\n", argv[0]);
    return 2;
  }
  const unsigned long count = std::strtoul(argv[2], nullptr, 10);
  // Inputs are made before the measured loop, the same way for both modes,
  // so the two runs differ only in the loop's work.
  std::vector<std::string> frames;
  std::vector<std::string> ids;
  frames.reserve(count);
  ids.reserve(count);
  for (unsigned long i = 1; i <= count; ++i) {
    frames.push_back(frame(i));
    ids.push_back("k3v9q2zd-" + std::to_string(i));
  }
  std::size_t checksum = 0;
  if (argv[1][0] == 'd') {
    for (const auto& f : frames) {
      const auto envelope = protocol::decode(f);
      const auto* message = std::get_if<protocol::ChatMessage>(&envelope);
      if (message == nullptr) return 1;  // the frame is valid: decoding it must work
      checksum += message->text.size() + message->seq;
    }
  } else {
    for (const auto& id : ids) checksum += protocol::encode_say(id, text).size();
  }
  std::printf("%s %lu messages, checksum %zu\n", argv[1], count, checksum);
  return 0;
}
