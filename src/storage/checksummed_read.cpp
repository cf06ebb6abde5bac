#include "storage/checksummed_read.h"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <new>

#include "core/error.h"
#include "core/parallel.h"
#include "storage/checksum.h"
#include "storage/segment_format.h"

namespace quiver::storage {

namespace {

// A checksum block is read and hashed in steps of this size, so that what
// is hashed was read a moment ago and is still in the core's L2 cache.
constexpr size_t kStep = size_t(256) << 10;

struct FreeState {
  void operator()(XXH64_state_t* s) const { XXH64_freeState(s); }
};

void pread_all(const File& file, uint8_t* to, size_t size, uint64_t offset,
               const std::string& where) {
  while (size > 0) {
    const ssize_t got = ::pread(file.fd(), to, size, off_t(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_errno(errno, "cannot read", file.path());
    }
    if (got == 0)
      fail(Status::Corrupt, where +
                                ": the file ends before the section does: it was cut short while "
                                "it was being opened; restore it from a backup or save the index "
                                "again");
    to += got;
    size -= size_t(got);
    offset += uint64_t(got);
  }
}

}  // namespace

uint64_t read_checksummed(const File& file, uint64_t offset, const std::vector<MutableSpan>& parts,
                          unsigned threads, const std::string& where) {
  // starts[p]: where part p begins in the section.
  std::vector<uint64_t> starts(parts.size() + 1, 0);
  for (size_t p = 0; p < parts.size(); ++p) starts[p + 1] = starts[p] + parts[p].size;
  const uint64_t total = starts.back();
  const size_t blocks = size_t((total + kChecksumBlock - 1) / kChecksumBlock);
  std::vector<uint64_t> hashes(blocks);
  // A few blocks are read faster than a thread starts.
  if (blocks < 4) threads = 1;
  parallel_for(blocks, threads, 1, [&](size_t begin, size_t end) {
    std::unique_ptr<XXH64_state_t, FreeState> state(XXH64_createState());
    if (!state) throw std::bad_alloc();
    for (size_t b = begin; b < end; ++b) {
      const uint64_t lo = b * kChecksumBlock, hi = std::min(total, lo + kChecksumBlock);
      // The last part that starts at or before lo (so not an empty one).
      size_t p = size_t(std::upper_bound(starts.begin(), starts.end(), lo) - starts.begin()) - 1;
      XXH64_reset(state.get(), 0);
      for (uint64_t at = lo; at < hi;) {
        while (starts[p + 1] <= at) ++p;
        const size_t n = size_t(std::min<uint64_t>({hi, starts[p + 1], at + kStep}) - at);
        uint8_t* to = parts[p].data + (at - starts[p]);
        pread_all(file, to, n, offset + at, where);
        XXH64_update(state.get(), to, n);
        at += n;
      }
      hashes[b] = XXH64_digest(state.get());
    }
  });
  return combine_block_hashes(hashes);
}

}  // namespace quiver::storage
