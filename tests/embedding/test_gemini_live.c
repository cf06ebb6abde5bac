/*
 * The real Gemini API, only when GEMINI_API_KEY is set (it is skipped, and
 * says so, otherwise; CI never sets it). Checks what a mock cannot: that the
 * live service accepts our requests and that its vectors carry meaning a
 * lexical embedder cannot see (synonyms).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "qv_test_support.h"

#define DIM 256

static double dot(const float* a, const float* b) {
  double d = 0;
  for (int i = 0; i < DIM; ++i) d += (double)a[i] * b[i];
  return d;
}

static void test_live_gemini_embeds_meaning(void** state) {
  (void)state;
  qv_gemini_options o;
  qv_gemini_options_init(&o); /* key and base URL from the environment */
  o.output_dim = DIM;
  o.max_retries = 3;
  qv_embedder* e = NULL;
  qv_status s = qv_embedder_create_gemini(&o, &e);
  if (s != QV_OK) fail_msg("create: %s", qv_last_error());
  const char* docs[3] = {"The automobile would not start this morning.",
                         "My car broke down on the way to work.",
                         "Quarterly revenue grew by eight percent."};
  float d[3 * DIM], q[DIM];
  s = qv_embedder_embed(e, 3, docs, d);
  if (s != QV_OK) fail_msg("embed: %s %s", qv_status_string(s), qv_last_error());
  for (int i = 0; i < 3; ++i) assert_true(fabs(dot(d + i * DIM, d + i * DIM) - 1.0) < 1e-3);
  assert_true(dot(d, d + DIM) > dot(d, d + 2 * DIM));
  const char* query[1] = {"vehicle trouble"};
  s = qv_embedder_embed_ex(e, QV_EMBED_QUERY, 1, query, NULL, q);
  if (s != QV_OK) fail_msg("embed query: %s %s", qv_status_string(s), qv_last_error());
  assert_true(dot(q, d + DIM) > dot(q, d + 2 * DIM));
  qv_embedder_free(e);
}

int main(void) {
  const char* key = getenv("GEMINI_API_KEY");
  if (!key || !key[0]) {
    /* 77: CTest's SKIP_RETURN_CODE, so the run lists it as skipped, not passed. */
    printf("SKIPPED: GEMINI_API_KEY is not set, so the live Gemini API test did not run.\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_live_gemini_embeds_meaning),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
