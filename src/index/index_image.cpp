#include "index/index_image.h"

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
  }
  return "unknown section";
}

}  // namespace quiver
