// Collection::save and Collection::open: the index image plus the metadata
// and document sections, through storage/.
#include <mutex>

#include "collection/collection.h"
#include "core/error.h"
#include "index/index_factory.h"
#include "storage/atomic_file.h"
#include "storage/segment_writer.h"

namespace quiver {

void Collection::save(const std::string& path, const storage::SaveOptions& options) const {
  std::unique_lock lock(writers_);
  // A mapped index copies the file it reads: check it first, so that damage
  // (perhaps not verified at open, QV_VERIFY_DEFERRED) is reported rather
  // than sealed into a new file with fresh checksums.
  verify(options.threads);
  storage::AtomicFile file(path);
  storage::SegmentWriter writer(file.file(), options);
  index_->export_image(writer);
  auto write_bytes = [&writer](SectionKind kind, const std::vector<uint8_t>& bytes) {
    writer.section(kind, 1, bytes.size(), {ByteSpan{bytes.data(), bytes.size()}});
  };
  {
    std::shared_lock meta(metadata_mutex_);
    write_bytes(SectionKind::Metadata, metadata_.encode());
  }
  if (keywords_built_.load(std::memory_order_acquire))
    write_bytes(SectionKind::KeywordIndex, keywords_.encode());
  if (!documents_.empty()) write_bytes(SectionKind::Documents, documents_.encode());
  writer.finish();
  file.commit();
}

std::unique_ptr<Collection> Collection::open(const std::string& path,
                                             const storage::OpenOptions& options) {
  const storage::OpenMode mode = options.mode;
  auto source = storage::open_index_file(path, options);
  auto collection = std::make_unique<Collection>(
      import_index(*source, options.defer_in_place_checks, options.threads));
  // Loaded: the index read its sections straight from the file, checking
  // them as it went; check any it did not need too.
  if (mode == storage::OpenMode::Load) source->verify_unread(options.threads);
  collection->read_only_ = mode == storage::OpenMode::Map;
  if (source->has_section(SectionKind::Metadata)) {
    ByteSpan encoded = source->section(SectionKind::Metadata);
    std::string where = source->describe(SectionKind::Metadata);
    // Mapped: look blobs up in the decompressed section in place.
    if (mode == storage::OpenMode::Map)
      collection->metadata_.view(encoded, source->keepalive(), where);
    else
      collection->metadata_.load(encoded, where);
  }
  // The keyword index before the documents: removing stale chunks below
  // must reach it too.
  if (source->has_section(SectionKind::KeywordIndex)) {
    ByteSpan encoded = source->section(SectionKind::KeywordIndex);
    std::string where = source->describe(SectionKind::KeywordIndex);
    collection->keywords_.attach(mode == storage::OpenMode::Map
                                     ? KeywordImage::view(encoded, source->keepalive(), where)
                                     : KeywordImage::copy(encoded, where));
    collection->keywords_built_.store(true, std::memory_order_release);
  }
  if (source->has_section(SectionKind::Documents)) {
    collection->documents_.load(source->section(SectionKind::Documents),
                                source->describe(SectionKind::Documents));
    if (mode == storage::OpenMode::Load) collection->remove_stale_chunks();
  }
  if (mode == storage::OpenMode::Map) collection->source_ = std::move(source);
  return collection;
}

void Collection::verify(unsigned threads) const {
  if (!source_) return;
  storage::verify_in_place(source_->in_place(), threads);
  index_->validate_image(*source_, threads);
}

}  // namespace quiver
