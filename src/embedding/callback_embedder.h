// An Embedder over a function supplied by the program (in the C API, a
// qv_embed_fn adapted by src/capi). Adds what a user's function cannot be
// trusted with: serialised calls, and a finiteness check of every value.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "embedding/embedder.h"

namespace quiver {

class CallbackEmbedder final : public Embedder {
 public:
  // Embeds texts into out (texts.size() x dim floats). Returns true on
  // success; on failure returns false and may set `error` to a reason.
  // May throw quiver::Error too.
  using BatchFn = std::function<bool(std::span<const std::string_view> texts, EmbedTask task,
                                     float* out, std::string& error)>;

  // dim must be 1 .. 65536 (InvalidArgument otherwise); fn must be callable.
  CallbackEmbedder(uint32_t dim, BatchFn fn);

  uint32_t dim() const noexcept override { return dim_; }
  std::string description() const override;

  // Calls fn once per call, never from two threads at once (user functions
  // are rarely reentrant: an interpreter lock, a model on one GPU stream).
  // A false return becomes Error(Embedding, "embedding callback failed: ..."),
  // a NaN or infinity in the output Error(Embedding, ...).
  void embed_into(std::span<const std::string_view> texts, EmbedTask task, float* out) override;

 private:
  uint32_t dim_;
  BatchFn fn_;
  std::mutex mutex_;
};

}  // namespace quiver
