#include "storage/zstd_codec.h"

// ZSTD_decompressBound (zstd >= 1.4.0) is in the "static linking" part of
// zstd.h; the shared library exports it.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <new>
#include <vector>

#include "core/error.h"

namespace quiver::storage {

namespace {

ZSTD_CCtx* cctx(void* p) { return static_cast<ZSTD_CCtx*>(p); }

void check(size_t rc, const char* what) {
  if (ZSTD_isError(rc))
    fail(Status::Internal, std::string("zstd ") + what + " failed: " + ZSTD_getErrorName(rc));
}

}  // namespace

ZstdCompressor::ZstdCompressor(int level, uint64_t raw_size, unsigned threads)
    : ctx_(ZSTD_createCCtx()) {
  if (!ctx_) throw std::bad_alloc();
  try {
    check(ZSTD_CCtx_setParameter(cctx(ctx_), ZSTD_c_compressionLevel, level), "set level");
    check(ZSTD_CCtx_setPledgedSrcSize(cctx(ctx_), raw_size), "set size");
    // The frame's own checksum of the decoded bytes (4 bytes): the section
    // checksum covers the stored bytes, this one also catches a writer or
    // decoder that got the content wrong.
    check(ZSTD_CCtx_setParameter(cctx(ctx_), ZSTD_c_checksumFlag, 1), "set checksum");
    // Worker threads pay off only for inputs of several blocks; a libzstd
    // built without threads refuses the parameter, which is fine.
    if (threads > 1 && raw_size >= (uint64_t(8) << 20))
      (void)ZSTD_CCtx_setParameter(cctx(ctx_), ZSTD_c_nbWorkers, int(threads));
  } catch (...) {
    ZSTD_freeCCtx(cctx(ctx_));
    throw;
  }
}

ZstdCompressor::~ZstdCompressor() { ZSTD_freeCCtx(cctx(ctx_)); }

void ZstdCompressor::drive(const void* data, size_t size, bool end, const ByteSink& sink) {
  thread_local std::vector<uint8_t> out;
  out.resize(ZSTD_CStreamOutSize());
  ZSTD_inBuffer in{data, size, 0};
  for (;;) {
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    size_t remaining =
        ZSTD_compressStream2(cctx(ctx_), &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    check(remaining, "compression");
    if (o.pos > 0) sink(out.data(), o.pos);
    if (end ? remaining == 0 : in.pos == in.size) break;
  }
}

void ZstdCompressor::update(const void* data, size_t size, const ByteSink& sink) {
  if (size > 0) drive(data, size, false, sink);
}

void ZstdCompressor::finish(const ByteSink& sink) { drive(nullptr, 0, true, sink); }

void zstd_check_frame(const uint8_t* src, size_t src_size, size_t dst_size,
                      const std::string& where) {
  size_t frame = ZSTD_findFrameCompressedSize(src, src_size);
  if (ZSTD_isError(frame))
    fail(Status::Corrupt,
         where + ": the compressed data is malformed (" + ZSTD_getErrorName(frame) + ")");
  if (frame != src_size)
    fail(Status::Corrupt, where + ": the compressed data is followed by " +
                              std::to_string(src_size - frame) + " unexpected bytes");
  unsigned long long content = ZSTD_getFrameContentSize(src, src_size);
  if (content != dst_size)
    fail(Status::Corrupt, where + ": the compressed data decodes to a size other than the " +
                              std::to_string(dst_size) + " bytes the section declares");
  // The frame header's content size is just a number: the blocks that
  // follow bound what the frame can really decode to, so a damaged size
  // cannot make the caller allocate more than that.
  unsigned long long bound = ZSTD_decompressBound(src, src_size);
  if (bound == ZSTD_CONTENTSIZE_ERROR || dst_size > bound)
    fail(Status::Corrupt, where + ": the compressed data cannot decode to the " +
                              std::to_string(dst_size) + " bytes the section declares");
}

void zstd_decompress_exact(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size,
                           const std::string& where) {
  zstd_check_frame(src, src_size, dst_size, where);
  size_t got = ZSTD_decompress(dst, dst_size, src, src_size);
  if (ZSTD_isError(got))
    fail(Status::Corrupt,
         where + ": the compressed data cannot be decoded (" + ZSTD_getErrorName(got) + ")");
  if (got != dst_size)
    fail(Status::Corrupt, where + ": the compressed data decodes to " + std::to_string(got) +
                              " bytes, the section declares " + std::to_string(dst_size));
}

int zstd_min_level() { return ZSTD_minCLevel(); }
int zstd_max_level() { return ZSTD_maxCLevel(); }

}  // namespace quiver::storage
