// GeminiEmbedder: Google's Gemini embedding API (batchEmbedContents) as an
// Embedder.
//
//  - Batching: texts go out in requests of at most batch_size (<= 100, the
//    API's limit), up to max_concurrent_requests at once; results keep the
//    order of the texts. All or nothing: one failed batch fails the call.
//  - Rate limit: a requests-per-minute limiter (rate_limiter.h) shared by
//    every thread that uses this embedder; retries count too.
//  - Retries: HTTP 408, 429, 5xx and transport errors (refused connection,
//    timeout, reset) are retried up to max_retries times with exponential
//    back-off (initial_backoff_ms * 2^attempt, capped at max_backoff_ms, with
//    "equal jitter": half fixed, half random). A RetryInfo.retryDelay in the
//    error body ("53s") or a Retry-After header is honoured instead (plus up
//    to 10% jitter); a 429's delay holds back every thread of this embedder.
//    A server delay longer than max_retry_delay_ms fails at once (a daily
//    quota is not worth waiting for).
//  - Other 4xx answers (400 bad request, 401/403 key, 404 model) fail at
//    once with the server's error.message.
//  - Responses are checked completely (count, dimension, numbers: see
//    gemini_response.h) and every vector is L2-normalised (the API only
//    normalises full 3072-dimension gemini-embedding-001 vectors).
//  - The API key travels only in the x-goog-api-key header; it is never
//    logged and is scrubbed from every error message.
// Thread-safe: embed_into may run on any number of threads at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "embedding/clock.h"
#include "embedding/embedder.h"
#include "embedding/http_transport.h"
#include "embedding/rate_limiter.h"

namespace quiver {

inline constexpr const char* kGeminiDefaultBaseUrl = "https://generativelanguage.googleapis.com";
inline constexpr const char* kGeminiDefaultModel = "gemini-embedding-001";
inline constexpr uint32_t kGeminiMaxBatch = 100;

struct GeminiConfig {
  std::string api_key;                      // "" = env GEMINI_API_KEY (see resolve_env)
  std::string base_url;                     // "" = env QUIVER_GEMINI_BASE_URL, else the public API
  std::string model = kGeminiDefaultModel;  // with or without the "models/" prefix
  uint32_t output_dim = 768;  // outputDimensionality; 128..3072 for gemini-embedding-001
  uint32_t batch_size = kGeminiMaxBatch;  // texts per request, 1..100
  uint32_t requests_per_minute = 100;     // 0 = no client-side limit
  uint32_t max_retries = 5;               // retries after the first attempt
  uint32_t timeout_ms = 60000;            // per request; 0 = none
  uint32_t connect_timeout_ms = 10000;
  uint32_t initial_backoff_ms = 1000;
  uint32_t max_backoff_ms = 30000;
  uint32_t max_retry_delay_ms = 120000;  // longest server-requested wait honoured
  uint32_t max_concurrent_requests = 4;  // batches in flight for one embed call, >= 1
};

// What the embedder talks to; empty members get the real thing (libcurl,
// steady_clock, a random jitter). Tests inject fakes.
struct GeminiRuntime {
  std::shared_ptr<HttpTransport> transport;
  std::shared_ptr<Clock> clock;
  std::function<double()> jitter;  // uniform in [0, 1); must be thread-safe
};

class GeminiEmbedder final : public Embedder {
 public:
  // Fills empty api_key / base_url from the environment (see GeminiConfig),
  // then checks everything. Throws Error(InvalidArgument) for a missing key
  // or an option out of range. Makes no network call.
  explicit GeminiEmbedder(GeminiConfig config, GeminiRuntime runtime = {});

  uint32_t dim() const noexcept override { return config_.output_dim; }
  std::string description() const override;

  // Empty texts are rejected (InvalidArgument) before anything is sent: the
  // API refuses empty content and would fail the whole batch.
  void embed_into(std::span<const std::string_view> texts, EmbedTask task, float* out) override;

  const GeminiConfig& config() const { return config_; }

 private:
  void embed_batch(std::span<const std::string_view> texts, EmbedTask task, float* out,
                   const std::atomic<bool>& abandoned);
  std::string redact(std::string message) const;

  GeminiConfig config_;
  std::string url_;
  std::shared_ptr<HttpTransport> transport_;
  std::shared_ptr<Clock> clock_;
  std::function<double()> jitter_;
  std::unique_ptr<RateLimiter> limiter_;
};

}  // namespace quiver
