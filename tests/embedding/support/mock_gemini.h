/*
 * A mock of the Gemini batchEmbedContents endpoint on 127.0.0.1 (an
 * ephemeral port), for the embedder tests: no test touches the internet.
 *
 * It checks every request's shape (POST, path, x-goog-api-key, JSON body:
 * model, content.parts[0].text, taskType, outputDimensionality) and records
 * it; the first violation is kept for the test to assert on. Answers follow
 * a script: replies pushed with qvt_mock_gemini_push are used one per
 * request, in order; when the script is empty it answers QVT_MOCK_OK.
 * Each connection runs on its own thread (keep-alive supported), so a slow
 * answer never blocks the next request.
 */
#ifndef QVT_MOCK_GEMINI_H
#define QVT_MOCK_GEMINI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qvt_mock_gemini qvt_mock_gemini;

typedef enum qvt_mock_reply {
  QVT_MOCK_OK = 0,      /* 200, one vector per text (qvt_mock_gemini_expected_vector) */
  QVT_MOCK_HTTP_ERROR,  /* `status` with `body` (and a Retry-After header if
                           retry_after_s > 0) */
  QVT_MOCK_MALFORMED,   /* 200 with a body that is not JSON */
  QVT_MOCK_WRONG_COUNT, /* 200 with one embedding too few */
  QVT_MOCK_WRONG_DIM,   /* 200 with the last vector one value short */
  QVT_MOCK_NON_NUMBER,  /* 200 with a string among the values */
  QVT_MOCK_SLOW,        /* waits delay_ms (or until stopped), then answers OK */
  QVT_MOCK_HANG_UP      /* closes the connection without answering */
} qvt_mock_reply;

/* Starts the server. expected_key: the API key requests must carry;
 * expected_model: the model (without "models/"). NULL on failure (printed). */
qvt_mock_gemini* qvt_mock_gemini_start(const char* expected_key, const char* expected_model);

/* "http://127.0.0.1:PORT", valid until stop. */
const char* qvt_mock_gemini_url(const qvt_mock_gemini* m);

/* Appends one reply to the script. body may be NULL (HTTP_ERROR: "{}"). */
void qvt_mock_gemini_push(qvt_mock_gemini* m, qvt_mock_reply reply, int status, const char* body,
                          int delay_ms, int retry_after_s);

/* Requests received so far (including malformed ones). */
size_t qvt_mock_gemini_requests(qvt_mock_gemini* m);

/* About request i (in arrival order): number of texts, text j (a copy the
 * caller frees), taskType and outputDimensionality (0 when absent). */
size_t qvt_mock_gemini_request_texts(qvt_mock_gemini* m, size_t i);
char* qvt_mock_gemini_request_text(qvt_mock_gemini* m, size_t i, size_t j);
int qvt_mock_gemini_request_is_query(qvt_mock_gemini* m, size_t i);
uint32_t qvt_mock_gemini_request_dim(qvt_mock_gemini* m, size_t i);

/* The first request-shape violation, "" if none. Valid until the next call. */
const char* qvt_mock_gemini_violation(qvt_mock_gemini* m);

/* Forgets recorded requests, the violation and any unused script. */
void qvt_mock_gemini_reset(qvt_mock_gemini* m);

/* Stops the server (waking slow replies) and frees it. NULL is fine. */
void qvt_mock_gemini_stop(qvt_mock_gemini* m);

/* The vector QVT_MOCK_OK answers for `text`, before any normalisation:
 * dim pseudo-random values in [-1, 1] derived from the text's bytes. */
void qvt_mock_gemini_expected_vector(const char* text, size_t length, uint32_t dim, float* out);

#ifdef __cplusplus
}
#endif

#endif /* QVT_MOCK_GEMINI_H */
