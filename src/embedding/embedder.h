// The text -> vector interface behind qv_embedder. Implementations: the
// offline HashingEmbedder, CallbackEmbedder (a user's function) and
// GeminiEmbedder (Google's embedding API over HTTPS).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quiver {

// What the text is for. Asymmetric models (Gemini) embed a question and the
// passage that answers it differently; symmetric ones ignore this.
enum class EmbedTask : uint8_t { Document, Query };

// The largest vector an embedder may produce (the same bound as an index).
inline constexpr uint32_t kMaxEmbeddingDim = 65536;

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Length of every vector this embedder produces; fixed for its lifetime.
  virtual uint32_t dim() const noexcept = 0;

  // A short, stable description, e.g. "hashing-v1 dim=512" or
  // "gemini model=gemini-embedding-001 dim=768": what an index records so it
  // can warn when texts are later embedded by a different embedder.
  virtual std::string description() const = 0;

  // Embeds texts (UTF-8; any bytes are tolerated) into out, texts.size() x
  // dim() floats, row-major, every value finite. All or nothing: on failure
  // throws quiver::Error (Status::Embedding for the embedder's own failures,
  // InvalidArgument / OutOfMemory for the caller's) and the content of out is
  // unspecified. An empty span is a no-op.
  // Thread-safety: every implementation in Quiver may be called from several
  // threads at once.
  virtual void embed_into(std::span<const std::string_view> texts, EmbedTask task, float* out) = 0;

  // The same, returning a new texts.size() x dim() row-major vector.
  std::vector<float> embed(std::span<const std::string_view> texts, EmbedTask task) {
    std::vector<float> out(texts.size() * size_t{dim()});
    embed_into(texts, task, out.data());
    return out;
  }
};

}  // namespace quiver
