#include "storage/segment_format.h"

namespace quiver::storage {

bool section_traits(uint32_t kind, SectionTraits& out) {
  switch (static_cast<SectionKind>(kind)) {
    case SectionKind::IndexHeader:
      out = {ElementType::Record, SectionRole::Header};
      return true;
    case SectionKind::HnswRecords:
      out = {ElementType::Record, SectionRole::VectorsAndGraph};
      return true;
    case SectionKind::HnswMetas:
      out = {ElementType::Record, SectionRole::Graph};
      return true;
    case SectionKind::HnswUpperLinks:
      out = {ElementType::Uint32, SectionRole::Graph};
      return true;
    case SectionKind::FlatRows:
      out = {ElementType::Float32, SectionRole::Vectors};
      return true;
    case SectionKind::FlatNorms:
      out = {ElementType::Float32, SectionRole::Vectors};
      return true;
    case SectionKind::FlatKeys:
      out = {ElementType::Uint64, SectionRole::Keys};
      return true;
    case SectionKind::Metadata:
      out = {ElementType::Bytes, SectionRole::Metadata};
      return true;
    case SectionKind::HnswOriginals:
      out = {ElementType::Float32, SectionRole::Vectors};
      return true;
    case SectionKind::FlatCodes:
      out = {ElementType::Record, SectionRole::Vectors};
      return true;
    case SectionKind::KeywordIndex:
      out = {ElementType::Bytes, SectionRole::Graph, true};
      return true;
    case SectionKind::Documents:
      out = {ElementType::Bytes, SectionRole::Metadata, true};
      return true;
  }
  return false;
}

std::string section_label(uint32_t kind) {
  SectionTraits traits;
  if (section_traits(kind, traits)) return section_name(static_cast<SectionKind>(kind));
  return "section kind " + std::to_string(kind);
}

const char* element_type_name(uint32_t type) {
  switch (static_cast<ElementType>(type)) {
    case ElementType::Bytes:
      return "bytes";
    case ElementType::Float32:
      return "float32";
    case ElementType::Uint64:
      return "uint64";
    case ElementType::Uint32:
      return "uint32";
    case ElementType::Record:
      return "record";
  }
  return "unknown";
}

}  // namespace quiver::storage
