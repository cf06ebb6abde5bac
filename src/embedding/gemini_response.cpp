// Response parsing with nlohmann::json in its non-throwing mode. The parser
// is iterative, so hostile nesting cannot overflow the stack.
#include "embedding/gemini_response.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace quiver::gemini {
using nlohmann::json;

namespace {

[[noreturn]] void malformed(const std::string& what) {
  fail(Status::Embedding, "the Gemini API sent a malformed response: " + what);
}

}  // namespace

std::string body_excerpt(std::string_view body) {
  constexpr size_t kMax = 120;
  std::string out;
  for (size_t i = 0; i < body.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(body[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  if (body.size() > kMax) out += "...";
  return out;
}

void parse_embeddings(std::string_view body, size_t count, uint32_t dim, float* out) {
  const json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    malformed("it is not valid JSON (" + std::to_string(body.size()) + " bytes: \"" +
              body_excerpt(body) + "\")");
  if (!doc.is_object()) malformed("the top level is not a JSON object");
  const auto it = doc.find("embeddings");
  if (it == doc.end() || !it->is_array())
    malformed("there is no \"embeddings\" array (\"" + body_excerpt(body) + "\")");
  if (it->size() != count)
    malformed("it holds " + std::to_string(it->size()) + " embeddings for " +
              std::to_string(count) + " texts");
  constexpr double kMaxFloat = std::numeric_limits<float>::max();
  for (size_t i = 0; i < count; ++i) {
    const json& e = (*it)[i];
    const std::string where = "embeddings[" + std::to_string(i) + "]";
    if (!e.is_object()) malformed(where + " is not an object");
    const auto v = e.find("values");
    if (v == e.end() || !v->is_array()) malformed(where + " has no \"values\" array");
    if (v->size() != dim)
      malformed(where + " has " + std::to_string(v->size()) + " values, expected " +
                std::to_string(dim) + " (the requested outputDimensionality)");
    float* row = out + i * size_t{dim};
    for (uint32_t j = 0; j < dim; ++j) {
      const json& x = (*v)[j];
      if (!x.is_number())
        malformed(where + ".values[" + std::to_string(j) + "] is not a number (" +
                  std::string(x.type_name()) + ")");
      const double d = x.get<double>();
      if (!std::isfinite(d) || std::fabs(d) > kMaxFloat)
        malformed(where + ".values[" + std::to_string(j) + "] is not a finite float");
      row[j] = static_cast<float>(d);
    }
  }
}

ApiError parse_api_error(std::string_view body) {
  ApiError out;
  const json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return out;
  // Some Google front ends answer with a list holding the error object.
  const json* root = &doc;
  if (doc.is_array() && !doc.empty()) root = &doc[0];
  if (!root->is_object()) return out;
  const auto e = root->find("error");
  if (e == root->end() || !e->is_object()) return out;
  if (auto m = e->find("message"); m != e->end() && m->is_string())
    out.message = m->get<std::string>();
  if (auto s = e->find("status"); s != e->end() && s->is_string())
    out.status = s->get<std::string>();
  if (auto d = e->find("details"); d != e->end() && d->is_array()) {
    for (const json& item : *d) {
      if (!item.is_object()) continue;
      const auto type = item.find("@type");
      if (type == item.end() || !type->is_string()) continue;
      const std::string& t = type->get_ref<const std::string&>();
      if (t.size() < 9 || t.compare(t.size() - 9, 9, "RetryInfo") != 0) continue;
      const auto delay = item.find("retryDelay");
      if (delay != item.end() && delay->is_string())
        out.retry_delay_s = parse_duration(delay->get_ref<const std::string&>());
    }
  }
  return out;
}

std::optional<double> parse_duration(std::string_view text) noexcept {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  double whole = 0.0;
  size_t i = 0;
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    whole = whole * 10.0 + (text[i] - '0');
  }
  if (digits == 0 || digits > 12) return std::nullopt;  // up to ~31,000 years is plenty
  double fraction = 0.0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    size_t fdigits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++fdigits) {
      fraction += (text[i] - '0') * scale;
      scale /= 10.0;
    }
    if (fdigits == 0 || fdigits > 9) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  return whole + fraction;
}

}  // namespace quiver::gemini
