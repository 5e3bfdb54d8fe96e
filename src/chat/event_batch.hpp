// The bytes through which chat events and call results cross from C++ to JS:
// one batch per call (or per socket callback, or per timer), one reusable
// buffer per chat. Pure C++; the JS reader (web/event-batch.js) builds its
// decoder from the layout the module exports (batch_layout(), which a unit
// test keeps equal to describe_batch_layout()), so each record's shape is
// defined once, by the fields() functions in event_batch.cpp.
//
// Layout, little-endian:
//   u32 records_bytes, u32 text_bytes, records (records_bytes), text (text_bytes)
// A record is a u8 tag, then its fields in table order, each by kind:
//   number   f64 (uint64 values are exact up to 2^53)
//   nullable f64, NaN for null
//   boolean  u8 0/1
//   choice   u8, an index into the field's `values` names (enum values are
//            pinned by the table, not by their order in JS)
//   string   u32 length in UTF-16 code units; the UTF-8 bytes go to the text
//            region, in record order, so that JS decodes the whole region with
//            one TextDecoder call and slices it
//   constant nothing (the table holds the value)
// Text is made well-formed first (utf8::to_valid), so slicing the one decoded
// region gives each field exactly what decoding it alone would.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_event.hpp"

namespace wasmchat::chat {

/// Results and requests of the JS face's calls, which travel in the batch
/// beside the events (class "result" and "request" in the layout).
struct SendAccepted {
  std::string id;
};
/// A misuse: the browser's exception name ("TypeError", "SyntaxError"...) and its message.
struct CallRejected {
  std::string name;
  std::string message;
};
/// create() succeeded; `handle` is the chat's opaque handle for later calls.
struct ChatCreated {
  std::uint32_t handle = 0;
};
/// The client asks the URL provider for the URL of a new attempt (Environment::request_url).
struct UrlRequested {
  std::uint64_t request = 0;
};

/// Appends records to one buffer and hands out the finished batch.
class EventBatch {
 public:
  void append(const ChatEvent& event);
  void append(const SendAccepted& result);
  void append(const SendRejected& result);
  void append(const CallRejected& result);
  void append(const ChatCreated& result);
  void append(const UrlRequested& request);

  [[nodiscard]] bool empty() const noexcept { return records_.empty(); }
  /// Forgets the records; keeps the memory for the next batch.
  void clear() noexcept;
  /// The batch in the layout above, valid until the next append or clear.
  [[nodiscard]] std::span<const std::uint8_t> finish();

  /// Used by the fields() functions; not for other callers.
  struct Writer;

 private:
  std::vector<std::uint8_t> records_;
  std::string text_;
  std::vector<std::uint8_t> bytes_;
};

/// The layout as JSON: {"records": [{"tag", "type", "class" (event, result or
/// request), "fields": [{"name", "kind", "values"? (choice), "value"? (constant)}]}]}.
[[nodiscard]] std::string describe_batch_layout();
/// The same text as a NUL-terminated constant (what the module exports).
[[nodiscard]] const char* batch_layout() noexcept;

/// UTF-16 code units of `text`, which must be well-formed UTF-8.
[[nodiscard]] std::uint32_t utf16_length(std::string_view text) noexcept;

}  // namespace wasmchat::chat
