#include "index/index_factory.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/limits.h"
#include "core/metric.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"

namespace quiver {

IndexHeader read_index_header(const ImageSource& source) {
  ByteSpan span = source.section(SectionKind::IndexHeader);
  const std::string where = source.describe(SectionKind::IndexHeader) + ": index header: ";
  if (span.size != sizeof(IndexHeader))
    fail(Status::Corrupt, where + "holds " + std::to_string(span.size) + " bytes, expected " +
                              std::to_string(sizeof(IndexHeader)));
  IndexHeader h;
  std::memcpy(&h, span.data, sizeof h);
  if (h.kind != uint32_t(IndexKind::Flat) && h.kind != uint32_t(IndexKind::Hnsw))
    fail(Status::Unsupported,
         where + "index kind " + std::to_string(h.kind) + " is unknown to this version of Quiver");
  if (!is_metric(h.metric))
    fail(Status::Unsupported,
         where + "metric " + std::to_string(h.metric) + " is unknown to this version of Quiver");
  if (h.dim == 0 || h.dim > kMaxDim)
    fail(Status::Corrupt, where + "dimension " + std::to_string(h.dim) + " is out of range");
  return h;
}

std::unique_ptr<VectorIndex> import_index(const ImageSource& source, bool defer_value_checks,
                                          unsigned threads) {
  IndexHeader h = read_index_header(source);
  const bool defer = defer_value_checks && source.mapped();
  if (h.kind == uint32_t(IndexKind::Flat))
    return FlatIndex::import_image(h, source, defer, threads);
  return HnswIndex::import_image(h, source, defer, threads);
}

std::unique_ptr<VectorIndex> create_index(IndexKind kind, uint32_t dim, Metric metric,
                                          const StorageOptions& storage, const HnswParams& hnsw) {
  if (kind == IndexKind::Flat) return std::make_unique<FlatIndex>(dim, metric, storage);
  return std::make_unique<HnswIndex>(dim, metric, hnsw, storage);
}

}  // namespace quiver
