// UTF-8 decoding for the text side of Quiver (chunker, hashing embedder).
// Never trusts its input: invalid, overlong, surrogate and truncated
// sequences decode as U+FFFD one byte at a time, so every byte of any input
// belongs to exactly one decoded unit and offsets always land on a boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quiver::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

struct Decoded {
  char32_t cp;    // the code point, or kReplacement for an invalid byte
  size_t length;  // bytes consumed, 1..4 (1 for an invalid byte)
};

// Decodes the unit starting at text[pos]; pos < text.size().
Decoded decode(std::string_view text, size_t pos) noexcept;

// Writes the UTF-8 encoding of cp (a valid scalar value) to out, which has
// room for 4 bytes; returns its length, 1..4.
size_t encode(char32_t cp, char* out) noexcept;

// Appends the UTF-8 encoding of cp (a valid scalar value) to out.
void append(std::string& out, char32_t cp);

// Length in bytes of the sequence that starts with lead byte b of valid
// UTF-8 (as encode writes it).
inline size_t sequence_length(unsigned char b) noexcept {
  return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

// Unicode White_Space (ASCII whitespace, NEL, NBSP, the U+2000 spaces, line
// and paragraph separators, ideographic space ...).
bool is_space(char32_t cp) noexcept;

// Whether text is blank: empty, or every unit decode gives is a space (an
// invalid byte decodes to U+FFFD, which is not).
bool is_blank(std::string_view text) noexcept;

}  // namespace quiver::utf8
