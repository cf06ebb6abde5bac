// The mock Gemini server: a minimal HTTP/1.1 server over POSIX sockets, a
// thread per connection, nlohmann::json to check request bodies.
#include "mock_gemini.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;

namespace {

struct Step {
  qvt_mock_reply reply;
  int status;
  std::string body;
  int delay_ms;
  int retry_after_s;
};

struct Recorded {
  std::vector<std::string> texts;
  bool query = false;
  uint32_t dim = 0;
};

struct Request {
  std::string method, path, body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  const std::string* header(const std::string& name) const {
    for (const auto& h : headers)
      if (h.first == name) return &h.second;
    return nullptr;
  }
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

struct qvt_mock_gemini {
  std::string key, model, url;
  int listen_fd = -1;
  std::atomic<bool> stopping{false};
  std::thread acceptor;

  std::mutex mutex;  // guards everything below
  std::condition_variable wake;
  std::vector<std::thread> connections;
  std::vector<int> client_fds;
  std::deque<Step> script;
  std::vector<Recorded> requests;
  std::string violation;
  std::string violation_copy;

  void violate(const std::string& what) {
    std::lock_guard lock(mutex);
    if (violation.empty()) violation = what;
  }

  // Reads from fd into buf until it holds `want` bytes or the headers end.
  // Returns false on EOF, error or stop.
  bool fill(int fd, std::string& buf, size_t want, bool until_headers) {
    char chunk[65536];
    for (;;) {
      if (until_headers ? buf.find("\r\n\r\n") != std::string::npos : buf.size() >= want)
        return true;
      if (stopping) return false;
      pollfd p{fd, POLLIN, 0};
      int r = poll(&p, 1, 50);
      if (r < 0 && errno != EINTR) return false;
      if (r <= 0) continue;
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
    }
  }

  static bool send_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  static std::string response(int status, const std::string& body, int retry_after_s) {
    const char* reason = status == 200 ? "OK" : status == 429 ? "Too Many Requests" : "Error";
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    r += "Content-Type: application/json; charset=UTF-8\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (retry_after_s > 0) r += "Retry-After: " + std::to_string(retry_after_s) + "\r\n";
    r += "Connection: keep-alive\r\n\r\n";
    return r + body;
  }

  // Checks the request and records it; returns the parsed body (null if bad).
  json check(const Request& req) {
    const std::string want_path = "/v1beta/models/" + model + ":batchEmbedContents";
    if (req.method != "POST") violate("method is " + req.method + ", expected POST");
    if (req.path != want_path) violate("path is " + req.path + ", expected " + want_path);
    const std::string* k = req.header("x-goog-api-key");
    if (!k || *k != key) violate("x-goog-api-key header missing or wrong");
    const std::string* ct = req.header("content-type");
    if (!ct || ct->rfind("application/json", 0) != 0)
      violate("content-type is not application/json");
    if (req.path.find("key=") != std::string::npos) violate("the API key is in the URL");

    Recorded rec;
    json doc = json::parse(req.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("requests") ||
        !doc["requests"].is_array() || doc["requests"].empty()) {
      violate("body is not {\"requests\":[...]} with at least one request");
      doc = json();
    } else {
      const json& items = doc["requests"];
      if (items.size() > 100) violate("more than 100 requests in one batch");
      for (size_t i = 0; i < items.size(); ++i) {
        const json& it = items[i];
        const std::string at = "requests[" + std::to_string(i) + "]";
        if (!it.is_object()) {
          violate(at + " is not an object");
          continue;
        }
        if (it.value("model", "") != "models/" + model) violate(at + ".model is wrong");
        const std::string task = it.value("taskType", "");
        if (task != "RETRIEVAL_DOCUMENT" && task != "RETRIEVAL_QUERY")
          violate(at + ".taskType is \"" + task + "\"");
        if (i == 0)
          rec.query = task == "RETRIEVAL_QUERY";
        else if (rec.query != (task == "RETRIEVAL_QUERY"))
          violate("mixed task types in a batch");
        if (!it.contains("outputDimensionality") ||
            !it["outputDimensionality"].is_number_unsigned())
          violate(at + ".outputDimensionality is missing or not an unsigned integer");
        else if (i == 0)
          rec.dim = it["outputDimensionality"].get<uint32_t>();
        const json* parts = nullptr;
        if (it.contains("content") && it["content"].is_object() && it["content"].contains("parts"))
          parts = &it["content"]["parts"];
        if (!parts || !parts->is_array() || parts->size() != 1 || !(*parts)[0].is_object() ||
            !(*parts)[0].contains("text") || !(*parts)[0]["text"].is_string()) {
          violate(at + ".content is not {\"parts\":[{\"text\":...}]}");
          rec.texts.emplace_back();
        } else {
          rec.texts.push_back((*parts)[0]["text"].get<std::string>());
        }
      }
    }
    std::lock_guard lock(mutex);
    requests.push_back(std::move(rec));
    return doc;
  }

  std::string ok_body(const json& doc, qvt_mock_reply kind) {
    json embeddings = json::array();
    if (doc.is_object()) {
      const json& items = doc.at("requests");
      for (size_t i = 0; i < items.size(); ++i) {
        uint32_t dim = 3072;
        std::string text;
        if (items[i].is_object()) {
          if (items[i].contains("outputDimensionality") &&
              items[i]["outputDimensionality"].is_number_unsigned())
            dim = items[i]["outputDimensionality"].get<uint32_t>();
          try {
            text = items[i].at("content").at("parts").at(0).at("text").get<std::string>();
          } catch (...) {
          }
        }
        if (dim > 65536) dim = 65536;
        std::vector<float> v(dim);
        qvt_mock_gemini_expected_vector(text.data(), text.size(), dim, v.data());
        json values = json::array();
        for (float x : v) values.push_back(static_cast<double>(x));
        if (kind == QVT_MOCK_WRONG_DIM && i + 1 == items.size()) values.erase(values.end() - 1);
        if (kind == QVT_MOCK_NON_NUMBER && i == 0 && !values.empty()) values[0] = "0.5";
        embeddings.push_back({{"values", std::move(values)}});
      }
      if (kind == QVT_MOCK_WRONG_COUNT && !embeddings.empty())
        embeddings.erase(embeddings.end() - 1);
    }
    return json({{"embeddings", std::move(embeddings)}}).dump();
  }

  void serve(int fd) {
    std::string buf;
    for (;;) {
      if (!fill(fd, buf, 0, true)) break;
      const size_t head_end = buf.find("\r\n\r\n");
      Request req;
      std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
      if (sp1 == std::string::npos || sp2 == sp1) break;
      req.method = first.substr(0, sp1);
      req.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t content_length = 0;
      for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
        size_t next = head.find("\r\n", pos + 2);
        std::string line =
            head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
        pos = next;
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = lower(trim(line.substr(0, colon)));
        std::string value = trim(line.substr(colon + 1));
        if (name == "content-length") content_length = std::strtoul(value.c_str(), nullptr, 10);
        if (name == "expect" && lower(value) == "100-continue")
          send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
        req.headers.emplace_back(std::move(name), std::move(value));
      }
      if (!fill(fd, buf, content_length, false)) break;
      req.body = buf.substr(0, content_length);
      buf.erase(0, content_length);

      json doc = check(req);
      Step step{QVT_MOCK_OK, 200, "", 0, 0};
      {
        std::lock_guard lock(mutex);
        if (!script.empty()) {
          step = script.front();
          script.pop_front();
        }
      }
      std::string out;
      switch (step.reply) {
        case QVT_MOCK_HANG_UP:
          shutdown(fd, SHUT_RDWR);
          return;
        case QVT_MOCK_SLOW: {
          std::unique_lock lock(mutex);
          wake.wait_for(lock, std::chrono::milliseconds(step.delay_ms),
                        [&] { return stopping.load(); });
          if (stopping) return;
          out = response(200, ok_body(doc, QVT_MOCK_OK), 0);
          break;
        }
        case QVT_MOCK_HTTP_ERROR:
          out = response(step.status, step.body.empty() ? "{}" : step.body, step.retry_after_s);
          break;
        case QVT_MOCK_MALFORMED:
          out = response(200, "{\"embeddings\": [{\"values\": [0.1, 0.2,", 0);
          break;
        case QVT_MOCK_OK:
        case QVT_MOCK_WRONG_COUNT:
        case QVT_MOCK_WRONG_DIM:
        case QVT_MOCK_NON_NUMBER:
          out = response(200, ok_body(doc, step.reply), 0);
          break;
      }
      if (!send_all(fd, out)) break;
    }
  }

  void accept_loop() {
    while (!stopping) {
      pollfd p{listen_fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex);
      client_fds.push_back(fd);
      connections.emplace_back([this, fd] { serve(fd); });
    }
  }
};

extern "C" {

qvt_mock_gemini* qvt_mock_gemini_start(const char* expected_key, const char* expected_model) {
  auto* m = new qvt_mock_gemini;
  m->key = expected_key ? expected_key : "";
  m->model = expected_model ? expected_model : "gemini-embedding-001";
  m->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (m->listen_fd < 0 ||
      bind(m->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(m->listen_fd, 64) != 0 ||
      getsockname(m->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("mock gemini server");
    if (m->listen_fd >= 0) close(m->listen_fd);
    delete m;
    return nullptr;
  }
  m->url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  m->acceptor = std::thread([m] { m->accept_loop(); });
  return m;
}

const char* qvt_mock_gemini_url(const qvt_mock_gemini* m) { return m->url.c_str(); }

void qvt_mock_gemini_push(qvt_mock_gemini* m, qvt_mock_reply reply, int status, const char* body,
                          int delay_ms, int retry_after_s) {
  std::lock_guard lock(m->mutex);
  m->script.push_back({reply, status, body ? body : "", delay_ms, retry_after_s});
}

size_t qvt_mock_gemini_requests(qvt_mock_gemini* m) {
  std::lock_guard lock(m->mutex);
  return m->requests.size();
}

size_t qvt_mock_gemini_request_texts(qvt_mock_gemini* m, size_t i) {
  std::lock_guard lock(m->mutex);
  return i < m->requests.size() ? m->requests[i].texts.size() : 0;
}

char* qvt_mock_gemini_request_text(qvt_mock_gemini* m, size_t i, size_t j) {
  std::lock_guard lock(m->mutex);
  if (i >= m->requests.size() || j >= m->requests[i].texts.size()) return nullptr;
  const std::string& t = m->requests[i].texts[j];
  char* out = static_cast<char*>(std::malloc(t.size() + 1));
  if (out) std::memcpy(out, t.c_str(), t.size() + 1);
  return out;
}

int qvt_mock_gemini_request_is_query(qvt_mock_gemini* m, size_t i) {
  std::lock_guard lock(m->mutex);
  return i < m->requests.size() && m->requests[i].query;
}

uint32_t qvt_mock_gemini_request_dim(qvt_mock_gemini* m, size_t i) {
  std::lock_guard lock(m->mutex);
  return i < m->requests.size() ? m->requests[i].dim : 0;
}

const char* qvt_mock_gemini_violation(qvt_mock_gemini* m) {
  std::lock_guard lock(m->mutex);
  m->violation_copy = m->violation;
  return m->violation_copy.c_str();
}

void qvt_mock_gemini_reset(qvt_mock_gemini* m) {
  std::lock_guard lock(m->mutex);
  m->requests.clear();
  m->violation.clear();
  m->script.clear();
}

void qvt_mock_gemini_stop(qvt_mock_gemini* m) {
  if (!m) return;
  m->stopping = true;
  m->wake.notify_all();
  m->acceptor.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m->mutex);
    for (int fd : m->client_fds) shutdown(fd, SHUT_RDWR);
    threads.swap(m->connections);
  }
  m->wake.notify_all();
  for (auto& t : threads) t.join();
  for (int fd : m->client_fds) close(fd);
  close(m->listen_fd);
  delete m;
}

void qvt_mock_gemini_expected_vector(const char* text, size_t length, uint32_t dim, float* out) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < length; ++i) {
    h ^= static_cast<unsigned char>(text[i]);
    h *= 1099511628211ull;
  }
  uint64_t x = h;
  for (uint32_t j = 0; j < dim; ++j) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    out[j] = static_cast<float>(static_cast<double>((x >> 33) % 2001) / 1000.0 - 1.0);
  }
}

}  // extern "C"
