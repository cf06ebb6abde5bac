// The Gemini batchEmbedContents request: URL and JSON body. Pure functions,
// no I/O (tested on their own; the response side is in gemini_response.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "embedding/embedder.h"

namespace quiver::gemini {

// "RETRIEVAL_DOCUMENT" or "RETRIEVAL_QUERY".
const char* task_type(EmbedTask task) noexcept;

// {base_url}/v1beta/models/{model}:batchEmbedContents; base_url without a
// trailing slash, model without the "models/" prefix.
std::string batch_url(std::string_view base_url, std::string_view model);

// {"requests":[{"model":"models/{model}","content":{"parts":[{"text":...}]},
//   "taskType":...,"outputDimensionality":...}, ...]}
// Invalid UTF-8 in a text is replaced by U+FFFD (JSON strings must be UTF-8).
std::string batch_request_body(std::string_view model, std::span<const std::string_view> texts,
                               EmbedTask task, uint32_t output_dim);

}  // namespace quiver::gemini
