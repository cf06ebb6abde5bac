/*
 * The offline hashing embedder through the C API: deterministic (pinned
 * golden values, short and long texts), unit length for every text that is
 * not blank (each code point alone, random bytes, at dims 1 to 512),
 * lexical similarity (similar texts closer than unrelated ones, a small
 * retrieval check through an index), case and accent folding, robustness
 * to invalid UTF-8 and odd input, long texts in bounded memory, argument
 * checks and concurrent use.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qv_test_support.h"

#define DIM 512

static qv_embedder* make(uint32_t dim) {
  qv_embedder* e = NULL;
  qv_status s = qv_embedder_create_hashing(dim, &e);
  if (s != QV_OK) fail_msg("create_hashing(%u): %s %s", dim, qv_status_string(s), qv_last_error());
  return e;
}

static void embed1(qv_embedder* e, const char* text, float* out) {
  qv_status s = qv_embedder_embed(e, 1, &text, out);
  if (s != QV_OK) fail_msg("embed(\"%s\"): %s %s", text, qv_status_string(s), qv_last_error());
}

static double dot(const float* a, const float* b, size_t n) {
  double d = 0;
  for (size_t i = 0; i < n; ++i) d += (double)a[i] * b[i];
  return d;
}

/* ---- generated long texts (fixed, portable: splitmix64) ---------------- */

static uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Word i of a made-up language: 2 to 11 letters, some accented (folded to
 * ASCII), some with an apostrophe inside (dropped). At most 16 bytes. */
static size_t made_up_word(uint64_t i, char* out) {
  uint64_t h = mix64(i);
  const size_t letters = 2 + h % 10;
  size_t n = 0;
  for (size_t j = 0; j < letters; ++j) {
    h = mix64(h);
    if (h % 29 == 0) {
      out[n++] = (char)0xC3, out[n++] = (char)0xA9; /* e acute */
    } else if (h % 31 == 0 && j > 0) {
      out[n++] = '\'';
    } else {
      out[n++] = (char)('a' + (h >> 8) % 26);
    }
  }
  return n;
}

/* `bytes` bytes of words drawn from a vocabulary of `vocabulary` words
 * (0: every word new), separated by spaces, commas, full stops and line
 * breaks, with an English stop word now and then. NUL-terminated; caller
 * frees. Writes every page, so the text is resident before a measurement. */
static char* made_up_text(size_t bytes, uint64_t vocabulary, uint64_t seed) {
  static const char* const stops[] = {"the", "of", "and", "The", "to", "is"};
  static const char* const gaps[] = {" ", " ", " ", " ", ", ", ". ", "\n"};
  char* text = malloc(bytes + 1);
  size_t n = 0;
  uint64_t s = seed;
  while (n < bytes) {
    char word[32];
    size_t len;
    s = mix64(s);
    if (s % 7 == 0) {
      len = strlen(stops[(s >> 8) % 6]);
      memcpy(word, stops[(s >> 8) % 6], len);
    } else {
      len = made_up_word(vocabulary ? (s >> 16) % vocabulary : s, word);
    }
    const char* gap = gaps[(s >> 40) % 7];
    memcpy(word + len, gap, strlen(gap));
    len += strlen(gap);
    if (len > bytes - n) len = bytes - n;
    memcpy(text + n, word, len);
    n += len;
  }
  text[bytes] = 0;
  return text;
}

/* One word of `bytes` bytes (no separator at all): letters, accented and
 * folded ones (e acute, sharp s -> "ss"), apostrophes and combining
 * accents (both dropped). */
static char* one_long_word(size_t bytes, uint64_t seed) {
  static const char* const units[] = {"a",        "b",        "q", "z",         "7",
                                      "\xc3\xa9", "\xc3\x9f", "'", "e\xcc\x81", "\xd0\x96"};
  char* text = malloc(bytes + 1);
  size_t n = 0;
  uint64_t s = seed;
  for (;;) {
    s = mix64(s);
    const char* u = units[s % 10];
    const size_t len = strlen(u);
    if (n + len > bytes) break;
    memcpy(text + n, u, len);
    n += len;
  }
  memset(text + n, 'x', bytes - n);
  text[bytes] = 0;
  return text;
}

static int is_blank_text(const char* text, size_t len);

static double cosine_of(qv_embedder* e, const char* a, const char* b) {
  static float va[DIM], vb[DIM];
  embed1(e, a, va);
  embed1(e, b, vb);
  return dot(va, vb, DIM);
}

static void test_same_text_gives_identical_vectors(void** state) {
  (void)state;
  qv_embedder *a = make(DIM), *b = make(DIM);
  float x[DIM], y[DIM], z[DIM];
  const char* t = "Quiver turns text into vectors, deterministically.";
  embed1(a, t, x);
  embed1(a, t, y);
  embed1(b, t, z);
  assert_memory_equal(x, y, sizeof x);
  assert_memory_equal(x, z, sizeof x);
  /* The task does not matter to a symmetric model. */
  const char* texts[1] = {t};
  assert_int_equal(qv_embedder_embed_ex(a, QV_EMBED_QUERY, 1, texts, NULL, y), QV_OK);
  assert_memory_equal(x, y, sizeof x);
  qv_embedder_free(a);
  qv_embedder_free(b);
}

/* Pinned output: any change to normalisation, tokenisation, hashing or
 * weighting changes these and must bump HashingEmbedder::kVersion (indexes
 * built with the old vectors would silently stop matching). */
static void test_golden_vector_is_stable_across_versions_and_platforms(void** state) {
  (void)state;
  static const float golden[16] = {0.141229749f,   -0.0125529906f, -0.106249794f,  -0.170710772f,
                                   -0.0271625109f, -0.0749574378f, 0.404087961f,   0.62698549f,
                                   0.100063421f,   -0.0187393595f, 0.0662723035f,  -0.0811438113f,
                                   0.0336108655f,  0.588737607f,   0.00163107272f, -0.0873301774f};
  qv_embedder* e = make(16);
  float v[16];
  embed1(e, "The quick brown fox jumps over the lazy dog", v);
  for (int i = 0; i < 16; ++i) {
    if (fabsf(v[i] - golden[i]) > 1e-6f)
      fail_msg("component %d is %.9g, pinned %.9g", i, (double)v[i], (double)golden[i]);
  }
  qv_embedder_free(e);
}

static void test_vectors_have_unit_length(void** state) {
  (void)state;
  qv_embedder* e = make(DIM);
  const char* texts[] = {"a",
                         "Hello, world!",
                         "x y z x y z x y z",
                         "!!!",
                         "\xf0\x9f\x8d\x95",
                         "Tr\xc3\xa8s longue phrase en fran\xc3\xa7"
                         "ais avec beaucoup de mots",
                         "\xe4\xb8\xad\xe6\x96\x87\xe6\x96\x87\xe6\x9c\xac",
                         "12345 67890"};
  const size_t n = sizeof texts / sizeof texts[0];
  float* out = malloc(n * DIM * sizeof(float));
  assert_int_equal(qv_embedder_embed(e, n, texts, out), QV_OK);
  for (size_t i = 0; i < n; ++i) {
    const double norm = sqrt(dot(out + i * DIM, out + i * DIM, DIM));
    if (fabs(norm - 1.0) > 1e-5) fail_msg("text %zu has norm %g", i, norm);
  }
  free(out);
  qv_embedder_free(e);
}

static void test_similar_texts_are_closer_than_unrelated_ones(void** state) {
  (void)state;
  static const char* triples[][3] = {
      {"How do I reset my router password?", "Steps to reset the password on a wireless router",
       "The recipe calls for two cups of flour and a pinch of salt"},
      {"Vector databases store embeddings for similarity search",
       "Similarity search over embeddings with a vector index",
       "The football match ended in a draw after extra time"},
      {"Photosynthesis converts sunlight into chemical energy in plants",
       "Plants use sunlight to make chemical energy through photosynthesis",
       "The stock market fell sharply on Tuesday afternoon"},
      {"running shoes for marathons", "marathon runner shoe reviews",
       "quantum computers manipulate qubits"},
      {"Embeddings", "embedding", "embargo"},
  };
  qv_embedder* e = make(DIM);
  for (size_t i = 0; i < sizeof triples / sizeof triples[0]; ++i) {
    const double near = cosine_of(e, triples[i][0], triples[i][1]);
    const double far = cosine_of(e, triples[i][0], triples[i][2]);
    if (!(near > far + 0.1))
      fail_msg("triple %zu: similar %.3f is not clearly above unrelated %.3f", i, near, far);
    assert_true(near > 0.2);
  }
  /* A text is most similar to itself. */
  assert_true(fabs(cosine_of(e, triples[0][0], triples[0][0]) - 1.0) < 1e-5);
  qv_embedder_free(e);
}

static void test_case_accents_and_punctuation_are_folded(void** state) {
  (void)state;
  static const char* same[][2] = {
      {"HELLO World", "hello world"},
      {"\xc3\x89"
       "cole normale sup\xc3\xa9rieure",
       "ecole normale superieure"},
      {"\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90",
       "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"},
      {"\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91", "\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1"},
      {"\xef\xbc\xa8\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x8f", "hello"}, /* full-width */
      {"Stra\xc3\x9f"
       "e",
       "strasse"},
      {"e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9"}, /* NFD and NFC */
      {"don't stop", "dont stop"},
      {"well-known, (tested) facts!", "well known tested facts"},
  };
  qv_embedder* e = make(DIM);
  float a[DIM], b[DIM];
  for (size_t i = 0; i < sizeof same / sizeof same[0]; ++i) {
    embed1(e, same[i][0], a);
    embed1(e, same[i][1], b);
    if (memcmp(a, b, sizeof a) != 0)
      fail_msg("pair %zu differs: \"%s\" / \"%s\"", i, same[i][0], same[i][1]);
  }
  qv_embedder_free(e);
}

static void test_invalid_utf8_and_odd_input_never_fail(void** state) {
  (void)state;
  qv_embedder* e = make(64);
  static const char* odd[] = {
      "\xff\xfe\xfd",
      "abc\x80"
      "def",
      "\xe2\x82",
      "\xf0\x9f\x98",
      "\xc0\xaf overlong",
      "\xed\xa0\x80 surrogate",
      "\xf4\x90\x80\x80 beyond U+10FFFF",
      "tab\tnew\nline\r\n",
      "\x01\x02\x03 controls",
      "a\xcc\x81\xcc\x81\xcc\x81\xcc\x81 combining pile-up",
  };
  float v[64];
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; ++i) {
    embed1(e, odd[i], v);
    for (int j = 0; j < 64; ++j) assert_true(isfinite(v[j]));
  }
  /* Random bytes, random lengths (lengths given: NUL bytes inside). */
  qvt_rng rng;
  qvt_rng_seed(&rng, 99);
  char buf[300];
  for (int iter = 0; iter < 2000; ++iter) {
    size_t len = qvt_rng_below(&rng, sizeof buf);
    for (size_t i = 0; i < len; ++i) buf[i] = (char)(qvt_rng_next(&rng) & 0xFF);
    const char* texts[1] = {buf};
    assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_DOCUMENT, 1, texts, &len, v), QV_OK);
    double n2 = dot(v, v, 64);
    assert_true(is_blank_text(buf, len) ? n2 == 0.0 : fabs(n2 - 1.0) < 1e-5);
  }
  /* A very long word and a long text. */
  size_t big = 200000;
  char* long_text = malloc(big + 1);
  for (size_t i = 0; i < big; ++i) long_text[i] = (char)('a' + (i * 7) % 26);
  long_text[big] = 0;
  embed1(e, long_text, v);
  assert_true(fabs(dot(v, v, 64) - 1.0) < 1e-5);
  free(long_text);
  qv_embedder_free(e);
}

static void test_empty_and_blank_text_embed_to_zero(void** state) {
  (void)state;
  qv_embedder* e = make(32);
  float v[32];
  const char* blank[] = {"", "   ", " \t\r\n", "\xc2\xa0\xe3\x80\x80"};
  for (size_t i = 0; i < sizeof blank / sizeof blank[0]; ++i) {
    embed1(e, blank[i], v);
    for (int j = 0; j < 32; ++j) assert_true(v[j] == 0.0f);
  }
  /* Only symbols: still a real vector. */
  embed1(e, "?!", v);
  assert_true(fabs(dot(v, v, 32) - 1.0) < 1e-5);
  qv_embedder_free(e);
}

/* At tiny dims signed features can cancel exactly; a text with any feature
 * must still embed to a unit vector (a zero vector is useless: a cosine
 * index rejects it). Every one- and two-letter word at dims 1 to 3. */
static void test_texts_with_features_never_embed_to_zero_at_tiny_dims(void** state) {
  (void)state;
  for (uint32_t dim = 1; dim <= 3; ++dim) {
    qv_embedder* e = make(dim);
    float v[3];
    char word[3] = {0};
    for (int a = 'a'; a <= 'z'; ++a) {
      for (int b = 0; b <= 'z'; b = b ? b + 1 : 'a') {
        word[0] = (char)a;
        word[1] = (char)b;
        embed1(e, word, v);
        const double norm = sqrt(dot(v, v, dim));
        if (fabs(norm - 1.0) > 1e-5) fail_msg("\"%s\" at dim %u has norm %g", word, dim, norm);
      }
    }
    qv_embedder_free(e);
  }
}

/* Long texts take the embedder's other paths (features counted rather than
 * listed, a word hashed as it streams past); pinned values computed before
 * those paths existed: they must give the same vectors bit for bit. */
static void test_long_texts_keep_their_pinned_vectors(void** state) {
  (void)state;
  static const float text_golden[16] = {
      0.386963755f, 0.20975104f,   -0.107953347f,  -0.192337066f, -0.0200147834f,  -0.263534546f,
      0.129426062f, 0.214684829f,  -0.0780547783f, 0.505060732f,  -0.00554555049f, -0.203498751f,
      0.42468068f,  -0.269028395f, -0.227232784f,  -0.133933827f};
  static const float word_golden[16] = {
      -0.52853024f, 0.0527495556f,  -0.0281319451f, 0.320517987f, -0.23645097f, 0.0602638982f,
      0.158390135f, 0.150221571f,   -0.184910148f,  0.269071877f, 0.271224231f, 0.0371409878f,
      0.355319798f, -0.0129318228f, 0.169936582f,   -0.412703305f};
  static const float new_words_golden[16] = {
      -0.240115449f, -0.276519418f, -0.50652349f,   0.296848953f,  0.143702403f,  -0.127035007f,
      0.0644010231f, 0.210330844f,  -0.0120568834f, 0.0728829578f, -0.183236867f, -0.313052446f,
      0.0519169495f, 0.17863749f,   -0.499568075f,  0.121702716f};
  char* texts[3] = {made_up_text(1u << 20, 3000, 7), one_long_word(300000, 11),
                    made_up_text(64u << 10, 0, 5)};
  const float* golden[3] = {text_golden, word_golden, new_words_golden};
  qv_embedder* e = make(16);
  for (int t = 0; t < 3; ++t) {
    float v[16];
    embed1(e, texts[t], v);
    for (int i = 0; i < 16; ++i)
      if (fabsf(v[i] - golden[t][i]) > 1e-6f)
        fail_msg("text %d, component %d is %.9g, pinned %.9g", t, i, (double)v[i],
                 (double)golden[t][i]);
    free(texts[t]);
  }
  qv_embedder_free(e);
}

/* Resident memory in KiB from /proc/self/status ("VmRSS:", "VmHWM:"), or -1. */
static long status_kib(const char* field) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, strlen(field)) == 0) kib = atol(line + strlen(field));
  fclose(f);
  return kib;
}

/* Where to measure the peak resident memory (KiB) of what follows from: the
 * peak is reset to the current size where Linux allows it, else compared
 * against the earlier peak (which can only hide growth, never invent it). */
static long peak_baseline_kib(void) {
  FILE* f = fopen("/proc/self/clear_refs", "w");
  int reset = f && fputs("5", f) >= 0;
  if (f && fclose(f) != 0) reset = 0;
  return status_kib(reset ? "VmRSS:" : "VmHWM:");
}

/* ThreadSanitizer keeps about four bytes of shadow for each byte touched:
 * the same bound then needs room for its shadow too. */
#if defined(__SANITIZE_THREAD__)
#define SHADOW_FACTOR 5
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHADOW_FACTOR 5
#endif
#endif
#ifndef SHADOW_FACTOR
#define SHADOW_FACTOR 1
#endif

/* Embedding a long text once took ~55 times its size (every feature listed
 * before sorting): 16 MiB needed ~1 GB. Now memory is bounded whatever the
 * length: words stream past and features are counted in a table of a few
 * MiB. A text that repeats a vocabulary (the common case) and one of ever
 * new words (the table fills and keeps making room) each add less than
 * 32 MiB at their peak (they took 1.1 GB and 69 MiB). */
static void test_long_texts_embed_in_bounded_memory(void** state) {
  (void)state;
  if (status_kib("VmHWM:") < 0) skip(); /* no /proc: nothing to measure with */
  const struct {
    size_t bytes;
    uint64_t vocabulary;
  } cases[] = {{16u << 20, 2000}, {1u << 20, 0}};
  qv_embedder* e = make(DIM);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    char* text = made_up_text(cases[c].bytes, cases[c].vocabulary, 3 + c);
    float v[DIM];
    const long before = peak_baseline_kib();
    embed1(e, text, v);
    const long grew = status_kib("VmHWM:") - before;
    if (grew > SHADOW_FACTOR * 32 * 1024)
      fail_msg("embedding %zu KiB of text (vocabulary %llu) added %ld MiB at the peak",
               cases[c].bytes >> 10, (unsigned long long)cases[c].vocabulary, grew / 1024);
    assert_true(fabs(dot(v, v, DIM) - 1.0) < 1e-5);
    if (cases[c].vocabulary == 0) {
      /* Making room is deterministic: the same vector alone or after
       * another text in a batch. */
      const char* batch[2] = {"a short text first", text};
      float* two = malloc(2 * DIM * sizeof(float));
      assert_int_equal(qv_embedder_embed(e, 2, batch, two), QV_OK);
      assert_memory_equal(v, two + DIM, sizeof v);
      free(two);
    }
    free(text);
  }
  qv_embedder_free(e);
}

/* UTF-8 of cp into out (4 bytes of room); surrogates are encoded as they
 * are, which makes invalid UTF-8. Returns the length. */
static size_t utf8_of(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Whether len bytes are blank: nothing but Unicode White_Space (ASCII
 * whitespace, NEL, NBSP, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000) as valid UTF-8. */
static int is_blank_text(const char* text, size_t len) {
  static const char* const spaces[] = {"\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80",
                                       "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaf",
                                       "\xe2\x81\x9f", "\xe3\x80\x80"};
  const size_t count = sizeof spaces / sizeof spaces[0];
  for (size_t i = 0; i < len;) {
    const unsigned char c = (unsigned char)text[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80 &&
        (unsigned char)text[i + 2] >= 0x80 && (unsigned char)text[i + 2] <= 0x8A) {
      i += 3; /* U+2000 .. U+200A */
      continue;
    }
    size_t s = 0;
    while (s < count &&
           !(i + strlen(spaces[s]) <= len && memcmp(text + i, spaces[s], strlen(spaces[s])) == 0))
      ++s;
    if (s == count) return 0;
    i += strlen(spaces[s]);
  }
  return 1;
}

static const uint32_t kSweepDims[] = {1, 2, 3, 512};
enum { kSweepDimCount = sizeof kSweepDims / sizeof kSweepDims[0] };

/* Embeds len bytes with each embedder of the sweep (one per kSweepDims);
 * fails unless the vector has length 1, or 0 for a blank text. */
static void expect_unit_length(qv_embedder* const* e, const char* text, size_t len,
                               const char* what) {
  const int blank = is_blank_text(text, len);
  float v[512];
  for (int d = 0; d < kSweepDimCount; ++d) {
    const char* texts[1] = {text};
    qv_status s = qv_embedder_embed_ex(e[d], QV_EMBED_DOCUMENT, 1, texts, &len, v);
    if (s != QV_OK) fail_msg("%s: %s %s", what, qv_status_string(s), qv_last_error());
    const double n2 = dot(v, v, kSweepDims[d]);
    if (blank ? n2 != 0.0 : !(fabs(n2 - 1.0) < 1e-5)) {
      char hex[3 * 16 + 1] = {0};
      for (size_t i = 0; i < len && i < 16; ++i)
        snprintf(hex + 3 * i, 4, "%02x ", (unsigned char)text[i]);
      fail_msg("%s (bytes %s) at dim %u: squared length %g, expected %d", what, hex, kSweepDims[d],
               n2, !blank);
    }
  }
}

/* Every text that is not blank embeds to length 1, at every dim. The first
 * ones once gave the zero vector (no letter or digit, and nothing the
 * tokeniser counted as a visible separator), which a cosine index refused. */
static void test_every_text_that_is_not_blank_has_unit_length(void** state) {
  (void)state;
  qv_embedder* e[kSweepDimCount];
  for (int d = 0; d < kSweepDimCount; ++d) e[d] = make(kSweepDims[d]);
  /* Apostrophes, U+2019, U+0301, U+FE0F, also between spaces, U+02BC,
   * three marks, U+1AB0, U+20D0, U+FE20, U+E0100 (VS17). */
  static const char* const once_zero[] = {"'",
                                          "''''",
                                          "\xe2\x80\x99",
                                          "\xcc\x81",
                                          "\xef\xb8\x8f",
                                          " ' ",
                                          "\t\xcc\x81\n",
                                          "\xe2\x80\x99\xe2\x80\x99",
                                          "\xca\xbc",
                                          "\xcc\x81\xcc\x82\xcc\x83",
                                          "\xe1\xaa\xb0",
                                          "\xe2\x83\x90",
                                          "\xef\xb8\xa0",
                                          "'\xef\xb8\x8f",
                                          "\xf3\xa0\x84\x80"};
  for (size_t i = 0; i < sizeof once_zero / sizeof once_zero[0]; ++i)
    expect_unit_length(e, once_zero[i], strlen(once_zero[i]), "a text that was once zero");

  /* Every code point alone where the tokeniser has special cases (controls,
   * Latin to Cyrillic, combining marks, punctuation and symbols, CJK
   * punctuation, variation selectors, specials, full-width forms, emoji,
   * tags), surrogates (invalid UTF-8), and a stride through the rest. */
  static const uint32_t ranges[][2] = {{0x0, 0x3400},       {0xA000, 0xA500},   {0xD700, 0xE100},
                                       {0xF8F0, 0x10000},   {0x1F000, 0x1FB00}, {0xE0000, 0xE0200},
                                       {0x10FF00, 0x110000}};
  char buf[16];
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; ++r)
    for (uint32_t cp = ranges[r][0]; cp < ranges[r][1]; ++cp)
      expect_unit_length(e, buf, utf8_of(cp, buf), "one code point");
  for (uint32_t cp = 0x3400; cp < 0x110000; cp += 61)
    expect_unit_length(e, buf, utf8_of(cp, buf), "one code point");

  /* Random bytes, mixed with spaces, apostrophes, marks and selectors. */
  static const char* const pieces[] = {
      " ", "\t", "\xc2\xa0", "\xe3\x80\x80", "'", "\xcc\x81", "\xef\xb8\x8f", "\xe2\x80\x99", "\n"};
  qvt_rng rng;
  qvt_rng_seed(&rng, 2024);
  char text[64];
  for (int iter = 0; iter < 4000; ++iter) {
    size_t len = 0;
    const size_t parts = qvt_rng_below(&rng, 8);
    for (size_t p = 0; p < parts; ++p) {
      if (qvt_rng_below(&rng, 3) == 0) {
        text[len++] = (char)(qvt_rng_next(&rng) & 0xFF);
      } else {
        const char* piece = pieces[qvt_rng_below(&rng, sizeof pieces / sizeof pieces[0])];
        memcpy(text + len, piece, strlen(piece));
        len += strlen(piece);
      }
    }
    expect_unit_length(e, text, len, "random bytes");
  }
  for (int d = 0; d < kSweepDimCount; ++d) qv_embedder_free(e[d]);
}

/* Through an index such a text is a document like any other. Cosine once
 * refused "'" with an INVALID_ARGUMENT that add_texts does not list; L2
 * stored a zero vector. */
static void test_punctuation_only_documents_are_added_and_found(void** state) {
  (void)state;
  static const char* const docs[] = {"'", "\xe2\x80\x99", "\xcc\x81", "\xef\xb8\x8f", "''''"};
  const qv_metric metrics[] = {QV_METRIC_COSINE, QV_METRIC_L2};
  for (int m = 0; m < 2; ++m) {
    qv_index* index = qvt_create_index(64, metrics[m], QV_INDEX_FLAT);
    assert_non_null(index);
    qv_embedder* e = make(64);
    assert_int_equal(qv_index_set_embedder(index, e), QV_OK);
    qv_embedder_free(e);
    for (uint64_t i = 0; i < sizeof docs / sizeof docs[0]; ++i) {
      qv_status s = qv_index_add_text(index, i, docs[i]);
      if (s != QV_OK)
        fail_msg("add_text(\"%s\"): %s %s", docs[i], qv_status_string(s), qv_last_error());
      float v[64];
      assert_int_equal(qv_index_get(index, QV_CHUNK_KEY(i, 0), v), QV_OK);
      assert_true(fabs(dot(v, v, 64) - 1.0) < 1e-5);
    }
    uint64_t found_key = 99;
    size_t found = 0;
    assert_int_equal(qv_index_search_text(index, "'", 1, NULL, &found_key, NULL, &found), QV_OK);
    assert_int_equal(found, 1);
    assert_int_equal(found_key, 0);
    qv_index_free(index);
  }
}

static void test_lengths_allow_embedded_nul_bytes(void** state) {
  (void)state;
  qv_embedder* e = make(DIM);
  float a[DIM], b[DIM], c[DIM];
  const char* t1[1] = {"alpha\0beta"};
  size_t len = 10;
  assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_DOCUMENT, 1, t1, &len, a), QV_OK);
  embed1(e, "alpha beta", b); /* NUL separates words like a space */
  embed1(e, "alpha", c);
  assert_memory_equal(a, b, sizeof a);
  assert_true(memcmp(a, c, sizeof a) != 0);
  qv_embedder_free(e);
}

/* A preview of text search: passages in an index, queries by keywords. */
static void test_queries_find_the_passage_about_their_subject(void** state) {
  (void)state;
  static const char* passages[] = {
      "The Amazon rainforest is the largest tropical rainforest, home to millions of species.",
      "Espresso is brewed by forcing hot water through finely ground coffee beans.",
      "The Great Wall of China stretches thousands of kilometres across northern China.",
      "Photosynthesis lets plants turn sunlight, water and carbon dioxide into glucose.",
      "A black hole is a region of spacetime where gravity prevents light from escaping.",
      "The violin is a string instrument played with a bow in orchestras.",
      "Marathon runners train for months to complete the 42 kilometre race.",
      "Volcanoes erupt when magma from the mantle rises through the crust.",
  };
  static const struct {
    const char* query;
    size_t expected;
  } queries[] = {
      {"tropical rainforest species", 0},
      {"how is espresso coffee brewed", 1},
      {"great wall china", 2},
      {"plants sunlight glucose", 3},
      {"black holes and gravity", 4},
      {"violins in the orchestra", 5},
      {"marathon race training", 6},
      {"volcano eruption magma", 7},
  };
  const size_t n = sizeof passages / sizeof passages[0];
  qv_embedder* e = make(DIM);
  qv_index* index = qvt_create_index(DIM, QV_METRIC_COSINE, QV_INDEX_FLAT);
  assert_non_null(index);
  float* vectors = malloc(n * DIM * sizeof(float));
  uint64_t keys[8];
  for (size_t i = 0; i < n; ++i) keys[i] = 100 + i;
  assert_int_equal(qv_embedder_embed(e, n, passages, vectors), QV_OK);
  assert_int_equal(qv_index_add_batch(index, n, keys, vectors), QV_OK);
  for (size_t q = 0; q < sizeof queries / sizeof queries[0]; ++q) {
    float qv[DIM];
    const char* texts[1] = {queries[q].query};
    assert_int_equal(qv_embedder_embed_ex(e, QV_EMBED_QUERY, 1, texts, NULL, qv), QV_OK);
    uint64_t found_keys[3];
    size_t found = 0;
    assert_int_equal(qv_index_search(index, qv, 3, NULL, found_keys, NULL, &found), QV_OK);
    assert_true(found >= 1);
    if (found_keys[0] != 100 + queries[q].expected)
      fail_msg("query \"%s\" found passage %d first, expected %zu", queries[q].query,
               (int)(found_keys[0] - 100), queries[q].expected);
  }
  free(vectors);
  qv_index_free(index);
  qv_embedder_free(e);
}

static void test_arguments_are_checked(void** state) {
  (void)state;
  qv_embedder* e = NULL;
  assert_int_equal(qv_embedder_create_hashing(0, &e), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "dim"));
  assert_int_equal(qv_embedder_create_hashing(QV_MAX_DIM + 1, &e), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_create_hashing(8, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_null(e);

  e = make(1); /* the smallest dimension: a sign */
  float v[1];
  embed1(e, "anything", v);
  assert_true(v[0] == 1.0f || v[0] == -1.0f);
  uint32_t dim = 0;
  assert_int_equal(qv_embedder_dim(e, &dim), QV_OK);
  assert_int_equal(dim, 1);
  assert_int_equal(qv_embedder_dim(NULL, &dim), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_dim(e, NULL), QV_ERR_INVALID_ARGUMENT);

  const char* texts[2] = {"ok", NULL};
  float out[2] = {7.0f, 7.0f};
  assert_int_equal(qv_embedder_embed(NULL, 1, texts, out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 1, NULL, out), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 1, texts, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_embedder_embed(e, 2, texts, out), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "texts[1]"));
  assert_true(out[0] == 7.0f && out[1] == 7.0f); /* untouched on failure */
  assert_int_equal(qv_embedder_embed(e, 0, NULL, NULL), QV_OK);
  assert_int_equal(qv_embedder_embed_ex(e, (qv_embed_task)9, 1, texts, NULL, out),
                   QV_ERR_INVALID_ARGUMENT);
  qv_embedder_free(e);
  qv_embedder_free(NULL);
}

struct worker_arg {
  qv_embedder* e;
  const char** texts;
  size_t n;
  const float* expected;
  int mismatches;
};

static void* worker(void* p) {
  struct worker_arg* a = p;
  float* out = malloc(a->n * 64 * sizeof(float));
  for (int round = 0; round < 20; ++round) {
    if (qv_embedder_embed(a->e, a->n, a->texts, out) != QV_OK ||
        memcmp(out, a->expected, a->n * 64 * sizeof(float)) != 0)
      a->mismatches++;
  }
  free(out);
  return NULL;
}

static void test_concurrent_embeds_agree_with_serial(void** state) {
  (void)state;
  enum { N = 40, T = 4 };
  char storage[N][64];
  const char* texts[N];
  for (int i = 0; i < N; ++i) {
    snprintf(storage[i], sizeof storage[i], "document %d about topic %d and more", i, i % 7);
    texts[i] = storage[i];
  }
  qv_embedder* e = make(64);
  float* expected = malloc(N * 64 * sizeof(float));
  assert_int_equal(qv_embedder_embed(e, N, texts, expected), QV_OK);
  pthread_t threads[T];
  struct worker_arg args[T];
  for (int t = 0; t < T; ++t) {
    args[t] = (struct worker_arg){e, texts, N, expected, 0};
    pthread_create(&threads[t], NULL, worker, &args[t]);
  }
  for (int t = 0; t < T; ++t) {
    pthread_join(threads[t], NULL);
    assert_int_equal(args[t].mismatches, 0);
  }
  free(expected);
  qv_embedder_free(e);
}

/* ThreadSanitizer runs this file for its threads (the concurrency label):
 * there the single-threaded sweeps, tens of thousands of embeddings and a
 * 16 MiB text, cost minutes and check nothing about threads; the Release
 * and ASan builds run them. */
#if defined(__SANITIZE_THREAD__)
#define QV_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QV_UNDER_TSAN 1
#endif
#endif

int main(void) {
#ifdef QV_UNDER_TSAN
  const struct CMUnitTest threads_only[] = {
      cmocka_unit_test(test_same_text_gives_identical_vectors),
      cmocka_unit_test(test_concurrent_embeds_agree_with_serial),
  };
  return cmocka_run_group_tests(threads_only, NULL, NULL);
#endif
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_text_gives_identical_vectors),
      cmocka_unit_test(test_golden_vector_is_stable_across_versions_and_platforms),
      cmocka_unit_test(test_vectors_have_unit_length),
      cmocka_unit_test(test_similar_texts_are_closer_than_unrelated_ones),
      cmocka_unit_test(test_case_accents_and_punctuation_are_folded),
      cmocka_unit_test(test_invalid_utf8_and_odd_input_never_fail),
      cmocka_unit_test(test_empty_and_blank_text_embed_to_zero),
      cmocka_unit_test(test_texts_with_features_never_embed_to_zero_at_tiny_dims),
      cmocka_unit_test(test_every_text_that_is_not_blank_has_unit_length),
      cmocka_unit_test(test_punctuation_only_documents_are_added_and_found),
      cmocka_unit_test(test_long_texts_keep_their_pinned_vectors),
      cmocka_unit_test(test_long_texts_embed_in_bounded_memory),
      cmocka_unit_test(test_lengths_allow_embedded_nul_bytes),
      cmocka_unit_test(test_queries_find_the_passage_about_their_subject),
      cmocka_unit_test(test_arguments_are_checked),
      cmocka_unit_test(test_concurrent_embeds_agree_with_serial),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
