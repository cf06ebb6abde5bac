// GeminiEmbedder: configuration checks, batching, the retry loop and
// normalisation. Wire format in gemini_request / gemini_response, HTTP in
// curl_transport, pacing in rate_limiter.
#include "embedding/gemini_embedder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <random>

#include "core/error.h"
#include "core/parallel.h"
#include "embedding/gemini_request.h"
#include "embedding/gemini_response.h"

namespace quiver {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

[[noreturn]] void bad_option(const std::string& message) {
  fail(Status::InvalidArgument, "Gemini embedder: " + message);
}

void check_range(const char* name, uint32_t value, uint32_t lo, uint32_t hi) {
  if (value < lo || value > hi)
    bad_option(std::string(name) + " is " + std::to_string(value) + "; it must be between " +
               std::to_string(lo) + " and " + std::to_string(hi));
}

double default_jitter() {
  thread_local std::mt19937_64 rng(
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string status_hint(long status) {
  switch (status) {
    case 401:
    case 403:
      return "; check the API key (the api_key option or GEMINI_API_KEY) and that the "
             "Generative Language API is enabled for its project";
    case 404:
      return "; check the model name and the base URL";
    case 429:
      return "; lower requests_per_minute or raise the project's quota";
    default:
      return "";
  }
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3gs", s);
  return buf;
}

// The option, else GEMINI_API_KEY; throws when neither gives a usable key.
void resolve_api_key(std::string& key) {
  if (key.empty()) key = env_or_empty("GEMINI_API_KEY");
  if (key.empty())
    bad_option("no API key; set the api_key option or the GEMINI_API_KEY environment variable");
  for (unsigned char ch : key)
    if (ch < 0x20 || ch == 0x7F) bad_option("the API key contains a control character");
}

// The option, else QUIVER_GEMINI_BASE_URL, else the public API; without a
// trailing slash.
void resolve_base_url(std::string& url) {
  if (url.empty()) url = env_or_empty("QUIVER_GEMINI_BASE_URL");
  if (url.empty()) url = kGeminiDefaultBaseUrl;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    bad_option("base URL \"" + url + "\" must start with https:// or http://");
  for (unsigned char ch : url)
    if (ch <= 0x20 || ch == 0x7F) bad_option("the base URL contains a space or control character");
}

// Drops a "models/" prefix; the rest goes into the URL, so only safe characters.
void check_model(std::string& model) {
  if (model.rfind("models/", 0) == 0) model.erase(0, 7);
  if (model.empty()) bad_option("the model name is empty");
  for (char ch : model) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
    if (!ok)
      bad_option("model name \"" + model + "\" has a character other than A-Z a-z 0-9 - . _");
  }
}

void check_limits(const GeminiConfig& c) {
  if (c.model == kGeminiDefaultModel)
    check_range("output_dim", c.output_dim, 128, 3072);
  else
    check_range("output_dim", c.output_dim, 1, kMaxEmbeddingDim);
  check_range("batch_size", c.batch_size, 1, kGeminiMaxBatch);
  check_range("max_concurrent_requests", c.max_concurrent_requests, 1, 64);
  check_range("max_retries", c.max_retries, 0, 100);
}

HttpRequest batch_request(const GeminiConfig& c, const std::string& url,
                          std::span<const std::string_view> texts, EmbedTask task) {
  HttpRequest req;
  req.url = url;
  req.headers = {"Content-Type: application/json", "x-goog-api-key: " + c.api_key,
                 "Expect:"};  // no 100-continue round trip for large bodies
  req.body = gemini::batch_request_body(c.model, texts, task, c.output_dim);
  req.timeout_ms = c.timeout_ms;
  req.connect_timeout_ms = c.connect_timeout_ms;
  return req;
}

// Scales each of the rows to length 1; a zero (or non-finite) row is a
// malformed response.
void normalise_rows(float* out, size_t rows, uint32_t dim) {
  for (size_t i = 0; i < rows; ++i) {
    float* row = out + i * size_t{dim};
    double norm2 = 0.0;
    for (uint32_t j = 0; j < dim; ++j) norm2 += double{row[j]} * row[j];
    if (!(norm2 > 0.0) || !std::isfinite(norm2))
      fail(Status::Embedding, "the Gemini API sent a malformed response: embeddings[" +
                                  std::to_string(i) + "] is the zero vector");
    const double scale = 1.0 / std::sqrt(norm2);
    for (uint32_t j = 0; j < dim; ++j) row[j] = static_cast<float>(row[j] * scale);
  }
}

// An attempt that failed in a way a retry may mend.
struct FailedAttempt {
  std::string what;                      // what went wrong, for the final error
  std::optional<double> server_delay_s;  // the wait the server asked for
};

// Judges an answer other than HTTP 200: throws when retrying cannot help.
FailedAttempt judge_failure(const HttpResponse& resp, const std::string& base_url) {
  FailedAttempt f;
  if (resp.status == 0) {
    f.what = "could not get an answer from the Gemini API at " + base_url + ": " + resp.error;
    if (!resp.retryable) fail(Status::Embedding, f.what);
    return f;
  }
  const gemini::ApiError e = gemini::parse_api_error(resp.body);
  f.what = "the Gemini API answered HTTP " + std::to_string(resp.status);
  if (!e.status.empty()) f.what += " " + e.status;
  f.what += ": " + (e.message.empty() ? "\"" + gemini::body_excerpt(resp.body) + "\"" : e.message);
  const bool transient = resp.status == 408 || resp.status == 429 || resp.status >= 500;
  if (!transient) fail(Status::Embedding, f.what + status_hint(resp.status));
  f.server_delay_s = e.retry_delay_s ? e.retry_delay_s : resp.retry_after_s;
  return f;
}

// Exponential back-off with equal jitter: half fixed, half random.
double backoff_s(const GeminiConfig& c, uint32_t attempt, double jitter) {
  const double cap = c.max_backoff_ms / 1000.0;
  const double base = std::min(
      cap, std::ldexp(c.initial_backoff_ms / 1000.0, static_cast<int>(std::min(attempt, 30u))));
  return base * (0.5 + 0.5 * jitter);
}

// How long to wait before the next attempt: the server's delay (plus up to
// 10%) or the back-off. Throws when no retry is left or the server asks for
// more than max_retry_delay_ms.
double delay_before_retry(const GeminiConfig& c, const FailedAttempt& failed, uint32_t attempt,
                          long status, const std::function<double()>& jitter) {
  if (attempt >= c.max_retries)
    fail(Status::Embedding, failed.what + " (gave up after " + std::to_string(attempt + 1) +
                                (attempt == 0 ? " attempt" : " attempts") + ")" +
                                status_hint(status));
  if (!failed.server_delay_s) return backoff_s(c, attempt, jitter());
  const double server_delay_s = *failed.server_delay_s;
  if (server_delay_s * 1000.0 > c.max_retry_delay_ms)
    fail(Status::Embedding, failed.what + " (the server asks to retry in " +
                                seconds(server_delay_s) + ", longer than max_retry_delay_ms = " +
                                std::to_string(c.max_retry_delay_ms) + ")" + status_hint(status));
  return server_delay_s * (1.0 + 0.1 * jitter());
}

}  // namespace

GeminiEmbedder::GeminiEmbedder(GeminiConfig config, GeminiRuntime runtime)
    : config_(std::move(config)) {
  GeminiConfig& c = config_;
  resolve_api_key(c.api_key);
  resolve_base_url(c.base_url);
  check_model(c.model);
  check_limits(c);
  transport_ = runtime.transport ? std::move(runtime.transport) : make_curl_transport();
  clock_ = runtime.clock ? std::move(runtime.clock) : steady_clock();
  jitter_ = runtime.jitter ? std::move(runtime.jitter) : std::function<double()>(default_jitter);
  limiter_ = std::make_unique<RateLimiter>(c.requests_per_minute, clock_);
  url_ = gemini::batch_url(c.base_url, c.model);
}

std::string GeminiEmbedder::description() const {
  return "gemini model=" + config_.model + " dim=" + std::to_string(config_.output_dim);
}

std::string GeminiEmbedder::redact(std::string message) const {
  const std::string& key = config_.api_key;
  if (key.empty()) return message;
  for (size_t pos = message.find(key); pos != std::string::npos; pos = message.find(key, pos + 10))
    message.replace(pos, key.size(), "[redacted]");
  return message;
}

void GeminiEmbedder::embed_into(std::span<const std::string_view> texts, EmbedTask task,
                                float* out) {
  if (texts.empty()) return;
  for (size_t i = 0; i < texts.size(); ++i)
    if (texts[i].empty())
      fail(Status::InvalidArgument,
           "text " + std::to_string(i) + " is empty; the Gemini API rejects empty text");

  const size_t n = texts.size();
  const size_t bs = config_.batch_size;
  const size_t batches = (n + bs - 1) / bs;
  const size_t dim = config_.output_dim;
  std::atomic<bool> abandoned{false};
  std::mutex error_mutex;
  std::exception_ptr first_error;  // the real failure, not the batches it cut short
  try {
    parallel_for(batches, config_.max_concurrent_requests, 1, [&](size_t b, size_t e) {
      for (size_t k = b; k < e; ++k) {
        const size_t first = k * bs;
        const size_t count = std::min(bs, n - first);
        try {
          embed_batch(texts.subspan(first, count), task, out + first * dim, abandoned);
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!abandoned.exchange(true)) first_error = std::current_exception();
          throw;
        }
      }
    });
  } catch (...) {
    std::exception_ptr error = first_error ? first_error : std::current_exception();
    try {
      std::rethrow_exception(error);
    } catch (const Error& err) {
      throw Error(err.status(), redact(err.what()));
    }
  }
}

void GeminiEmbedder::embed_batch(std::span<const std::string_view> texts, EmbedTask task,
                                 float* out, const std::atomic<bool>& abandoned) {
  const HttpRequest req = batch_request(config_, url_, texts, task);
  for (uint32_t attempt = 0;; ++attempt) {
    if (abandoned.load()) fail(Status::Embedding, "abandoned: another batch of this call failed");
    limiter_->acquire();
    const HttpResponse resp = transport_->post(req);
    if (resp.status == 200) {
      gemini::parse_embeddings(resp.body, texts.size(), config_.output_dim, out);
      normalise_rows(out, texts.size(), config_.output_dim);
      return;
    }
    const FailedAttempt failed = judge_failure(resp, config_.base_url);
    const double delay_s = delay_before_retry(config_, failed, attempt, resp.status, jitter_);
    const Clock::Nanos until =
        clock_->now() + Clock::Nanos(static_cast<int64_t>(std::llround(delay_s * 1e9)));
    if (resp.status == 429)
      limiter_->hold_until(until);  // the quota is shared: every thread waits
    else
      clock_->sleep_until(until);
  }
}

}  // namespace quiver
