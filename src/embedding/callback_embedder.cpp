// CallbackEmbedder: serialises calls to the user's function and checks what
// it wrote.
#include "embedding/callback_embedder.h"

#include <cmath>

#include "core/error.h"

namespace quiver {

CallbackEmbedder::CallbackEmbedder(uint32_t dim, BatchFn fn) : dim_(dim), fn_(std::move(fn)) {
  if (dim_ == 0 || dim_ > kMaxEmbeddingDim)
    fail(Status::InvalidArgument, "embedder dim is " + std::to_string(dim_) +
                                      "; it must be between 1 and " +
                                      std::to_string(kMaxEmbeddingDim));
  if (!fn_) fail(Status::InvalidArgument, "the embedding function is empty");
}

std::string CallbackEmbedder::description() const { return "callback dim=" + std::to_string(dim_); }

void CallbackEmbedder::embed_into(std::span<const std::string_view> texts, EmbedTask task,
                                  float* out) {
  if (texts.empty()) return;
  std::string error;
  bool ok;
  {
    std::lock_guard lock(mutex_);
    ok = fn_(texts, task, out, error);
  }
  if (!ok)
    fail(Status::Embedding,
         "embedding callback failed: " +
             (error.empty() ? std::string("it returned an error without a message") : error));
  const size_t n = texts.size() * size_t{dim_};
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(out[i]))
      fail(Status::Embedding,
           "embedding callback wrote " + std::string(std::isnan(out[i]) ? "NaN" : "an infinity") +
               " into component " + std::to_string(i % dim_) + " of text " +
               std::to_string(i / dim_) + "; every value must be a finite float");
  }
}

}  // namespace quiver
