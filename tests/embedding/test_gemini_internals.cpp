// The Gemini adapter's parts, with a fake clock and a fake HTTP transport:
// no sockets, no sleeping. Rate limiting (a burst of 300 texts stays within
// the RPM), retry back-off (exponential, capped, RetryInfo.retryDelay and
// Retry-After honoured, 429 holding back every thread), failure handling,
// the request builder and the response parsers (including a small fuzz).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "embedding/gemini_embedder.h"
#include "embedding/gemini_request.h"
#include "embedding/gemini_response.h"
#include "embedding/rate_limiter.h"

// cmocka last: its fail() macro would clash with quiver::fail.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {  // cmocka 1.1.5 has no C++ linkage guards of its own
#include <cmocka.h>
}

using nlohmann::json;
using quiver::Clock;
using quiver::EmbedTask;
using quiver::HttpRequest;
using quiver::HttpResponse;
using Nanos = Clock::Nanos;

namespace {

constexpr const char* kKey = "AIzaTEST-secret-key-1234567890";

// Time moves only when someone sleeps: sleep_until(t) sets now to
// max(now, t). Thread-safe.
class FakeClock final : public Clock {
 public:
  Nanos now() override { return Nanos(now_.load()); }
  void sleep_until(Nanos t) override {
    int64_t cur = now_.load();
    while (cur < t.count() && !now_.compare_exchange_weak(cur, t.count())) {
    }
  }

 private:
  std::atomic<int64_t> now_{1'000'000'000};  // 1 s: not zero, to catch epoch mix-ups
};

double secs(Nanos n) { return static_cast<double>(n.count()) / 1e9; }

// Answers with `script(index, request)`; records the time of every request.
class FakeTransport final : public quiver::HttpTransport {
 public:
  using Script = std::function<HttpResponse(size_t index, const HttpRequest&)>;
  FakeTransport(std::shared_ptr<Clock> clock, Script script)
      : clock_(std::move(clock)), script_(std::move(script)) {}

  HttpResponse post(const HttpRequest& req) override {
    size_t index;
    {
      std::lock_guard lock(mutex_);
      index = times_.size();
      times_.push_back(clock_->now());
      bodies_.push_back(req.body);
      headers_.push_back(req.headers);
    }
    return script_(index, req);
  }

  std::vector<Nanos> times() {
    std::lock_guard lock(mutex_);
    return times_;
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::vector<std::string>> headers() {
    std::lock_guard lock(mutex_);
    return headers_;
  }

 private:
  std::shared_ptr<Clock> clock_;
  Script script_;
  std::mutex mutex_;
  std::vector<Nanos> times_;
  std::vector<std::string> bodies_;
  std::vector<std::vector<std::string>> headers_;
};

// A 200 answer for the request: vector i is (i+1, 1, 1, ...) before normalisation.
HttpResponse ok_for(const HttpRequest& req) {
  const json body = json::parse(req.body);
  json embeddings = json::array();
  for (size_t i = 0; i < body["requests"].size(); ++i) {
    const uint32_t dim = body["requests"][i]["outputDimensionality"].get<uint32_t>();
    std::vector<double> v(dim, 1.0);
    v[0] = static_cast<double>(i + 1);
    embeddings.push_back({{"values", v}});
  }
  HttpResponse r;
  r.status = 200;
  r.body = json({{"embeddings", embeddings}}).dump();
  return r;
}

HttpResponse error_answer(long status, const std::string& gstatus, const std::string& message,
                          const char* retry_delay = nullptr) {
  json err = {{"code", status}, {"message", message}, {"status", gstatus}};
  if (retry_delay)
    err["details"] = json::array(
        {{{"@type", "type.googleapis.com/google.rpc.RetryInfo"}, {"retryDelay", retry_delay}}});
  HttpResponse r;
  r.status = status;
  r.body = json({{"error", err}}).dump();
  return r;
}

HttpResponse transport_error(bool retryable) {
  HttpResponse r;
  r.error = retryable ? "Timeout was reached" : "URL using bad/illegal format";
  r.retryable = retryable;
  return r;
}

struct Fixture {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<quiver::GeminiEmbedder> embedder;

  Fixture(quiver::GeminiConfig config, FakeTransport::Script script, double jitter = 0.0) {
    transport = std::make_shared<FakeTransport>(clock, std::move(script));
    quiver::GeminiRuntime rt;
    rt.transport = transport;
    rt.clock = clock;
    rt.jitter = [jitter] { return jitter; };
    if (config.api_key.empty()) config.api_key = kKey;
    if (config.base_url.empty()) config.base_url = "http://mock.invalid";
    embedder = std::make_unique<quiver::GeminiEmbedder>(std::move(config), std::move(rt));
  }
};

quiver::GeminiConfig config(uint32_t dim = 128) {
  quiver::GeminiConfig c;
  c.output_dim = dim;
  c.requests_per_minute = 0;
  c.max_concurrent_requests = 1;
  c.initial_backoff_ms = 1000;
  c.max_backoff_ms = 30000;
  return c;
}

std::vector<std::string> numbered(size_t n) {
  std::vector<std::string> t;
  for (size_t i = 0; i < n; ++i) t.push_back("text number " + std::to_string(i));
  return t;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

// Runs embed and returns the error (status, message); Status::Ok on success.
std::pair<quiver::Status, std::string> embed_status(quiver::Embedder& e,
                                                    const std::vector<std::string>& texts,
                                                    EmbedTask task = EmbedTask::Document) {
  try {
    auto v = views(texts);
    std::vector<float> out = e.embed(v, task);
    return {quiver::Status::Ok, ""};
  } catch (const quiver::Error& err) {
    return {err.status(), err.what()};
  }
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---- rate limiting --------------------------------------------------------

static void test_burst_of_300_texts_stays_within_rpm(void**) {
  auto c = config();
  c.requests_per_minute = 60;
  c.batch_size = 1;  // 300 requests
  Fixture f(c, [](size_t, const HttpRequest& r) { return ok_for(r); });
  const auto texts = numbered(300);
  auto [st, msg] = embed_status(*f.embedder, texts);
  assert_int_equal(static_cast<int>(st), 0);
  const auto times = f.transport->times();
  assert_int_equal(times.size(), 300);
  // At most 60 requests in any 60 s window: request i+60 is >= 60 s after i.
  for (size_t i = 0; i + 60 < times.size(); ++i)
    assert_true(times[i + 60] - times[i] >= std::chrono::seconds(60));
  // ... and paced evenly (1 s apart), not faster: 300 requests take 299 s.
  for (size_t i = 1; i < times.size(); ++i)
    assert_true(times[i] - times[i - 1] >= std::chrono::seconds(1));
  assert_true(std::fabs(secs(times.back() - times.front()) - 299.0) < 1e-6);
}

static void test_burst_with_full_batches_paced_by_rpm(void**) {
  auto c = config();
  c.requests_per_minute = 2;  // a request every 30 s
  Fixture f(c, [](size_t, const HttpRequest& r) { return ok_for(r); });
  auto [st, msg] = embed_status(*f.embedder, numbered(300));
  assert_int_equal(static_cast<int>(st), 0);
  const auto times = f.transport->times();
  assert_int_equal(times.size(), 3);  // 100 + 100 + 100
  assert_true(times[1] - times[0] == std::chrono::seconds(30));
  assert_true(times[2] - times[1] == std::chrono::seconds(30));
  for (const std::string& b : f.transport->bodies())
    assert_int_equal(json::parse(b)["requests"].size(), 100);
}

static void test_limiter_shared_by_threads_spaces_every_grant(void**) {
  auto clock = std::make_shared<FakeClock>();
  quiver::RateLimiter limiter(120, clock);  // one grant per 500 ms
  std::mutex m;
  std::vector<Nanos> grants;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        Nanos g = limiter.acquire();
        std::lock_guard lock(m);
        grants.push_back(g);
      }
    });
  for (auto& t : threads) t.join();
  std::sort(grants.begin(), grants.end());
  assert_int_equal(grants.size(), 320);
  for (size_t i = 1; i < grants.size(); ++i)
    assert_true(grants[i] - grants[i - 1] >= std::chrono::milliseconds(500));
  for (size_t i = 0; i + 120 < grants.size(); ++i)
    assert_true(grants[i + 120] - grants[i] >= std::chrono::seconds(60));
}

static void test_limiter_hold_until_delays_the_next_grant(void**) {
  auto clock = std::make_shared<FakeClock>();
  quiver::RateLimiter limiter(0, clock);  // unlimited, but a hold still holds
  const Nanos start = clock->now();
  assert_true(limiter.acquire() == start);
  limiter.hold_until(start + std::chrono::seconds(53));
  assert_true(limiter.acquire() == start + std::chrono::seconds(53));
  assert_true(clock->now() == start + std::chrono::seconds(53));
  assert_true(limiter.acquire() == start + std::chrono::seconds(53));  // no pacing at rpm 0
}

// ---- retries ----------------------------------------------------------------

static void test_429_honours_retry_delay_53s(void**) {
  Fixture f(config(), [](size_t i, const HttpRequest& r) {
    return i == 0 ? error_answer(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "53s") : ok_for(r);
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(3));
  assert_int_equal(static_cast<int>(st), 0);
  const auto times = f.transport->times();
  assert_int_equal(times.size(), 2);
  assert_true(times[1] - times[0] == std::chrono::seconds(53));
}

static void test_retry_delay_fraction_and_jitter_bounds(void**) {
  // "1.5s" with the largest jitter: at most 10% more.
  Fixture f(
      config(),
      [](size_t i, const HttpRequest& r) {
        return i == 0 ? error_answer(429, "RESOURCE_EXHAUSTED", "slow down", "1.5s") : ok_for(r);
      },
      0.999);
  auto [st, msg] = embed_status(*f.embedder, numbered(1));
  assert_int_equal(static_cast<int>(st), 0);
  const auto t = f.transport->times();
  assert_int_equal(t.size(), 2);
  const double gap = secs(t[1] - t[0]);
  assert_true(gap >= 1.5 && gap <= 1.65 + 1e-9);
}

static void test_retry_after_header_is_honoured(void**) {
  Fixture f(config(), [](size_t i, const HttpRequest& r) {
    if (i > 0) return ok_for(r);
    HttpResponse busy;
    busy.status = 503;
    busy.body = "Service Unavailable";
    busy.retry_after_s = 7.0;
    return busy;
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(2));
  assert_int_equal(static_cast<int>(st), 0);
  const auto t = f.transport->times();
  assert_true(t[1] - t[0] == std::chrono::seconds(7));
}

static void test_backoff_is_exponential_capped_and_jittered(void**) {
  auto c = config();
  c.initial_backoff_ms = 1000;
  c.max_backoff_ms = 4000;
  c.max_retries = 6;
  auto script = [](size_t i, const HttpRequest& r) {
    return i < 5 ? error_answer(500, "INTERNAL", "backend error") : ok_for(r);
  };
  // Jitter 0: half of the exponential delay; jitter ~1: all of it.
  const double expected_low[] = {0.5, 1.0, 2.0, 2.0, 2.0};
  const double expected_high[] = {1.0, 2.0, 4.0, 4.0, 4.0};
  for (int variant = 0; variant < 2; ++variant) {
    Fixture f(c, script, variant == 0 ? 0.0 : 1.0);
    auto [st, msg] = embed_status(*f.embedder, numbered(4));
    assert_int_equal(static_cast<int>(st), 0);
    const auto t = f.transport->times();
    assert_int_equal(t.size(), 6);
    for (size_t i = 1; i < t.size(); ++i) {
      const double want = variant == 0 ? expected_low[i - 1] : expected_high[i - 1];
      assert_true(std::fabs(secs(t[i] - t[i - 1]) - want) < 1e-6);
    }
  }
}

static void test_retries_exhausted_fail_with_attempt_count(void**) {
  auto c = config();
  c.max_retries = 2;
  Fixture f(c, [](size_t, const HttpRequest&) {
    return error_answer(503, "UNAVAILABLE", "The model is overloaded");
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(2));
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
  assert_true(contains(msg, "The model is overloaded"));
  assert_true(contains(msg, "3 attempts"));
  assert_int_equal(f.transport->times().size(), 3);
}

static void test_transport_errors_retry_only_when_transient(void**) {
  Fixture ok(config(), [](size_t i, const HttpRequest& r) {
    return i < 2 ? transport_error(true) : ok_for(r);
  });
  assert_int_equal(static_cast<int>(embed_status(*ok.embedder, numbered(1)).first), 0);
  assert_int_equal(ok.transport->times().size(), 3);

  Fixture bad(config(), [](size_t, const HttpRequest&) { return transport_error(false); });
  auto [st, msg] = embed_status(*bad.embedder, numbered(1));
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
  assert_true(contains(msg, "bad/illegal"));
  assert_int_equal(bad.transport->times().size(), 1);
}

static void test_client_errors_fail_at_once_with_server_message(void**) {
  const long statuses[] = {400, 401, 403, 404, 413};
  for (long s : statuses) {
    Fixture f(config(), [s](size_t, const HttpRequest&) {
      return error_answer(s, "INVALID_ARGUMENT", "the server says no (" + std::to_string(s) + ")");
    });
    auto [st, msg] = embed_status(*f.embedder, numbered(2));
    assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
    assert_true(contains(msg, "the server says no (" + std::to_string(s) + ")"));
    assert_true(contains(msg, "HTTP " + std::to_string(s)));
    assert_int_equal(f.transport->times().size(), 1);
  }
}

static void test_server_delay_beyond_max_fails_at_once(void**) {
  auto c = config();
  c.max_retry_delay_ms = 60000;
  Fixture f(c, [](size_t, const HttpRequest&) {
    return error_answer(429, "RESOURCE_EXHAUSTED", "Daily quota exceeded", "86400s");
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(1));
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
  assert_true(contains(msg, "Daily quota exceeded"));
  assert_true(contains(msg, "max_retry_delay_ms"));
  assert_int_equal(f.transport->times().size(), 1);
}

static void test_api_key_never_appears_in_errors(void**) {
  Fixture f(config(), [](size_t, const HttpRequest&) {
    return error_answer(400, "INVALID_ARGUMENT", std::string("API key not valid: ") + kKey);
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(1));
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
  assert_false(contains(msg, kKey));
  assert_true(contains(msg, "[redacted]"));
  // The key went in the header, and only there.
  const auto headers = f.transport->headers();
  assert_true(std::find(headers[0].begin(), headers[0].end(),
                        std::string("x-goog-api-key: ") + kKey) != headers[0].end());
  assert_false(contains(f.transport->bodies()[0], kKey));
}

static void test_failed_batch_reports_its_own_error_not_abandonment(void**) {
  auto c = config();
  c.batch_size = 10;
  c.max_concurrent_requests = 4;
  Fixture f(c, [](size_t, const HttpRequest& r) {
    const json body = json::parse(r.body);
    const std::string first = body["requests"][0]["content"]["parts"][0]["text"];
    if (first == "text number 20")
      return error_answer(400, "INVALID_ARGUMENT", "batch three is bad");
    return ok_for(r);
  });
  for (int round = 0; round < 20; ++round) {
    auto [st, msg] = embed_status(*f.embedder, numbered(60));
    assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
    assert_true(contains(msg, "batch three is bad"));
  }
}

static void test_vectors_are_normalised_and_in_order(void**) {
  auto c = config(256);
  c.batch_size = 7;
  c.max_concurrent_requests = 3;
  Fixture f(c, [](size_t, const HttpRequest& r) { return ok_for(r); });
  const auto texts = numbered(20);
  auto v = views(texts);
  std::vector<float> out = f.embedder->embed(v, EmbedTask::Document);
  for (size_t i = 0; i < 20; ++i) {
    const float* row = &out[i * 256];
    double n2 = 0;
    for (size_t j = 0; j < 256; ++j) n2 += double{row[j]} * row[j];
    assert_true(std::fabs(n2 - 1.0) < 1e-5);
    // Row i was (k+1, 1, 1, ...) with k its position in its batch of 7.
    assert_true(std::fabs(row[0] / row[1] - static_cast<float>(i % 7 + 1)) < 1e-4);
  }
}

static void test_zero_vector_response_is_an_error(void**) {
  Fixture f(config(), [](size_t, const HttpRequest& r) {
    HttpResponse a = ok_for(r);
    json b = json::parse(a.body);
    for (auto& x : b["embeddings"][0]["values"]) x = 0.0;
    a.body = b.dump();
    return a;
  });
  auto [st, msg] = embed_status(*f.embedder, numbered(1));
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::Embedding));
  assert_true(contains(msg, "zero vector"));
}

static void test_configuration_is_checked(void**) {
  auto make = [](quiver::GeminiConfig c) -> quiver::Status {
    quiver::GeminiRuntime rt;
    rt.transport = std::make_shared<FakeTransport>(
        std::make_shared<FakeClock>(), [](size_t, const HttpRequest& r) { return ok_for(r); });
    try {
      quiver::GeminiEmbedder e(std::move(c), rt);
      return quiver::Status::Ok;
    } catch (const quiver::Error& err) {
      return err.status();
    }
  };
  auto good = config();
  good.api_key = kKey;
  assert_int_equal(static_cast<int>(make(good)), 0);
  auto c = good;
  c.output_dim = 100;  // below 128 for gemini-embedding-001
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
  c = good;
  c.model = "models/text-embedding-004";
  c.output_dim = 100;  // other models: any dimension
  assert_int_equal(static_cast<int>(make(c)), 0);
  c = good;
  c.batch_size = 101;
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
  c = good;
  c.base_url = "ftp://example.com";
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
  c = good;
  c.api_key = "abc\r\nX-Injected: 1";
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
  c = good;
  c.model = "gemini/../../x";
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
  c = good;
  c.max_concurrent_requests = 0;
  assert_int_equal(static_cast<int>(make(c)), static_cast<int>(quiver::Status::InvalidArgument));
}

static void test_key_and_base_url_from_environment(void**) {
  const char* saved_key = std::getenv("GEMINI_API_KEY");
  const std::string key_copy = saved_key ? saved_key : "";
  const char* saved_url = std::getenv("QUIVER_GEMINI_BASE_URL");
  const std::string url_copy = saved_url ? saved_url : "";

  setenv("GEMINI_API_KEY", "env-key-42", 1);
  setenv("QUIVER_GEMINI_BASE_URL", "http://127.0.0.1:9/", 1);
  quiver::GeminiRuntime rt;
  rt.transport = std::make_shared<FakeTransport>(
      std::make_shared<FakeClock>(), [](size_t, const HttpRequest& r) { return ok_for(r); });
  quiver::GeminiEmbedder e(config(), rt);
  assert_string_equal(e.config().api_key.c_str(), "env-key-42");
  assert_string_equal(e.config().base_url.c_str(), "http://127.0.0.1:9");  // slash trimmed

  unsetenv("GEMINI_API_KEY");
  bool threw = false;
  try {
    quiver::GeminiEmbedder none(config(), rt);
  } catch (const quiver::Error& err) {
    threw =
        err.status() == quiver::Status::InvalidArgument && contains(err.what(), "GEMINI_API_KEY");
  }
  assert_true(threw);

  if (saved_key) setenv("GEMINI_API_KEY", key_copy.c_str(), 1);
  if (saved_url)
    setenv("QUIVER_GEMINI_BASE_URL", url_copy.c_str(), 1);
  else
    unsetenv("QUIVER_GEMINI_BASE_URL");
}

static void test_empty_text_is_rejected_before_sending(void**) {
  Fixture f(config(), [](size_t, const HttpRequest& r) { return ok_for(r); });
  auto [st, msg] = embed_status(*f.embedder, {"fine", ""});
  assert_int_equal(static_cast<int>(st), static_cast<int>(quiver::Status::InvalidArgument));
  assert_true(contains(msg, "text 1"));
  assert_int_equal(f.transport->times().size(), 0);
}

// ---- wire format --------------------------------------------------------

static void test_request_body_shape(void**) {
  const std::vector<std::string> texts = {"hello \"world\"\n", "caf\xc3\xa9", "bad \xff byte"};
  auto v = views(texts);
  const json doc = json::parse(
      quiver::gemini::batch_request_body("gemini-embedding-001", v, EmbedTask::Query, 768));
  assert_int_equal(doc.size(), 1);
  const json& reqs = doc["requests"];
  assert_int_equal(reqs.size(), 3);
  for (size_t i = 0; i < 3; ++i) {
    assert_string_equal(reqs[i]["model"].get<std::string>().c_str(), "models/gemini-embedding-001");
    assert_string_equal(reqs[i]["taskType"].get<std::string>().c_str(), "RETRIEVAL_QUERY");
    assert_int_equal(reqs[i]["outputDimensionality"].get<int>(), 768);
    assert_int_equal(reqs[i]["content"]["parts"].size(), 1);
  }
  assert_string_equal(reqs[0]["content"]["parts"][0]["text"].get<std::string>().c_str(),
                      "hello \"world\"\n");
  assert_string_equal(reqs[1]["content"]["parts"][0]["text"].get<std::string>().c_str(),
                      "caf\xc3\xa9");
  // Invalid UTF-8 becomes U+FFFD: the body is always valid JSON.
  assert_string_equal(reqs[2]["content"]["parts"][0]["text"].get<std::string>().c_str(),
                      "bad \xef\xbf\xbd byte");
  const json doc2 = json::parse(quiver::gemini::batch_request_body("m", v, EmbedTask::Document, 3));
  assert_string_equal(doc2["requests"][0]["taskType"].get<std::string>().c_str(),
                      "RETRIEVAL_DOCUMENT");
  assert_string_equal(quiver::gemini::batch_url("https://x.test", "gemini-embedding-001").c_str(),
                      "https://x.test/v1beta/models/gemini-embedding-001:batchEmbedContents");
}

static quiver::Status parse_status(const std::string& body, size_t count, uint32_t dim) {
  std::vector<float> out(count * dim + 1);
  try {
    quiver::gemini::parse_embeddings(body, count, dim, out.data());
    return quiver::Status::Ok;
  } catch (const quiver::Error& e) {
    return e.status();
  }
}

static void test_response_parser_accepts_exactly_the_expected_shape(void**) {
  const auto E = quiver::Status::Embedding;
  const std::string good = R"({"embeddings":[{"values":[0.5,-1,2e-3]},{"values":[1,0,0]}]})";
  std::vector<float> out(6);
  quiver::gemini::parse_embeddings(good, 2, 3, out.data());
  assert_true(out[0] == 0.5f && out[1] == -1.0f && out[2] == 0.002f && out[3] == 1.0f);

  assert_int_equal((int)parse_status(good, 3, 3), (int)E);  // wrong count
  assert_int_equal((int)parse_status(good, 1, 3), (int)E);
  assert_int_equal((int)parse_status(good, 2, 4), (int)E);  // wrong dim
  const char* bad[] = {
      "",
      "{",
      "null",
      "[]",
      "42",
      "\"x\"",
      "{}",
      R"({"embeddings":{}})",
      R"({"embeddings":[1,2]})",
      R"({"embeddings":[{"values":[0.5,"1",2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"values":[0.5,null,2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"values":[0.5,true,2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"values":[0.5,[1],2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"values":[0.5,1e39,2]},{"values":[1,0,0]}]})",  // overflows float
      R"({"embeddings":[{"values":[0.5,1e999,2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"value":[0.5,1,2]},{"values":[1,0,0]}]})",
      R"({"embeddings":[{"values":[0.5,1,2]},{"values":[1,0,0]}]} trailing)",
      R"({"embeddings":[{"values":[0.5,1,2]},{"values":[1,0,NaN]}]})",
  };
  for (const char* b : bad) assert_int_equal((int)parse_status(b, 2, 3), (int)E);
  // Extra fields are fine.
  assert_int_equal(
      (int)parse_status(
          R"({"embeddings":[{"values":[1,2,3],"x":1},{"values":[1,0,0]}],"usage":{}})", 2, 3),
      0);
}

static void test_response_parser_survives_garbage(void**) {
  std::mt19937_64 rng(7);
  const std::string seed = R"({"embeddings":[{"values":[0.5,-1,2e-3]},{"values":[1,0,0]}]})";
  size_t ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string body = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % (body.size() + 1);
      switch (rng() % 3) {
        case 0:
          body.insert(pos, 1, static_cast<char>(rng() % 256));
          break;
        case 1:
          if (pos < body.size()) body.erase(pos, 1);
          break;
        default:
          if (pos < body.size()) body[pos] = static_cast<char>(rng() % 256);
          break;
      }
    }
    const auto st = parse_status(body, 2, 3);
    assert_true(st == quiver::Status::Ok || st == quiver::Status::Embedding);
    ok += st == quiver::Status::Ok;
    quiver::gemini::parse_api_error(body);  // must not throw or crash
  }
  // Deep nesting is handled without recursion.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  assert_int_equal((int)parse_status(deep, 2, 3), (int)quiver::Status::Embedding);
  quiver::gemini::parse_api_error(deep);
  (void)ok;
}

static void test_api_error_and_retry_delay_parsing(void**) {
  const std::string body = R"({"error":{"code":429,"message":"Resource has been exhausted",
    "status":"RESOURCE_EXHAUSTED","details":[
      {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
      {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"53s"}]}})";
  auto e = quiver::gemini::parse_api_error(body);
  assert_string_equal(e.message.c_str(), "Resource has been exhausted");
  assert_string_equal(e.status.c_str(), "RESOURCE_EXHAUSTED");
  assert_true(e.retry_delay_s && *e.retry_delay_s == 53.0);

  e = quiver::gemini::parse_api_error(R"([{"error":{"code":400,"message":"m"}}])");
  assert_string_equal(e.message.c_str(), "m");
  e = quiver::gemini::parse_api_error("<html>Bad Gateway</html>");
  assert_true(e.message.empty() && e.status.empty() && !e.retry_delay_s);
  e = quiver::gemini::parse_api_error(R"({"error":"flat string"})");
  assert_true(e.message.empty());

  using quiver::gemini::parse_duration;
  assert_true(parse_duration("53s") == 53.0);
  assert_true(std::fabs(*parse_duration("1.5s") - 1.5) < 1e-12);
  assert_true(std::fabs(*parse_duration("0.000000001s") - 1e-9) < 1e-18);
  assert_true(parse_duration("0s") == 0.0);
  const char* bad[] = {"",
                       "s",
                       "53",
                       "-1s",
                       "1.s",
                       ".5s",
                       "1.5ss",
                       "1e3s",
                       "abc",
                       "1.0000000001s",
                       " 5s",
                       "5 s",
                       "9999999999999s"};
  for (const char* b : bad) assert_false(parse_duration(b).has_value());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_of_300_texts_stays_within_rpm),
      cmocka_unit_test(test_burst_with_full_batches_paced_by_rpm),
      cmocka_unit_test(test_limiter_shared_by_threads_spaces_every_grant),
      cmocka_unit_test(test_limiter_hold_until_delays_the_next_grant),
      cmocka_unit_test(test_429_honours_retry_delay_53s),
      cmocka_unit_test(test_retry_delay_fraction_and_jitter_bounds),
      cmocka_unit_test(test_retry_after_header_is_honoured),
      cmocka_unit_test(test_backoff_is_exponential_capped_and_jittered),
      cmocka_unit_test(test_retries_exhausted_fail_with_attempt_count),
      cmocka_unit_test(test_transport_errors_retry_only_when_transient),
      cmocka_unit_test(test_client_errors_fail_at_once_with_server_message),
      cmocka_unit_test(test_server_delay_beyond_max_fails_at_once),
      cmocka_unit_test(test_api_key_never_appears_in_errors),
      cmocka_unit_test(test_failed_batch_reports_its_own_error_not_abandonment),
      cmocka_unit_test(test_vectors_are_normalised_and_in_order),
      cmocka_unit_test(test_zero_vector_response_is_an_error),
      cmocka_unit_test(test_configuration_is_checked),
      cmocka_unit_test(test_key_and_base_url_from_environment),
      cmocka_unit_test(test_empty_text_is_rejected_before_sending),
      cmocka_unit_test(test_request_body_shape),
      cmocka_unit_test(test_response_parser_accepts_exactly_the_expected_shape),
      cmocka_unit_test(test_response_parser_survives_garbage),
      cmocka_unit_test(test_api_error_and_retry_delay_parsing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
