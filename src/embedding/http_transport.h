// The one HTTP call the Gemini adapter needs (a JSON POST), behind an
// interface so that tests can play the server without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quiver {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; may hold secrets, never log them
  std::string body;
  uint32_t timeout_ms = 60000;  // whole request, 0 = none
  uint32_t connect_timeout_ms = 10000;
  size_t max_response_bytes = 64u << 20;
};

struct HttpResponse {
  // 0 when no HTTP response arrived (connection refused, timeout, TLS ...);
  // `error` then says why and `retryable` whether trying again may help.
  long status = 0;
  std::string body;
  std::optional<double> retry_after_s;  // the Retry-After header, when present
  std::string error;
  bool retryable = false;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request; never throws for network trouble (that is in the
  // response), only for bad_alloc. Thread-safe.
  virtual HttpResponse post(const HttpRequest& request) = 0;
};

// libcurl: keeps a pool of handles so connections (and TLS sessions) are
// reused across requests and threads.
std::shared_ptr<HttpTransport> make_curl_transport();

}  // namespace quiver
