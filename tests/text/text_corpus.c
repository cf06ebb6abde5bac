#include "text_corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* dup_range(const char* b, size_t n) {
  char* s = malloc(n + 1);
  if (!s) abort();
  memcpy(s, b, n);
  s[n] = '\0';
  return s;
}

int qvt_tsv_read(const char* dir, const char* name, qvt_tsv* out) {
  char path[4096];
  FILE* f;
  char line[8192];
  size_t cap = 0;
  memset(out, 0, sizeof *out);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "rb");
  if (!f) return -1;
  while (fgets(line, sizeof line, f)) {
    size_t len = strcspn(line, "\r\n");
    char* tab;
    line[len] = '\0';
    if (len == 0 || line[0] == '#') continue;
    tab = strchr(line, '\t');
    if (!tab) {
      fclose(f);
      qvt_tsv_free(out);
      return -1;
    }
    if (out->n == cap) {
      cap = cap ? cap * 2 : 64;
      out->subject = realloc(out->subject, cap * sizeof(char*));
      out->text = realloc(out->text, cap * sizeof(char*));
      if (!out->subject || !out->text) abort();
    }
    out->subject[out->n] = dup_range(line, (size_t)(tab - line));
    out->text[out->n] = dup_range(tab + 1, strlen(tab + 1));
    out->n++;
  }
  fclose(f);
  return 0;
}

void qvt_tsv_free(qvt_tsv* t) {
  size_t i;
  for (i = 0; i < t->n; ++i) {
    free(t->subject[i]);
    free(t->text[i]);
  }
  free(t->subject);
  free(t->text);
  memset(t, 0, sizeof *t);
}

const char* qvt_text_data_dir(void) { return QVT_TEXT_DATA_DIR; }
