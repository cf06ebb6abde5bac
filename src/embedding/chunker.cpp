// chunk_text: find the unit boundaries (code points or tokens) once, then
// slide a window over them.
#include "embedding/chunker.h"

#include <string>

#include "core/error.h"
#include "embedding/utf8.h"

namespace quiver {
namespace {

// Slides a window of `size` units over n units advancing by size - overlap;
// unit i spans bytes [begin_of(i), end_of(i)).
template <typename BeginOf, typename EndOf>
std::vector<Chunk> windows(size_t n, const ChunkOptions& o, BeginOf begin_of, EndOf end_of) {
  std::vector<Chunk> chunks;
  if (n == 0) return chunks;
  const size_t step = o.size - o.overlap;
  chunks.reserve(n <= o.size ? 1 : (n - o.size + step - 1) / step + 1);
  for (size_t first = 0;; first += step) {
    const size_t last = first + o.size < n ? first + o.size : n;  // one past
    chunks.push_back({begin_of(first), end_of(last - 1)});
    if (last == n) break;
  }
  return chunks;
}

}  // namespace

void validate(const ChunkOptions& o) {
  if (o.unit != ChunkUnit::Characters && o.unit != ChunkUnit::Tokens)
    fail(Status::InvalidArgument, "chunk unit is unknown; use characters or tokens");
  if (o.size == 0) fail(Status::InvalidArgument, "chunk size is 0; it must be at least 1");
  if (o.overlap >= o.size)
    fail(Status::InvalidArgument, "chunk overlap (" + std::to_string(o.overlap) +
                                      ") must be smaller than the chunk size (" +
                                      std::to_string(o.size) + ")");
}

std::vector<Chunk> chunk_text(std::string_view text, const ChunkOptions& o) {
  validate(o);
  if (o.unit == ChunkUnit::Characters) {
    // Two cursors walk the text once, `size` code points apart, so memory
    // stays O(chunks) however long the text is.
    std::vector<Chunk> chunks;
    if (text.empty()) return chunks;
    auto advance = [&](size_t& pos, size_t count) {
      for (; count > 0 && pos < text.size(); --count) pos += utf8::decode(text, pos).length;
    };
    const size_t step = o.size - o.overlap;
    size_t begin = 0, end = 0;
    advance(end, o.size);
    for (;;) {
      // A window inside a long run of whitespace holds nothing to embed (it
      // would embed to the zero vector, which cosine refuses): skip it.
      if (!utf8::is_blank(text.substr(begin, end - begin))) chunks.push_back({begin, end});
      if (end == text.size()) break;
      advance(begin, step);
      advance(end, step);
    }
    return chunks;
  }

  struct Span {
    size_t begin, end;
  };
  std::vector<Span> tokens;
  bool in_token = false;
  for (size_t pos = 0; pos < text.size();) {
    const utf8::Decoded d = utf8::decode(text, pos);
    const bool space = utf8::is_space(d.cp);
    if (!space && !in_token) tokens.push_back({pos, pos});
    if (!space) tokens.back().end = pos + d.length;
    in_token = !space;
    pos += d.length;
  }
  return windows(
      tokens.size(), o, [&](size_t i) { return tokens[i].begin; },
      [&](size_t i) { return tokens[i].end; });
}

}  // namespace quiver
