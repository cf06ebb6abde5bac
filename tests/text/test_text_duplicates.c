/*
 * Text search over a corpus full of one boilerplate passage (issue 11,
 * defect 1 through the text API): 300 short documents of their own, then
 * thousands of documents that are all the same paragraph, so thousands of
 * identical chunk vectors. Every document must still be found first by its
 * own text, before and after the boilerplate is removed (no compact).
 */
#define _POSIX_C_SOURCE 200809L
/* cmocka.h needs these four first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qv_test_support.h"

#define DIM 256
#define DOCS 300
#define BOILERPLATE_KEY0 100000u

static const char* kBoilerplate =
    "This page intentionally left blank. All rights reserved. No part of this publication may "
    "be reproduced without the written permission of the publisher.";

/* Twelve pseudo-random words from a vocabulary of 3000: distinct documents. */
static void make_document(size_t i, char* out, size_t size) {
  qvt_rng rng;
  size_t w, used = 0;
  qvt_rng_seed(&rng, 1000 + i);
  out[0] = '\0';
  for (w = 0; w < 12; ++w)
    used += (size_t)snprintf(out + used, size - used, "%sword%zu", w ? " " : "",
                             qvt_rng_below(&rng, 3000));
}

/* How many of the DOCS documents come first when searched by their own text. */
static size_t found_first_by_own_text(const qv_index* index) {
  char text[256];
  size_t i, first = 0;
  for (i = 0; i < DOCS; ++i) {
    uint64_t key = UINT64_MAX;
    float dist = 0;
    size_t found = 0;
    make_document(i, text, sizeof text);
    assert_int_equal(qv_index_search_text(index, text, 1, NULL, &key, &dist, &found), QV_OK);
    if (found == 1 && key == i) ++first;
  }
  return first;
}

static void own_text_finds_own_document(qv_index_kind kind) {
  const size_t copies = qvt_scaled(4000);
  qv_index* index = NULL;
  qv_embedder* emb = NULL;
  qv_index_options o;
  char text[256];
  size_t i, before, after;

  qv_index_options_init(&o);
  o.dim = DIM;
  o.metric = QV_METRIC_COSINE;
  o.kind = kind;
  o.threads = 1;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_embedder_create_hashing(DIM, &emb), QV_OK);
  assert_int_equal(qv_index_set_embedder(index, emb), QV_OK);
  qv_embedder_free(emb);

  for (i = 0; i < DOCS; ++i) {
    make_document(i, text, sizeof text);
    assert_int_equal(qv_index_add_text(index, i, text), QV_OK);
  }
  for (i = 0; i < copies; ++i)
    assert_int_equal(qv_index_add_text(index, BOILERPLATE_KEY0 + i, kBoilerplate), QV_OK);
  before = found_first_by_own_text(index);

  for (i = 0; i < copies; ++i)
    assert_int_equal(qv_index_remove_text(index, BOILERPLATE_KEY0 + i), QV_OK);
  after = found_first_by_own_text(index);
  printf("  kind %d, %zu boilerplate chunks: %zu of %d found first, %zu after removing them\n",
         (int)kind, copies, before, DOCS, after);
  assert_int_equal(before, DOCS);
  assert_int_equal(after, DOCS);
  qv_index_free(index);
}

static void test_hnsw_documents_outrank_boilerplate_copies(void** state) {
  (void)state;
  own_text_finds_own_document(QV_INDEX_HNSW);
}

static void test_flat_documents_outrank_boilerplate_copies(void** state) {
  (void)state;
  own_text_finds_own_document(QV_INDEX_FLAT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hnsw_documents_outrank_boilerplate_copies),
      cmocka_unit_test(test_flat_documents_outrank_boilerplate_copies),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
