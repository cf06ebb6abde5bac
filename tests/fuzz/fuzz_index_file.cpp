// Fuzzes the index file loader: the bytes become a file that is opened with
// QV_OPEN_LOAD and with QV_OPEN_MMAP (checksums verified, the default); a
// file that opens is then searched, read and (when loaded) changed, saved and
// reopened. Whatever the bytes, nothing may crash, hang or leak, and a file
// that opens must behave like an index.
//
// Input: one flag byte, then the file.
//   bit 0: re-seal every checksum the format defines before writing the file
//          (so mutations get past the checksums and reach the section and
//          graph checks behind them; without it they test the checksums)
//   bit 1: also set the header's file size to the real size
// Seeds: valid files written by gen_seeds (flag byte 0x03).
//
// QV_VERIFY_DEFERRED is not fuzzed: it documents that a damaged graph may
// crash a search.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <quiver/quiver.h>

#include "fuzz_util.h"
#include "storage/checksum.h"
#include "storage/segment_format.h"

using namespace quiver::storage;
using quiver::ByteSpan;

namespace {

void put(std::string& file, size_t at, const void* v, size_t n) { std::memcpy(&file[at], v, n); }

// Recomputes the payload, section header and head checksums of whatever
// the directory describes, the way docs/format.md defines them.
void reseal(std::string& file, bool fix_size) {
  const size_t size = file.size();
  if (size < kHeadSize) return;
  auto* base = reinterpret_cast<uint8_t*>(file.data());
  FileHeader head;
  std::memcpy(&head, base, sizeof head);
  if (fix_size) head.file_size = size;
  const uint32_t count = head.section_count < kMaxSections ? head.section_count : kMaxSections;
  for (uint32_t i = 0; i < count; ++i) {
    DirectoryEntry e;
    std::memcpy(&e, base + sizeof(FileHeader) + i * sizeof(DirectoryEntry), sizeof e);
    if (e.header_offset < kHeadSize || e.header_offset > size - sizeof(SectionHeader)) continue;
    SectionHeader h;
    std::memcpy(&h, base + e.header_offset, sizeof h);
    if (h.payload_offset <= size && h.stored_size <= size - h.payload_offset) {
      std::vector<ByteSpan> span{ByteSpan{base + h.payload_offset, size_t(h.stored_size)}};
      h.payload_checksum = block_checksums(span, 1)[0];
    }
    h.header_checksum = xxh64(&h, offsetof(SectionHeader, header_checksum));
    put(file, e.header_offset, &h, sizeof h);
  }
  put(file, 0, &head, sizeof head);
  head.head_checksum = xxh64(base, offsetof(FileHeader, head_checksum), base + sizeof(FileHeader),
                             kHeadSize - sizeof(FileHeader));
  put(file, 0, &head, sizeof head);
}

// Exercises an index that opened: every call must answer, and the answers
// must agree with each other.
void exercise(qv_index* index, bool writable, const std::string& resave_path) {
  qv_index_info info;
  std::memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  QVF_CHECK(qv_index_get_info(index, &info) == QV_OK);
  size_t count = 0;
  uint32_t dim = 0;
  QVF_CHECK(qv_index_count(index, &count) == QV_OK);
  QVF_CHECK(qv_index_dim(index, &dim) == QV_OK);
  QVF_CHECK(count == info.count && dim == info.dim);
  QVF_CHECK(dim >= 1 && dim <= QV_MAX_DIM);
  QVF_CHECK(info.read_only == (writable ? 0 : 1));

  std::vector<float> query(dim, 0.25f), got(dim);
  for (uint32_t i = 0; i < dim; i += 2) query[i] = -0.5f;
  const size_t k = 8;
  uint64_t keys[k];
  float distances[k];
  size_t found = 0;
  qv_status s = qv_index_search(index, query.data(), k, nullptr, keys, distances, &found);
  // A search may fail (QV_ERR_CORRUPT from a lazily checked mapped table);
  // it must never crash or return nonsense.
  if (s == QV_OK) {
    QVF_CHECK(found <= k && found <= count);
    for (size_t i = 0; i < found; ++i) {
      // A loaded index has checked every vector; a mapped one reads them in
      // place unchecked beyond their checksums (see README.md), so a file
      // crafted with NaN values and valid checksums gives NaN distances.
      if (writable) QVF_CHECK(!std::isnan(distances[i]));
      if (i > 0 && writable) QVF_CHECK(distances[i - 1] <= distances[i]);
      if (qv_index_get(index, keys[i], got.data()) != QV_OK) continue;
      const void* meta = nullptr;
      size_t len = 0;
      if (qv_index_get_metadata(index, keys[i], &meta, &len) == QV_OK) {
        QVF_CHECK(len > 0 && meta != nullptr);
        volatile uint8_t sink = static_cast<const uint8_t*>(meta)[len - 1];
        (void)sink;
      }
    }
  }
  // A batch of two queries with a filter that keeps every other key.
  std::vector<float> queries(2 * size_t(dim), 1.0f);
  uint64_t bkeys[2 * k];
  size_t bfound[2];
  qv_search_params p;
  qv_search_params_init(&p);
  p.threads = 1;
  p.filter = [](uint64_t key, void*) { return int(key & 1); };
  (void)qv_index_search_batch(index, 2, queries.data(), k, &p, bkeys, nullptr, bfound);
  (void)qv_index_get(index, 0, got.data());
  (void)qv_index_verify(index);
  if (!writable) {
    QVF_CHECK(qv_index_add(index, 1, query.data()) == QV_ERR_UNSUPPORTED);
    QVF_CHECK(qv_index_remove(index, 1) == QV_ERR_UNSUPPORTED);
    QVF_CHECK(qv_index_compact(index) == QV_ERR_UNSUPPORTED);
    return;
  }
  // Loaded: a damaged-but-accepted file must still take changes and round
  // trip through save and open.
  if (s == QV_OK && found > 0) (void)qv_index_remove(index, keys[0]);
  (void)qv_index_add(index, 0xfeedfaceu, query.data());
  (void)qv_index_compact(index);
  size_t after = 0;
  QVF_CHECK(qv_index_count(index, &after) == QV_OK);
  if (qv_index_save(index, resave_path.c_str()) != QV_OK) return;
  qv_index* again = nullptr;
  QVF_CHECK(qv_index_open(resave_path.c_str(), QV_OPEN_LOAD, &again) == QV_OK);
  size_t reopened = 0;
  QVF_CHECK(qv_index_count(again, &reopened) == QV_OK);
  QVF_CHECK(reopened == after);
  qv_index_free(again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string file(reinterpret_cast<const char*>(data + 1), size - 1);
  if (flags & 1) reseal(file, flags & 2);
  static const std::string path = qvfuzz::scratch_path("index.qv");
  static const std::string resave = qvfuzz::scratch_path("resaved.qv");
  qvfuzz::write_file(path, file.data(), file.size());

  for (qv_open_mode mode : {QV_OPEN_LOAD, QV_OPEN_MMAP}) {
    qv_open_options opts;
    qv_open_options_init(&opts);
    opts.mode = mode;
    opts.threads = 1;
    qv_index* index = nullptr;
    qv_status s = qv_index_open_with_options(path.c_str(), &opts, &index);
    if (s != QV_OK) {
      // Only the documented answers for a bad file.
      QVF_CHECK(s == QV_ERR_CORRUPT || s == QV_ERR_UNSUPPORTED || s == QV_ERR_OUT_OF_MEMORY ||
                s == QV_ERR_IO);
      QVF_CHECK(index == nullptr);
      QVF_CHECK(qv_last_error()[0] != '\0');
      continue;
    }
    exercise(index, mode == QV_OPEN_LOAD, resave);
    qv_index_free(index);
  }
  return 0;
}
