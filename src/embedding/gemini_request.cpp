// Builds batchEmbedContents requests with nlohmann::json (escaping by a real
// JSON library, not by hand).
#include "embedding/gemini_request.h"

#include <nlohmann/json.hpp>

namespace quiver::gemini {

const char* task_type(EmbedTask task) noexcept {
  return task == EmbedTask::Query ? "RETRIEVAL_QUERY" : "RETRIEVAL_DOCUMENT";
}

std::string batch_url(std::string_view base_url, std::string_view model) {
  std::string url(base_url);
  url += "/v1beta/models/";
  url += model;
  url += ":batchEmbedContents";
  return url;
}

std::string batch_request_body(std::string_view model, std::span<const std::string_view> texts,
                               EmbedTask task, uint32_t output_dim) {
  using nlohmann::json;
  const std::string model_name = "models/" + std::string(model);
  json requests = json::array();
  for (std::string_view text : texts) {
    requests.push_back({
        {"model", model_name},
        {"content", {{"parts", json::array({{{"text", std::string(text)}}})}}},
        {"taskType", task_type(task)},
        {"outputDimensionality", output_dim},
    });
  }
  json body = {{"requests", std::move(requests)}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace quiver::gemini
