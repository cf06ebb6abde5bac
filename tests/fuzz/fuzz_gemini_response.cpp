// Fuzzes what Quiver parses of Gemini API answers: parse_embeddings (the 200
// body), parse_api_error (error bodies and their RetryInfo), body_excerpt
// and parse_duration. A parsed embedding must hold exactly count x dim finite
// floats; a failure must be Error(Embedding); the error parser and the
// duration parser never throw.
//
// Input: count (1 byte, 0..7) and dim (1 byte, 1..64), then the body.
// Seeds: valid and error bodies from gen_seeds.
#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "embedding/gemini_response.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace g = quiver::gemini;
  if (size < 2) return 0;
  const size_t count = data[0] % 8;
  const uint32_t dim = 1 + data[1] % 64;
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<float> out(count * dim + 1, -7.0f);  // +1: a guard the parser must not touch
  try {
    g::parse_embeddings(body, count, dim, out.data());
    for (size_t i = 0; i < count * dim; ++i) QVF_CHECK(std::isfinite(out[i]));
  } catch (const quiver::Error& e) {
    QVF_CHECK(e.status() == quiver::Status::Embedding);
    QVF_CHECK(std::strlen(e.what()) > 0);
  }
  QVF_CHECK(out[count * dim] == -7.0f);

  g::ApiError err = g::parse_api_error(body);
  if (err.retry_delay_s) QVF_CHECK(std::isfinite(*err.retry_delay_s) && *err.retry_delay_s >= 0);

  std::string excerpt = g::body_excerpt(body);
  QVF_CHECK(excerpt.size() <= 123);
  for (char c : excerpt) QVF_CHECK(c >= 0x20 && c < 0x7f);

  std::optional<double> d = g::parse_duration(body);
  if (d) QVF_CHECK(std::isfinite(*d) && *d >= 0);
  return 0;
}
