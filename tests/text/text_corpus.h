/*
 * The text corpus of examples/data/text for the text tests: passages.tsv
 * (subject TAB passage) and queries.tsv (subject TAB query), read into
 * memory. Plain C99; nothing here knows Quiver.
 */
#ifndef QVT_TEXT_CORPUS_H
#define QVT_TEXT_CORPUS_H

#include <stddef.h>

typedef struct qvt_tsv {
  size_t n;
  char** subject; /* n entries */
  char** text;    /* n entries */
} qvt_tsv;

/* Reads dir/name; returns 0 on success. Empty lines and lines starting with
 * '#' are skipped; a line without a TAB fails the read. */
int qvt_tsv_read(const char* dir, const char* name, qvt_tsv* out);
void qvt_tsv_free(qvt_tsv* t);

/* The corpus directory (compile-time QVT_TEXT_DATA_DIR). */
const char* qvt_text_data_dir(void);

#endif
