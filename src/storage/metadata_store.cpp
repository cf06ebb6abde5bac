#include "storage/metadata_store.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace quiver::storage {

uint64_t MetadataStore::check(ByteSpan encoded, const std::string& where) {
  auto corrupt = [&](const std::string& what) {
    fail(Status::Corrupt, where + ": metadata: " + what +
                              "; the file is damaged: restore it from a backup or save the "
                              "index again");
  };
  if (encoded.size < sizeof(uint64_t)) corrupt("the table has no entry count");
  uint64_t count;
  std::memcpy(&count, encoded.data, sizeof count);
  if (count > (encoded.size - sizeof(uint64_t)) / sizeof(Entry))
    corrupt("the table declares " + std::to_string(count) + " entries, more than fit");
  const uint8_t* table = encoded.data + sizeof(uint64_t);
  const uint64_t blobs = encoded.size - sizeof(uint64_t) - count * sizeof(Entry);
  for (uint64_t i = 0; i < count; ++i) {
    Entry e;
    std::memcpy(&e, table + i * sizeof(Entry), sizeof e);
    if (i > 0) {
      uint64_t previous;
      std::memcpy(&previous, table + (i - 1) * sizeof(Entry), sizeof previous);
      if (e.key <= previous) corrupt("the keys are not in ascending order");
    }
    if (e.offset > blobs || e.length > blobs - e.offset || e.length == 0)
      corrupt("the entry of key " + std::to_string(e.key) + " points outside the blobs");
  }
  return count;
}

void MetadataStore::load(ByteSpan encoded, const std::string& where) {
  uint64_t count = check(encoded, where);
  clear();
  const uint8_t* table = encoded.data + sizeof(uint64_t);
  const uint8_t* blobs = table + count * sizeof(Entry);
  entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    Entry e;
    std::memcpy(&e, table + i * sizeof(Entry), sizeof e);
    entries_.emplace(
        e.key, std::string(reinterpret_cast<const char*>(blobs + e.offset), size_t(e.length)));
  }
}

void MetadataStore::view(ByteSpan encoded, std::shared_ptr<const void> owner,
                         const std::string& where) {
  uint64_t count = check(encoded, where);
  clear();
  frozen_ = true;
  encoded_ = encoded;
  frozen_count_ = count;
  owner_ = std::move(owner);
}

void MetadataStore::set(uint64_t key, const void* data, size_t size) {
  if (frozen_) fail(Status::Unsupported, "the metadata of a mapped index is read-only");
  if (size == 0) {
    entries_.erase(key);
    return;
  }
  std::string& slot = entries_[key];
  slot.assign(static_cast<const char*>(data), size);
}

void MetadataStore::erase(uint64_t key) {
  if (frozen_) fail(Status::Unsupported, "the metadata of a mapped index is read-only");
  entries_.erase(key);
}

void MetadataStore::clear() {
  frozen_ = false;
  entries_.clear();
  encoded_ = ByteSpan{};
  frozen_count_ = 0;
  owner_.reset();
}

std::optional<ByteSpan> MetadataStore::get(uint64_t key) const {
  if (!frozen_) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return ByteSpan{reinterpret_cast<const uint8_t*>(it->second.data()), it->second.size()};
  }
  const uint8_t* table = encoded_.data + sizeof(uint64_t);
  uint64_t lo = 0, hi = frozen_count_;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    Entry e;
    std::memcpy(&e, table + mid * sizeof(Entry), sizeof e);
    if (e.key == key)
      return ByteSpan{table + frozen_count_ * sizeof(Entry) + e.offset, size_t(e.length)};
    if (e.key < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return std::nullopt;
}

void MetadataStore::for_each(const std::function<void(uint64_t, ByteSpan)>& fn) const {
  if (!frozen_) {
    for (const auto& [key, blob] : entries_)
      fn(key, ByteSpan{reinterpret_cast<const uint8_t*>(blob.data()), blob.size()});
    return;
  }
  const uint8_t* table = encoded_.data + sizeof(uint64_t);
  for (uint64_t i = 0; i < frozen_count_; ++i) {
    Entry e;
    std::memcpy(&e, table + i * sizeof(Entry), sizeof e);
    fn(e.key, ByteSpan{table + frozen_count_ * sizeof(Entry) + e.offset, size_t(e.length)});
  }
}

size_t MetadataStore::size() const { return frozen_ ? size_t(frozen_count_) : entries_.size(); }

size_t MetadataStore::heap_bytes() const {
  if (frozen_) return 0;
  // A hash node (next pointer, key, string header) and its bucket, plus the
  // blob where it outgrows the string's inline buffer.
  constexpr size_t kNodeBytes = sizeof(void*) + sizeof(uint64_t) + sizeof(std::string);
  size_t bytes = entries_.bucket_count() * sizeof(void*) + entries_.size() * kNodeBytes;
  for (const auto& entry : entries_)
    if (entry.second.capacity() > 15) bytes += entry.second.capacity() + 1;
  return bytes;
}

std::vector<uint8_t> MetadataStore::encode() const {
  if (frozen_) return std::vector<uint8_t>(encoded_.data, encoded_.data + encoded_.size);
  std::vector<uint64_t> keys;
  keys.reserve(entries_.size());
  uint64_t blob_bytes = 0;
  for (const auto& [key, blob] : entries_) {
    keys.push_back(key);
    blob_bytes += blob.size();
  }
  std::sort(keys.begin(), keys.end());
  const uint64_t count = keys.size();
  std::vector<uint8_t> out(sizeof(uint64_t) + count * sizeof(Entry) + blob_bytes);
  std::memcpy(out.data(), &count, sizeof count);
  uint8_t* table = out.data() + sizeof(uint64_t);
  uint8_t* blobs = table + count * sizeof(Entry);
  uint64_t offset = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const std::string& blob = entries_.at(keys[i]);
    Entry e{keys[i], offset, blob.size()};
    std::memcpy(table + i * sizeof(Entry), &e, sizeof e);
    std::memcpy(blobs + offset, blob.data(), blob.size());
    offset += blob.size();
  }
  return out;
}

}  // namespace quiver::storage
