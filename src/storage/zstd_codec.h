// zstd compression of section payloads: one frame per section, streamed so
// a large section never needs a second full-size buffer on save.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace quiver::storage {

// Receives compressed output in pieces.
using ByteSink = std::function<void(const uint8_t* data, size_t size)>;

class ZstdCompressor {
 public:
  // level 0 = zstd's default. `raw_size` is the exact number of bytes that
  // will be fed; it goes into the frame header. `threads` > 1 lets zstd
  // compress large inputs on several cores.
  ZstdCompressor(int level, uint64_t raw_size, unsigned threads);
  ~ZstdCompressor();
  ZstdCompressor(const ZstdCompressor&) = delete;
  ZstdCompressor& operator=(const ZstdCompressor&) = delete;

  void update(const void* data, size_t size, const ByteSink& sink);
  void finish(const ByteSink& sink);

 private:
  void drive(const void* data, size_t size, bool end, const ByteSink& sink);
  void* ctx_;  // ZSTD_CCtx
};

// Checks, without decoding, that `src` is one frame of exactly `src_size`
// bytes that declares, and can decode to, `dst_size` bytes: what to call
// before allocating `dst_size` bytes for it. Throws Error(Corrupt).
void zstd_check_frame(const uint8_t* src, size_t src_size, size_t dst_size,
                      const std::string& where);

// Decompresses one frame of exactly `src_size` bytes into exactly
// `dst_size` bytes. Throws Error(Corrupt) with `where` in the message when
// the frame is malformed, ends early, has trailing bytes or decodes to
// another size.
void zstd_decompress_exact(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size,
                           const std::string& where);

// The levels zstd accepts (negative levels are its fast modes).
int zstd_min_level();
int zstd_max_level();

}  // namespace quiver::storage
