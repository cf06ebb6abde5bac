#include "index/index_image.h"

#include <string>

#include "core/error.h"
#include "core/metric.h"

namespace quiver {

const char* section_name(SectionKind kind) {
  switch (kind) {
    case SectionKind::IndexHeader:
      return "index header";
    case SectionKind::HnswRecords:
      return "HNSW vectors and layer-0 links";
    case SectionKind::HnswMetas:
      return "HNSW node table";
    case SectionKind::HnswUpperLinks:
      return "HNSW upper-layer links";
    case SectionKind::FlatRows:
      return "flat vectors";
    case SectionKind::FlatNorms:
      return "flat norms";
    case SectionKind::FlatKeys:
      return "flat keys";
    case SectionKind::Metadata:
      return "metadata";
    case SectionKind::HnswOriginals:
      return "HNSW original vectors";
    case SectionKind::FlatCodes:
      return "flat vector codes";
    case SectionKind::KeywordIndex:
      return "keyword index";
    case SectionKind::Documents:
      return "document table";
  }
  return "unknown section";
}

StorageOptions read_storage(const ImageSource& source, const IndexHeader& header) {
  StorageOptions storage;
  if (header.storage == 0) return storage;  // written before storage types: float32
  const std::string where = source.describe(SectionKind::IndexHeader) + ": index header: ";
  if (!is_storage(header.storage))
    fail(Status::Unsupported, where + "storage type " + std::to_string(header.storage) +
                                  " is unknown to this version of Quiver");
  storage.type = Storage(header.storage);
  if (storage.type == Storage::B1 && header.metric == uint32_t(Metric::L2))
    fail(Status::Corrupt, where + "1-bit storage under the L2 metric" +
                              " (no index writes it: B1 is for cosine and inner product)");
  storage.keep_originals = (header.flags & kHeaderKeepsOriginals) != 0;
  return storage;
}

}  // namespace quiver
