#include "collection/document_table.h"

#include <cstring>

#include "core/error.h"

namespace quiver {
namespace {

// On disk (little-endian, like every section).
struct TableHead {
  uint32_t version;      // kTableVersion
  uint32_t entry_bytes;  // sizeof(TableEntry)
  uint64_t count;        // entries
};
struct TableEntry {
  uint64_t document;
  uint32_t first;  // the current version's first chunk number
  uint32_t count;  // its chunks; 0: no current version
  uint32_t source_bytes;
  uint32_t fields_bytes;
};
static_assert(sizeof(TableHead) == 16, "TableHead is part of the file format");
static_assert(sizeof(TableEntry) == 24, "TableEntry is part of the file format");
inline constexpr uint32_t kTableVersion = 1;

// Every chunk of every document is current.
constexpr ChunkRange kWholeRing{0, uint32_t(kMaxChunksPerDocument)};

}  // namespace

bool DocumentTable::Reader::visible(uint64_t key) {
  const uint64_t document = document_of(key);
  std::lock_guard lock(mutex_);
  auto it = seen_.find(document);
  if (it == seen_.end()) {
    ChunkRange range = kWholeRing;
    {
      std::shared_lock table(table_.mutex_);
      auto e = table_.entries_.find(document);
      if (e != table_.entries_.end())
        range = e->second.changed > made_ ? e->second.previous : e->second.record.chunks;
    }
    it = seen_.emplace(document, range).first;
  }
  return it->second.holds(chunk_number_of(key));
}

uint64_t DocumentTable::changes() const {
  std::shared_lock lock(mutex_);
  return changes_;
}

std::optional<DocumentView> DocumentTable::find(uint64_t document) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(document);
  if (it == entries_.end()) return std::nullopt;
  const DocumentRecord& r = it->second.record;
  return DocumentView{r.chunks, r.source, r.fields};
}

std::optional<DocumentRecord> DocumentTable::copy_of(uint64_t document) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(document);
  if (it == entries_.end()) return std::nullopt;
  return it->second.record;
}

void DocumentTable::set(uint64_t document, DocumentRecord record) {
  std::unique_lock lock(mutex_);
  auto [it, added] = entries_.try_emplace(document);
  Entry& e = it->second;
  if (!added && e.record.chunks.count > 0) --live_;
  if (record.chunks.count > 0) ++live_;
  e.previous = added ? record.chunks : e.record.chunks;
  e.changed = ++changes_;
  e.record = std::move(record);
}

void DocumentTable::erase(uint64_t document) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(document);
  if (it == entries_.end()) return;
  if (it->second.record.chunks.count > 0) --live_;
  entries_.erase(it);
}

size_t DocumentTable::live_count() const {
  std::shared_lock lock(mutex_);
  return live_;
}

std::vector<uint64_t> DocumentTable::live_keys(uint64_t from, size_t max) const {
  std::vector<uint64_t> keys;
  std::shared_lock lock(mutex_);
  for (auto it = entries_.lower_bound(from); it != entries_.end() && keys.size() < max; ++it)
    if (it->second.record.chunks.count > 0) keys.push_back(it->first);
  return keys;
}

std::vector<std::pair<uint64_t, ChunkRange>> DocumentTable::ranges() const {
  std::shared_lock lock(mutex_);
  std::vector<std::pair<uint64_t, ChunkRange>> out;
  out.reserve(entries_.size());
  for (const auto& [document, entry] : entries_) out.emplace_back(document, entry.record.chunks);
  return out;
}

bool DocumentTable::empty() const {
  std::shared_lock lock(mutex_);
  return entries_.empty();
}

size_t DocumentTable::heap_bytes() const {
  std::shared_lock lock(mutex_);
  // A map node: the record plus about four pointers of tree bookkeeping.
  size_t bytes = entries_.size() * (sizeof(std::pair<const uint64_t, Entry>) + 32);
  for (const auto& entry : entries_) {
    const DocumentRecord& r = entry.second.record;
    if (r.source.capacity() > 15) bytes += r.source.capacity() + 1;
    if (r.fields.capacity() > 15) bytes += r.fields.capacity() + 1;
  }
  return bytes;
}

std::vector<uint8_t> DocumentTable::encode() const {
  std::shared_lock lock(mutex_);
  size_t blob_bytes = 0;
  for (const auto& entry : entries_)
    blob_bytes += entry.second.record.source.size() + entry.second.record.fields.size();
  std::vector<uint8_t> out(sizeof(TableHead) + entries_.size() * sizeof(TableEntry) + blob_bytes);
  TableHead head{kTableVersion, uint32_t(sizeof(TableEntry)), entries_.size()};
  std::memcpy(out.data(), &head, sizeof head);
  uint8_t* entry_at = out.data() + sizeof head;
  uint8_t* blob_at = entry_at + entries_.size() * sizeof(TableEntry);
  for (const auto& [document, entry] : entries_) {
    const DocumentRecord& r = entry.record;
    const TableEntry e{document, r.chunks.first, r.chunks.count, uint32_t(r.source.size()),
                       uint32_t(r.fields.size())};
    std::memcpy(entry_at, &e, sizeof e);
    entry_at += sizeof e;
    std::memcpy(blob_at, r.source.data(), r.source.size());
    blob_at += r.source.size();
    std::memcpy(blob_at, r.fields.data(), r.fields.size());
    blob_at += r.fields.size();
  }
  return out;
}

void DocumentTable::load(ByteSpan encoded, const std::string& where) {
  auto corrupt = [&](const std::string& what) {
    fail(Status::Corrupt, where + ": document table: " + what +
                              " (the file is damaged; restore it from a copy, or save the "
                              "index again from a good copy)");
  };
  TableHead head;
  if (encoded.size < sizeof head)
    corrupt("the section holds " + std::to_string(encoded.size) + " bytes, less than its " +
            std::to_string(sizeof head) + "-byte header");
  std::memcpy(&head, encoded.data, sizeof head);
  if (head.version != kTableVersion)
    fail(Status::Unsupported, where + ": document table: layout version " +
                                  std::to_string(head.version) +
                                  " is unknown to this version of Quiver; open the file with "
                                  "a newer Quiver");
  if (head.entry_bytes != sizeof(TableEntry))
    corrupt("entries of " + std::to_string(head.entry_bytes) + " bytes where the format has " +
            std::to_string(sizeof(TableEntry)));
  const size_t room = encoded.size - sizeof head;
  if (head.count > room / sizeof(TableEntry))
    corrupt(std::to_string(head.count) + " entries do not fit in the section's " +
            std::to_string(encoded.size) + " bytes");
  const uint8_t* entry_at = encoded.data + sizeof head;
  const uint8_t* blob_at = entry_at + head.count * sizeof(TableEntry);
  const uint8_t* const end = encoded.data + encoded.size;
  std::map<uint64_t, Entry> entries;
  size_t live = 0;
  for (uint64_t i = 0; i < head.count; ++i) {
    TableEntry e;
    std::memcpy(&e, entry_at + i * sizeof e, sizeof e);
    const std::string which =
        "entry " + std::to_string(i) + " (document " + std::to_string(e.document) + ")";
    if (e.document > kMaxDocumentKey) corrupt(which + ": the key is above 2^48 - 1");
    if (!entries.empty() && e.document <= entries.rbegin()->first)
      corrupt(which + ": keys are not in ascending order");
    if (e.first >= kMaxChunksPerDocument || e.count > kMaxChunksPerDocument)
      corrupt(which + ": chunk range " + std::to_string(e.first) + " + " + std::to_string(e.count) +
              " is outside 0 .. 65535");
    if (e.source_bytes > kMaxSourceBytes || e.fields_bytes > kMaxFieldsBytes)
      corrupt(which + ": a source of " + std::to_string(e.source_bytes) + " bytes or fields of " +
              std::to_string(e.fields_bytes) + " bytes, above the limits");
    if (uint64_t(end - blob_at) < uint64_t(e.source_bytes) + e.fields_bytes)
      corrupt(which + ": its source and fields run past the end of the section");
    DocumentRecord r;
    r.chunks = {e.first, e.count};
    r.source.assign(reinterpret_cast<const char*>(blob_at), e.source_bytes);
    blob_at += e.source_bytes;
    r.fields.assign(reinterpret_cast<const char*>(blob_at), e.fields_bytes);
    blob_at += e.fields_bytes;
    if (e.count > 0) ++live;
    const ChunkRange loaded = r.chunks;
    entries.emplace_hint(entries.end(), e.document, Entry{std::move(r), loaded, 0});
  }
  if (blob_at != end)
    corrupt(std::to_string(end - blob_at) + " bytes after the last document's fields");
  std::unique_lock lock(mutex_);
  entries_ = std::move(entries);
  live_ = live;
}

}  // namespace quiver
