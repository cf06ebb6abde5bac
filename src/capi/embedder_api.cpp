// qv_embedder_*: argument checks, the qv_embed_fn adapter and translation to
// the C++ embedders in src/embedding.
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "capi/embedder_handle.h"
#include "capi/error_state.h"
#include "embedding/callback_embedder.h"
// Header only without QV_WITH_GEMINI: GeminiConfig's defaults for
// qv_gemini_options_init, which works in every build.
#include "embedding/gemini_embedder.h"
#include "embedding/hashing_embedder.h"

// Set by src/CMakeLists.txt from the QV_WITH_GEMINI option; a build that
// does not say has Gemini (and fails to link if it left its sources out).
#ifndef QV_WITH_GEMINI
#define QV_WITH_GEMINI 1
#endif

using quiver::capi::guard;
using quiver::capi::invalid;
using quiver::capi::set_error;

namespace {

// Room the callback gets for its reason (the header promises >= 256).
constexpr size_t kCallbackErrorBytes = 1024;

qv_status check_dim(uint32_t dim) {
  if (dim == 0 || dim > QV_MAX_DIM)
    return invalid("dim is " + std::to_string(dim) + "; it must be between 1 and " +
                   std::to_string(QV_MAX_DIM));
  return QV_OK;
}

// Adapts a qv_embed_fn to CallbackEmbedder::BatchFn: NUL-terminated copies
// of the texts (views from the C++ side need not be), a zeroed error buffer
// that is NUL-terminated after the call whatever the function did.
quiver::CallbackEmbedder::BatchFn adapt(qv_embed_fn fn, void* user) {
  return [fn, user](std::span<const std::string_view> texts, quiver::EmbedTask, float* out,
                    std::string& error) {
    std::vector<std::string> copies(texts.begin(), texts.end());
    std::vector<const char*> pointers(texts.size());
    std::vector<size_t> lengths(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      pointers[i] = copies[i].c_str();
      lengths[i] = copies[i].size();
    }
    char err[kCallbackErrorBytes] = {0};
    const int rc = fn(user, texts.size(), pointers.data(), lengths.data(), out, err, sizeof err);
    if (rc == 0) return true;
    err[sizeof err - 1] = '\0';
    error = err[0] ? std::string(err)
                   : "the callback returned " + std::to_string(rc) + " without a message";
    return false;
  };
}

qv_status embed(qv_embedder* emb, quiver::EmbedTask task, size_t n, const char* const* texts,
                const size_t* lengths, float* out) {
  if (!emb) return invalid("embedder is NULL; create one with a qv_embedder_create_* call");
  if (n == 0) return QV_OK;
  if (!texts) return invalid("texts is NULL; pass n UTF-8 strings");
  if (!out) return invalid("out is NULL; pass room for n x dim floats");
  const size_t dim = emb->impl->dim();
  if (n > std::numeric_limits<size_t>::max() / sizeof(float) / dim)
    return set_error(QV_ERR_OUT_OF_MEMORY, "n is too large for this dimension");
  for (size_t i = 0; i < n; ++i)
    if (!texts[i]) return invalid("texts[" + std::to_string(i) + "] is NULL");
  return guard([&] {
    std::vector<std::string_view> views(n);
    for (size_t i = 0; i < n; ++i)
      views[i] = lengths ? std::string_view(texts[i], lengths[i]) : std::string_view(texts[i]);
    // Embed into scratch so that a failure leaves the caller's buffer alone.
    std::vector<float> scratch = emb->impl->embed(views, task);
    std::memcpy(out, scratch.data(), scratch.size() * sizeof(float));
  });
}

}  // namespace

extern "C" {

QV_API qv_status qv_embedder_create_callback(uint32_t dim, qv_embed_fn fn, void* user,
                                             qv_embedder** out) {
  if (!out) return invalid("out is NULL; pass the address of a qv_embedder*");
  if (!fn) return invalid("fn is NULL; pass the function that embeds a batch of texts");
  if (qv_status s = check_dim(dim)) return s;
  return guard([&] {
    auto handle = std::make_unique<qv_embedder>();
    handle->impl = std::make_shared<quiver::CallbackEmbedder>(dim, adapt(fn, user));
    *out = handle.release();
  });
}

QV_API qv_status qv_embedder_create_hashing(uint32_t dim, qv_embedder** out) {
  if (!out) return invalid("out is NULL; pass the address of a qv_embedder*");
  if (qv_status s = check_dim(dim)) return s;
  return guard([&] {
    quiver::HashingOptions options;
    options.dim = dim;
    auto handle = std::make_unique<qv_embedder>();
    handle->impl = std::make_shared<quiver::HashingEmbedder>(options);
    *out = handle.release();
  });
}

QV_API void qv_gemini_options_init(qv_gemini_options* opts) {
  if (!opts) return;
  const quiver::GeminiConfig d;
  *opts = qv_gemini_options{};
  opts->struct_size = sizeof(qv_gemini_options);
  opts->api_key = nullptr;
  opts->base_url = nullptr;
  opts->model = nullptr;
  opts->output_dim = d.output_dim;
  opts->batch_size = d.batch_size;
  opts->requests_per_minute = d.requests_per_minute;
  opts->max_retries = d.max_retries;
  opts->timeout_ms = d.timeout_ms;
  opts->connect_timeout_ms = d.connect_timeout_ms;
  opts->initial_backoff_ms = d.initial_backoff_ms;
  opts->max_backoff_ms = d.max_backoff_ms;
  opts->max_retry_delay_ms = d.max_retry_delay_ms;
  opts->max_concurrent_requests = d.max_concurrent_requests;
}

QV_API qv_status qv_embedder_create_gemini(const qv_gemini_options* opts, qv_embedder** out) {
  if (!out) return invalid("out is NULL; pass the address of a qv_embedder*");
#if !QV_WITH_GEMINI
  // The symbol stays so that the ABI is the same with or without Gemini.
  (void)opts;
  return set_error(QV_ERR_UNSUPPORTED,
                   "this libquiver was built without the Gemini embedder (QV_WITH_GEMINI=OFF); "
                   "rebuild with it, or embed with a callback embedder");
#else
  qv_gemini_options defaults;
  if (!opts) {
    qv_gemini_options_init(&defaults);
    opts = &defaults;
  }
  if (opts->struct_size != sizeof(qv_gemini_options))
    return invalid("options.struct_size is " + std::to_string(opts->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_gemini_options)) +
                   "; initialise the struct with qv_gemini_options_init");
  return guard([&] {
    quiver::GeminiConfig c;
    if (opts->api_key) c.api_key = opts->api_key;
    if (opts->base_url) c.base_url = opts->base_url;
    if (opts->model) c.model = opts->model;
    c.output_dim = opts->output_dim;
    c.batch_size = opts->batch_size;
    c.requests_per_minute = opts->requests_per_minute;
    c.max_retries = opts->max_retries;
    c.timeout_ms = opts->timeout_ms;
    c.connect_timeout_ms = opts->connect_timeout_ms;
    c.initial_backoff_ms = opts->initial_backoff_ms;
    c.max_backoff_ms = opts->max_backoff_ms;
    c.max_retry_delay_ms = opts->max_retry_delay_ms;
    c.max_concurrent_requests = opts->max_concurrent_requests;
    auto handle = std::make_unique<qv_embedder>();
    handle->impl = std::make_shared<quiver::GeminiEmbedder>(std::move(c));
    *out = handle.release();
  });
#endif
}

QV_API qv_status qv_embedder_embed(qv_embedder* emb, size_t n, const char* const* texts,
                                   float* out) {
  return embed(emb, quiver::EmbedTask::Document, n, texts, nullptr, out);
}

QV_API qv_status qv_embedder_embed_ex(qv_embedder* emb, qv_embed_task task, size_t n,
                                      const char* const* texts, const size_t* lengths, float* out) {
  // Read as int: a value outside the enum's range is what this checks for.
  int raw_task;
  std::memcpy(&raw_task, &task, sizeof raw_task);
  if (raw_task != QV_EMBED_DOCUMENT && raw_task != QV_EMBED_QUERY)
    return invalid("embed task " + std::to_string(raw_task) + " is unknown; use DOCUMENT or QUERY");
  return embed(emb, task == QV_EMBED_QUERY ? quiver::EmbedTask::Query : quiver::EmbedTask::Document,
               n, texts, lengths, out);
}

QV_API qv_status qv_embedder_dim(const qv_embedder* emb, uint32_t* out) {
  if (!emb) return invalid("embedder is NULL; create one with a qv_embedder_create_* call");
  if (!out) return invalid("out is NULL; pass the address of a uint32_t");
  *out = emb->impl->dim();
  return QV_OK;
}

QV_API void qv_embedder_free(qv_embedder* emb) { delete emb; }

}  // extern "C"
