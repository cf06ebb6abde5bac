// The chunker (src/embedding/chunker.h): window sizes and overlap in both
// units, UTF-8 boundaries with multi-byte and invalid sequences, Unicode
// whitespace, option checks, and a randomised property test of the
// invariants every chunking must satisfy.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "embedding/chunker.h"
#include "embedding/utf8.h"

// cmocka last: its fail() macro would clash with quiver::fail.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
extern "C" {  // cmocka 1.1.5 has no C++ linkage guards of its own
#include <cmocka.h>
}

using quiver::Chunk;
using quiver::ChunkOptions;
using quiver::ChunkUnit;

namespace {

ChunkOptions opts(ChunkUnit unit, size_t size, size_t overlap) {
  ChunkOptions o;
  o.unit = unit;
  o.size = size;
  o.overlap = overlap;
  return o;
}

std::vector<std::string> texts_of(std::string_view text, const std::vector<Chunk>& chunks) {
  std::vector<std::string> out;
  for (const Chunk& c : chunks) out.emplace_back(c.text(text));
  return out;
}

// Code points (decoding units) in text[b, e).
size_t units(std::string_view text, size_t b, size_t e) {
  size_t n = 0;
  for (size_t pos = b; pos < e; pos += quiver::utf8::decode(text, pos).length) ++n;
  return n;
}

bool is_boundary(std::string_view text, size_t pos) {
  if (pos == 0 || pos == text.size()) return true;
  // A boundary of the decoder: walk from the start (cheap for test sizes).
  for (size_t p = 0; p < text.size(); p += quiver::utf8::decode(text, p).length)
    if (p == pos) return true;
  return false;
}

void expect_invalid(const ChunkOptions& o) {
  try {
    quiver::chunk_text("some text", o);
    fail_msg("options were accepted");
  } catch (const quiver::Error& e) {
    assert_int_equal(static_cast<int>(e.status()),
                     static_cast<int>(quiver::Status::InvalidArgument));
  }
}

}  // namespace

static void test_characters_windows_advance_by_size_minus_overlap(void**) {
  const std::string text = "abcdefghij";
  auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Characters, 4, 1));
  auto t = texts_of(text, chunks);
  assert_int_equal(t.size(), 3);
  assert_string_equal(t[0].c_str(), "abcd");
  assert_string_equal(t[1].c_str(), "defg");
  assert_string_equal(t[2].c_str(), "ghij");
  assert_int_equal(chunks[2].begin, 6);
  assert_int_equal(chunks[2].end, 10);

  // No overlap: a partition.
  t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Characters, 3, 0)));
  assert_int_equal(t.size(), 4);
  assert_string_equal(t[3].c_str(), "j");
}

static void test_characters_last_window_is_not_only_overlap(void**) {
  // 10 chars, size 5, overlap 2: 0-5, 3-8, 6-10; never a window inside the previous one.
  const std::string text = "0123456789";
  auto t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Characters, 5, 2)));
  assert_int_equal(t.size(), 3);
  assert_string_equal(t[0].c_str(), "01234");
  assert_string_equal(t[1].c_str(), "34567");
  assert_string_equal(t[2].c_str(), "6789");
  // Exactly one window.
  t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Characters, 10, 9)));
  assert_int_equal(t.size(), 1);
  assert_string_equal(t[0].c_str(), "0123456789");
}

static void test_short_and_empty_texts(void**) {
  assert_int_equal(quiver::chunk_text("", opts(ChunkUnit::Characters, 4, 1)).size(), 0);
  assert_int_equal(quiver::chunk_text("", opts(ChunkUnit::Tokens, 4, 1)).size(), 0);
  assert_int_equal(quiver::chunk_text(" \t\n\r ", opts(ChunkUnit::Tokens, 4, 1)).size(), 0);
  auto chunks = quiver::chunk_text("abc", opts(ChunkUnit::Characters, 100, 10));
  assert_int_equal(chunks.size(), 1);
  assert_int_equal(chunks[0].begin, 0);
  assert_int_equal(chunks[0].end, 3);
  // Windows of nothing but whitespace hold nothing to embed: none.
  assert_int_equal(quiver::chunk_text("   ", opts(ChunkUnit::Characters, 2, 0)).size(), 0);
  chunks = quiver::chunk_text("  x  ", opts(ChunkUnit::Characters, 2, 0));
  assert_int_equal(chunks.size(), 1);
  assert_int_equal(chunks[0].begin, 2);
  assert_int_equal(chunks[0].end, 4);
}

static void test_characters_never_split_multibyte_sequences(void**) {
  // 2-, 3- and 4-byte characters: é (2), € (3), 𝄞 (4), 中 (3).
  const std::string text =
      "h\xc3\xa9llo \xe2\x82\xac 10 \xf0\x9d\x84\x9e \xe4\xb8\xad\xe6\x96\x87!";
  for (size_t size = 1; size <= 6; ++size) {
    for (size_t overlap = 0; overlap < size; ++overlap) {
      auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Characters, size, overlap));
      assert_true(!chunks.empty());
      for (size_t i = 0; i < chunks.size(); ++i) {
        assert_true(is_boundary(text, chunks[i].begin));
        assert_true(is_boundary(text, chunks[i].end));
        const size_t n = units(text, chunks[i].begin, chunks[i].end);
        if (i + 1 < chunks.size())
          assert_int_equal(n, size);
        else
          assert_true(n >= 1 && n <= size);
      }
      assert_int_equal(chunks.back().end, text.size());
    }
  }
  // Size 1: every chunk is exactly one character, multi-byte ones whole.
  auto chunks = quiver::chunk_text("\xf0\x9d\x84\x9e\xc3\xa9", opts(ChunkUnit::Characters, 1, 0));
  assert_int_equal(chunks.size(), 2);
  assert_int_equal(chunks[0].end - chunks[0].begin, 4);
  assert_int_equal(chunks[1].end - chunks[1].begin, 2);
}

static void test_invalid_utf8_bytes_count_as_one_character_each(void**) {
  // A truncated 3-byte sequence, a lone continuation byte, 0xFF, an overlong '/'.
  const std::string text = std::string("a\xe2\x82") + "b\x80" + "c\xff" + "\xc0\xaf" + "d";
  auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Characters, 3, 1));
  size_t covered = 0;
  for (const Chunk& c : chunks) {
    assert_true(c.begin <= covered);
    assert_true(c.end > covered);
    covered = c.end;
  }
  assert_int_equal(covered, text.size());
  assert_int_equal(units(text, 0, text.size()), text.size());  // every byte its own unit
  // 10 units, windows of 3 advancing by 2: starts 0, 2, 4, 6, 8.
  assert_int_equal(chunks.size(), 5);
}

static void test_tokens_windows_keep_inner_whitespace_and_trim_outer(void**) {
  const std::string text = "  the quick  brown fox jumps\n over the lazy dog ";
  auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Tokens, 3, 1));
  auto t = texts_of(text, chunks);
  assert_int_equal(t.size(), 4);
  assert_string_equal(t[0].c_str(), "the quick  brown");
  assert_string_equal(t[1].c_str(), "brown fox jumps");
  assert_string_equal(t[2].c_str(), "jumps\n over the");
  assert_string_equal(t[3].c_str(), "the lazy dog");
  assert_int_equal(chunks[0].begin, 2);
  assert_int_equal(chunks[3].end, text.size() - 1);

  t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Tokens, 100, 0)));
  assert_int_equal(t.size(), 1);
  assert_string_equal(t[0].c_str(), "the quick  brown fox jumps\n over the lazy dog");

  t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Tokens, 4, 0)));
  assert_int_equal(t.size(), 3);
  assert_string_equal(t[2].c_str(), "dog");
}

static void test_tokens_split_on_unicode_whitespace_only(void**) {
  // NBSP, ideographic space, em space separate; punctuation and ZWJ do not.
  const std::string text =
      "caf\xc3\xa9\xc2\xa0na\xc3\xafve\xe3\x80\x80\xe4\xb8\xad\xe6\x96\x87\xe2\x80\x83"
      "end.";
  auto t = texts_of(text, quiver::chunk_text(text, opts(ChunkUnit::Tokens, 1, 0)));
  assert_int_equal(t.size(), 4);
  assert_string_equal(t[0].c_str(), "caf\xc3\xa9");
  assert_string_equal(t[1].c_str(), "na\xc3\xafve");
  assert_string_equal(t[2].c_str(), "\xe4\xb8\xad\xe6\x96\x87");
  assert_string_equal(t[3].c_str(), "end.");
}

static void test_options_are_checked(void**) {
  expect_invalid(opts(ChunkUnit::Characters, 0, 0));
  expect_invalid(opts(ChunkUnit::Characters, 4, 4));
  expect_invalid(opts(ChunkUnit::Tokens, 4, 5));
  expect_invalid(opts(static_cast<ChunkUnit>(7), 4, 1));
  quiver::validate(opts(ChunkUnit::Tokens, 1, 0));  // the smallest valid window
}

// Byte offset of unit (code point or invalid byte) number u of text.
static size_t offset_of_unit(const std::string& text, size_t u) {
  size_t pos = 0;
  for (; u > 0 && pos < text.size(); --u) pos += quiver::utf8::decode(text, pos).length;
  return pos;
}

// A long run of spaces: the windows inside it hold nothing to embed and are
// left out; the text on both sides is still covered.
static void test_characters_skip_windows_of_only_whitespace(void**) {
  const std::string text = "a" + std::string(3000, ' ') + "b";
  const auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Characters, 800, 100));
  assert_int_equal(chunks.size(), 2);
  assert_int_equal(chunks[0].begin, 0);
  assert_int_equal(chunks[1].end, text.size());
  for (const auto& c : chunks) assert_false(quiver::utf8::is_blank(c.text(text)));
}

// Random texts of ASCII, multi-byte, invalid bytes and whitespace; for
// random options every chunking satisfies the documented invariants.
static void test_random_texts_satisfy_chunk_invariants(void**) {
  std::mt19937_64 rng(12345);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           "7",
                                           " ",
                                           "  ",
                                           "\n",
                                           "\t",
                                           ".",
                                           "\xc3\xa9",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xe4\xb8\xad",
                                           "\xc2\xa0",
                                           "\xe3\x80\x80",
                                           "\x80",
                                           "\xff",
                                           "\xe2\x82",
                                           "\xf0\x9f",
                                           "word"};
  for (int iter = 0; iter < 400; ++iter) {
    std::string text;
    const size_t len = rng() % 80;
    for (size_t i = 0; i < len; ++i) text += pieces[rng() % pieces.size()];
    const size_t size = 1 + rng() % 12;
    const size_t overlap = rng() % size;
    const ChunkUnit unit = (rng() & 1) ? ChunkUnit::Tokens : ChunkUnit::Characters;
    const auto chunks = quiver::chunk_text(text, opts(unit, size, overlap));

    if (unit == ChunkUnit::Characters) {
      // The windows of `size` units every `step` units, up to the one that
      // reaches the end, less those that hold only whitespace.
      const size_t total = units(text, 0, text.size());
      const size_t step = size - overlap;
      std::vector<quiver::Chunk> expected;
      for (size_t first = 0; total > 0; first += step) {
        const size_t last = std::min(first + size, total);
        const quiver::Chunk w{offset_of_unit(text, first), offset_of_unit(text, last)};
        if (!quiver::utf8::is_blank(w.text(text))) expected.push_back(w);
        if (last == total) break;
      }
      assert_int_equal(chunks.size(), expected.size());
      for (size_t i = 0; i < chunks.size(); ++i) {
        assert_true(is_boundary(text, chunks[i].begin) && is_boundary(text, chunks[i].end));
        assert_int_equal(chunks[i].begin, expected[i].begin);
        assert_int_equal(chunks[i].end, expected[i].end);
      }
    } else {
      std::vector<std::pair<size_t, size_t>> tokens;
      bool in = false;
      for (size_t p = 0; p < text.size();) {
        auto d = quiver::utf8::decode(text, p);
        const bool sp = quiver::utf8::is_space(d.cp);
        if (!sp && !in) tokens.push_back({p, p});
        if (!sp) tokens.back().second = p + d.length;
        in = !sp;
        p += d.length;
      }
      if (tokens.empty()) {
        assert_int_equal(chunks.size(), 0);
        continue;
      }
      const size_t step = size - overlap;
      for (size_t i = 0; i < chunks.size(); ++i) {
        const size_t first = i * step;
        const size_t last = std::min(first + size, tokens.size()) - 1;
        assert_int_equal(chunks[i].begin, tokens[first].first);
        assert_int_equal(chunks[i].end, tokens[last].second);
      }
      assert_int_equal(chunks.back().end, tokens.back().second);
      // No window is contained in the previous one.
      if (chunks.size() > 1) assert_true((chunks.size() - 2) * step + size < tokens.size());
    }
  }
}

static void test_long_text_in_linear_time(void**) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "w\xc3\xb6rd ";
  auto chunks = quiver::chunk_text(text, opts(ChunkUnit::Characters, 1000, 999));
  assert_int_equal(chunks.size(), units(text, 0, text.size()) - 1000 + 1);
  auto tchunks = quiver::chunk_text(text, opts(ChunkUnit::Tokens, 256, 32));
  assert_int_equal(tchunks.back().end, text.size() - 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_characters_windows_advance_by_size_minus_overlap),
      cmocka_unit_test(test_characters_last_window_is_not_only_overlap),
      cmocka_unit_test(test_short_and_empty_texts),
      cmocka_unit_test(test_characters_never_split_multibyte_sequences),
      cmocka_unit_test(test_invalid_utf8_bytes_count_as_one_character_each),
      cmocka_unit_test(test_tokens_windows_keep_inner_whitespace_and_trim_outer),
      cmocka_unit_test(test_tokens_split_on_unicode_whitespace_only),
      cmocka_unit_test(test_characters_skip_windows_of_only_whitespace),
      cmocka_unit_test(test_options_are_checked),
      cmocka_unit_test(test_random_texts_satisfy_chunk_invariants),
      cmocka_unit_test(test_long_text_in_linear_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
