// HttpTransport over libcurl's easy interface, one pooled handle per request
// in flight.
#include <curl/curl.h>

#include <mutex>
#include <vector>

#include "core/error.h"
#include "embedding/http_transport.h"

namespace quiver {
namespace {

struct Sink {
  std::string* body;
  size_t limit;
  bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

// Errors where another attempt may succeed (network weather) as opposed to
// configuration mistakes (bad URL, certificate).
bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() {
    static std::once_flag once;
    static CURLcode init = CURLE_OK;
    std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (init != CURLE_OK)
      fail(Status::Embedding,
           std::string("libcurl failed to initialise: ") + curl_easy_strerror(init));
  }

  ~CurlTransport() override {
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }

  HttpResponse post(const HttpRequest& req) override {
    CURL* h = take();
    if (!h) throw std::bad_alloc();
    // Everything below may throw bad_alloc: the handle and header list go
    // back on every path.
    struct Cleanup {
      CurlTransport* self;
      CURL* h;
      curl_slist* headers = nullptr;
      ~Cleanup() {
        curl_slist_free_all(headers);
        self->give_back(h);
      }
    } cleanup{this, h};
    HttpResponse resp;
    char errbuf[CURL_ERROR_SIZE] = {0};
    Sink sink{&resp.body, req.max_response_bytes};
    bool headers_ok = true;
    for (const std::string& line : req.headers) {
      curl_slist* next = curl_slist_append(cleanup.headers, line.c_str());
      if (!next) {
        headers_ok = false;
        break;
      }
      cleanup.headers = next;
    }
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    if (headers_ok) {
      curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
      curl_easy_setopt(h, CURLOPT_HTTPHEADER, cleanup.headers);
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout_ms));
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
      curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
      curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip: JSON floats compress 3x
#if LIBCURL_VERSION_NUM >= 0x075500
      curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
      curl_easy_setopt(h, CURLOPT_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS});
#endif
      curl_easy_setopt(h, CURLOPT_USERAGENT, "quiver-embedder/0.1 (libcurl)");
      rc = curl_easy_perform(h);
    }
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      resp.status = status;
      curl_off_t retry_after = 0;
      if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
        resp.retry_after_s = static_cast<double>(retry_after);
    } else {
      resp.body.clear();
      if (sink.overflow) {
        resp.error =
            "the response is larger than " + std::to_string(req.max_response_bytes) + " bytes";
      } else {
        resp.error = curl_easy_strerror(rc);
        if (errbuf[0]) resp.error += std::string(" (") + errbuf + ")";
      }
      resp.retryable = !sink.overflow && retryable(rc);
    }
    return resp;
  }

 private:
  CURL* take() {
    {
      std::lock_guard lock(mutex_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void give_back(CURL* h) noexcept {
    curl_easy_reset(h);  // keeps the connection cache, forgets our options
    std::lock_guard lock(mutex_);
    try {
      pool_.push_back(h);
    } catch (...) {
      curl_easy_cleanup(h);
    }
  }

  std::mutex mutex_;
  std::vector<CURL*> pool_;
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport() { return std::make_shared<CurlTransport>(); }

}  // namespace quiver
