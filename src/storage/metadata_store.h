// Per-key metadata blobs (UTF-8 text or bytes) and their section encoding.
//
// Two states: an editable map, or a read-only view of an encoded section
// (an index opened by mapping), where lookups binary-search the sorted
// table in place so opening costs nothing per entry.
//
// Not thread-safe: the owner (Collection) serialises access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/index_image.h"

namespace quiver::storage {

class MetadataStore {
 public:
  // Replaces the contents with a copy of an encoded section (editable).
  // Throws Error(Corrupt) with `where` in the message on a malformed table.
  void load(ByteSpan encoded, const std::string& where);
  // Replaces the contents with a read-only view of an encoded section that
  // `owner` keeps alive. Same checks as load().
  void view(ByteSpan encoded, std::shared_ptr<const void> owner, const std::string& where);

  // Sets (size > 0) or erases (size == 0) the blob of `key`.
  void set(uint64_t key, const void* data, size_t size);
  void erase(uint64_t key);
  void clear();

  // The blob of `key`; it stays valid until that key is set or erased.
  std::optional<ByteSpan> get(uint64_t key) const;
  // Calls fn(key, blob) for every entry (in no particular order).
  void for_each(const std::function<void(uint64_t, ByteSpan)>& fn) const;
  size_t size() const;
  // Heap bytes held (a read-only view holds none of its blobs).
  size_t heap_bytes() const;

  // The section payload: a table sorted by key, then the blobs.
  std::vector<uint8_t> encode() const;

 private:
  struct Entry {
    uint64_t key;
    uint64_t offset;  // from the start of the blob area
    uint64_t length;
  };
  static_assert(sizeof(Entry) == 24, "Entry is part of the file format");
  // Checks an encoded section; returns the entry count.
  static uint64_t check(ByteSpan encoded, const std::string& where);

  bool frozen_ = false;
  std::unordered_map<uint64_t, std::string> entries_;
  // Read-only view.
  ByteSpan encoded_;
  uint64_t frozen_count_ = 0;
  std::shared_ptr<const void> owner_;
};

}  // namespace quiver::storage
