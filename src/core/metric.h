// Distance metrics as the C++ core sees them.
#pragma once

#include <cstdint>

namespace quiver {

// Distances are always "smaller is nearer":
//   L2           squared euclidean distance
//   InnerProduct 1 - dot(a, b)
//   Cosine       1 - dot(a, b) on vectors normalised at insert and query time
enum class Metric { L2 = 1, InnerProduct = 2, Cosine = 3 };

// "l2", "ip", "cosine": the names users write (CLI, bindings).
constexpr const char* metric_name(Metric m) {
  return m == Metric::L2 ? "l2" : m == Metric::InnerProduct ? "ip" : "cosine";
}

// Whether `value` (as stored in a file) names a Metric.
constexpr bool is_metric(uint32_t value) {
  return value >= uint32_t(Metric::L2) && value <= uint32_t(Metric::Cosine);
}

}  // namespace quiver
