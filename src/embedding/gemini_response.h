// Parsing what the Gemini API answers. Every function here takes arbitrary
// bytes (they come from the network and are fuzzed): none crashes, none
// reads out of bounds, and failures are quiver::Error(Status::Embedding) with
// a message that says what was wrong, or an empty optional.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quiver::gemini {

// Parses a 200 response {"embeddings":[{"values":[...]}, ...]} into out
// (count x dim floats, request order). Requires exactly `count` embeddings of
// exactly `dim` finite numbers each; anything else throws
// Error(Embedding) and leaves out partially written.
void parse_embeddings(std::string_view body, size_t count, uint32_t dim, float* out);

// The useful parts of a google.rpc error body:
// {"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED",
//   "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"53s"}]}}
struct ApiError {
  std::string message;                  // error.message, "" if absent
  std::string status;                   // error.status, "" if absent
  std::optional<double> retry_delay_s;  // RetryInfo.retryDelay, when present and valid
};

// Never throws (except bad_alloc); a body that is not such an error gives
// an ApiError with empty fields.
ApiError parse_api_error(std::string_view body);

// At most the first 120 bytes of body, non-printable bytes as '?': for
// error messages.
std::string body_excerpt(std::string_view body);

// A protobuf Duration in its JSON form: "53s", "1.5s", "0.000000001s"
// (decimal seconds, at most 9 fraction digits, then 's'). Negative or
// malformed durations give nullopt.
std::optional<double> parse_duration(std::string_view text) noexcept;

}  // namespace quiver::gemini
