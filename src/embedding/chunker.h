// Splits long text into overlapping chunks, each embedded as its own vector.
//
// Two units:
//  - Characters: windows of `size` characters (Unicode code points; an
//    invalid byte counts as one character) advancing by size - overlap.
//    Exact and predictable; a window may end inside a word. A window of
//    nothing but whitespace (inside a long run of it) is left out.
//  - Tokens: windows of `size` whitespace-separated tokens advancing by
//    size - overlap tokens. A chunk runs from the first byte of its first
//    token to the last byte of its last token, so it never starts or ends
//    with whitespace and never cuts a word.
// Both never split inside a UTF-8 sequence, report byte offsets into the
// original text (chunks are views, nothing is copied), cover every
// non-space byte of the text, and end exactly at the end of the text (or of
// its last token). The last window may be shorter than `size`; a window that
// would only repeat the overlap of the previous one is not produced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace quiver {

enum class ChunkUnit : uint8_t { Characters, Tokens };

struct ChunkOptions {
  ChunkUnit unit = ChunkUnit::Characters;
  size_t size = 1000;    // units per chunk, >= 1
  size_t overlap = 100;  // units shared by consecutive chunks, < size
};

struct Chunk {
  size_t begin;  // byte offset of the first byte
  size_t end;    // byte offset one past the last byte
  std::string_view text(std::string_view whole) const { return whole.substr(begin, end - begin); }
};

// Throws Error(InvalidArgument) when size == 0 or overlap >= size.
void validate(const ChunkOptions& options);

// The chunks of text, in order. Empty text (or, in Tokens mode, text of
// only whitespace) gives no chunks. Text no longer than one window gives
// one chunk: the whole text in Characters mode, first to last token in
// Tokens mode.
std::vector<Chunk> chunk_text(std::string_view text, const ChunkOptions& options);

}  // namespace quiver
