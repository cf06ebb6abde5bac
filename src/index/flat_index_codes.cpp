// FlatIndex with compact storage (F16, I8, B1): the scan runs on the codes
// and keeps the best candidates; I8 and B1 with originals re-rank them on
// the float32 vectors, so the distances returned are exact.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "core/error.h"
#include "index/flat_index.h"
#include "index/top_k.h"
#include "index/vector_checks.h"

namespace quiver {

namespace {
// Candidates re-ranked when a search asks for 0: I8 codes rank nearly as
// float32 does, so 4 k (at least 40) suffice; B1's estimate is coarse
// (d + 1 distinct values), so 20 k (at least 200).
size_t default_rerank(Storage storage, size_t k) {
  if (storage == Storage::B1) return std::max<size_t>(20 * k, 200);
  return std::max<size_t>(4 * k, 40);
}
}  // namespace

void FlatIndex::search_codes(const float* query, const SearchOptions& options,
                             std::vector<Hit>& out) const {
  std::vector<float> buffer((codes_.query_bytes() + sizeof(float) - 1) / sizeof(float));
  char* code_query = reinterpret_cast<char*>(buffer.data());
  codes_.prepare_query(query, code_query);
  const bool rerank = storage_.keeps_originals();
  size_t keep = options.k;
  if (rerank)
    keep = std::max(
        options.k, options.rerank != 0 ? options.rerank : default_rerank(storage_.type, options.k));

  std::shared_lock lock(mutex_);
  TopK<size_t> top;
  top.reset(keep);
  const size_t width = rows_.row_floats();
  rows_.for_each_run([&](const FlatRows::Run& run) {
    for (size_t i = 0; i < run.count; i += 4) {
      const size_t in_group = std::min<size_t>(4, run.count - i);
      const char* codes[4];
      for (size_t r = 0; r < 4; ++r)
        codes[r] =
            reinterpret_cast<const char*>(run.rows + (i + std::min(r, in_group - 1)) * width);
      float d[4];
      codes_.four(code_query, codes, d);
      for (size_t r = 0; r < in_group; ++r)
        if (options.filter.keeps(run.keys[i + r])) top.push(d[r], run.first + i + r);
    }
  });
  std::vector<TopK<size_t>::Entry>& best = top.sorted();
  if (rerank) {
    for (auto& entry : best) entry.first = distance_(query, originals_.row(entry.second), dim());
    std::sort(best.begin(), best.end());
  }
  const size_t found = std::min(best.size(), options.k);
  out.reserve(found);
  for (size_t i = 0; i < found; ++i) out.push_back(Hit{best[i].first, rows_.key(best[i].second)});
}

void FlatIndex::validate_codes(const ImageSource& source, unsigned) const {
  std::shared_lock lock(mutex_);
  auto corrupt = [&](SectionKind kind, size_t row, const std::string& what) {
    fail(Status::Corrupt, source.describe(kind) + ": " + section_name(kind) + ": row " +
                              std::to_string(row) + " (key " + std::to_string(rows_.key(row)) +
                              ") " + what + kBadValue);
  };
  std::string what;
  for (size_t row = 0; row < rows_.size(); ++row) {
    if (!codes_.valid(code(row), what)) corrupt(SectionKind::FlatCodes, row, "holds " + what);
    if (storage_.keeps_originals()) {
      const float* v = originals_.row(row);
      const size_t at = find_non_finite(v, dim());
      if (at != dim())
        corrupt(SectionKind::FlatRows, row,
                std::string("holds ") + (std::isnan(v[at]) ? "a NaN" : "an infinite") +
                    " value at element " + std::to_string(at));
    }
    if (!(rows_.norm(row) > 0.0f) || !std::isfinite(rows_.norm(row)))
      corrupt(SectionKind::FlatNorms, row,
              "has norm " + std::to_string(rows_.norm(row)) + ", not a positive finite number");
  }
}

}  // namespace quiver
