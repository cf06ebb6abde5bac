/* See storage_test_util.h. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include "storage_test_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "qv_test_support.h"

/* ---- files ------------------------------------------------------------ */

char* qvs_temp_dir(const char* tag) {
  const char* base = getenv("TMPDIR");
  char* templ;
  size_t len;
  if (!base || !*base) base = "/tmp";
  len = strlen(base) + strlen(tag) + 32;
  templ = (char*)malloc(len);
  if (!templ) abort();
  snprintf(templ, len, "%s/qv-%s-XXXXXX", base, tag);
  if (!mkdtemp(templ)) {
    perror("mkdtemp");
    abort();
  }
  return templ;
}

static int remove_entry(const char* path, const struct stat* sb, int flag, struct FTW* ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void qvs_remove_tree(char* dir) {
  if (!dir) return;
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

char* qvs_path(const char* dir, const char* name) { return qvt_path_join(dir, name); }

int qvs_write_file(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (!f) return -1;
  if (size && fwrite(data, 1, size, f) != size) {
    fclose(f);
    return -1;
  }
  return fclose(f) == 0 ? 0 : -1;
}

int qvs_copies_refused(const qv_index* index, const char* dir) {
  char* copy = qvs_path(dir, "copy.qv");
  char *vp = qvs_path(dir, "v.npy"), *kp = qvs_path(dir, "k.npy");
  int ok = 1;
  qv_status s = qv_index_save(index, copy);
  if (s != QV_ERR_CORRUPT || qvt_file_readable(copy)) {
    fprintf(stderr, "save of a damaged index: %s, file %s\n", qv_status_string(s),
            qvt_file_readable(copy) ? "written" : "not written");
    ok = 0;
  }
  s = qv_index_export_npy(index, vp, kp);
  if (s != QV_ERR_CORRUPT || qvt_file_readable(vp)) {
    fprintf(stderr, "export of a damaged index: %s, file %s\n", qv_status_string(s),
            qvt_file_readable(vp) ? "written" : "not written");
    ok = 0;
  }
  free(copy);
  free(vp);
  free(kp);
  return ok;
}

/* ---- layout ----------------------------------------------------------- */

uint32_t qvs_get_u32(const unsigned char* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t qvs_get_u64(const unsigned char* p) {
  return (uint64_t)qvs_get_u32(p) | ((uint64_t)qvs_get_u32(p + 4) << 32);
}

void qvs_put_u32(unsigned char* p, uint32_t v) {
  int i;
  for (i = 0; i < 4; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

void qvs_put_u64(unsigned char* p, uint64_t v) {
  qvs_put_u32(p, (uint32_t)v);
  qvs_put_u32(p + 4, (uint32_t)(v >> 32));
}

int qvs_sections(const unsigned char* file, size_t size, qvs_section* out, int max) {
  uint32_t count, i;
  if (size < QVS_HEAD_SIZE || qvs_get_u32(file + QVS_OFF_VERSION) < 1 ||
      qvs_get_u32(file + QVS_OFF_VERSION) > QVS_FORMAT_VERSION)
    return -1;
  count = qvs_get_u32(file + QVS_OFF_SECTION_COUNT);
  if (count > QVS_MAX_SECTIONS || (int)count > max) return -1;
  for (i = 0; i < count; ++i) {
    const unsigned char* e = file + QVS_FILE_HEADER_SIZE + 32u * i;
    const unsigned char* h;
    out[i].kind = qvs_get_u32(e);
    out[i].flags = qvs_get_u32(e + 4);
    out[i].header_offset = qvs_get_u64(e + 8);
    out[i].end_offset = qvs_get_u64(e + 16);
    if (out[i].header_offset + QVS_SECTION_HEADER_SIZE > size) return -1;
    h = file + out[i].header_offset;
    out[i].dim = qvs_get_u32(h + QVS_SOFF_DIM);
    out[i].element_size = qvs_get_u64(h + QVS_SOFF_ELEMENT_SIZE);
    out[i].count = qvs_get_u64(h + QVS_SOFF_COUNT);
    out[i].payload_offset = qvs_get_u64(h + 48);
    out[i].stored_size = qvs_get_u64(h + 56);
  }
  return (int)count;
}

const char* qvs_section_name(uint32_t kind) {
  switch (kind) {
    case QVS_INDEX_HEADER:
      return "index header";
    case QVS_HNSW_RECORDS:
      return "HNSW vectors and layer-0 links";
    case QVS_HNSW_METAS:
      return "HNSW node table";
    case QVS_HNSW_UPPER:
      return "HNSW upper-layer links";
    case QVS_FLAT_ROWS:
      return "flat vectors";
    case QVS_FLAT_NORMS:
      return "flat norms";
    case QVS_FLAT_KEYS:
      return "flat keys";
    case QVS_METADATA:
      return "metadata";
    case QVS_KEYWORD_INDEX:
      return "keyword index";
  }
  return "?";
}

void qvs_fix_head_checksum(unsigned char* file) {
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  XXH64_update(st, file, QVS_OFF_HEAD_CHECKSUM);
  XXH64_update(st, file + QVS_FILE_HEADER_SIZE, QVS_HEAD_SIZE - QVS_FILE_HEADER_SIZE);
  qvs_put_u64(file + QVS_OFF_HEAD_CHECKSUM, XXH64_digest(st));
  XXH64_freeState(st);
}

void qvs_fix_section_header_checksum(unsigned char* file, const qvs_section* s) {
  unsigned char* h = file + s->header_offset;
  qvs_put_u64(h + QVS_SOFF_HEADER_CHECKSUM, XXH64(h, QVS_SOFF_HEADER_CHECKSUM, 0));
}

void qvs_fix_payload_checksum(unsigned char* file, const qvs_section* s) {
  /* XXH64 of every 1 MiB block, then XXH64 of the block hashes (LE u64). */
  const size_t block = (size_t)1 << 20;
  size_t nblocks = (size_t)((s->stored_size + block - 1) / block), b;
  unsigned char* hashes = (unsigned char*)malloc(nblocks * 8 + 1);
  for (b = 0; b < nblocks; ++b) {
    size_t off = b * block;
    size_t len = (size_t)s->stored_size - off < block ? (size_t)s->stored_size - off : block;
    qvs_put_u64(hashes + 8 * b, XXH64(file + s->payload_offset + off, len, 0));
  }
  qvs_put_u64(file + s->header_offset + QVS_SOFF_PAYLOAD_CHECKSUM, XXH64(hashes, nblocks * 8, 0));
  free(hashes);
  qvs_fix_section_header_checksum(file, s);
}

/* ---- indexes ---------------------------------------------------------- */

uint64_t qvs_key(size_t i) { return 1000 + 3 * (uint64_t)i; }

qv_index* qvs_build_index(qv_index_kind kind, qv_metric metric, uint32_t dim, size_t n,
                          uint64_t seed, size_t remove_every, float** vectors_out) {
  qv_index_options o;
  qv_index* index = NULL;
  float* v = qvt_gaussian_vectors(n ? n : 1, dim, seed);
  uint64_t* keys = (uint64_t*)malloc((n ? n : 1) * sizeof *keys);
  size_t i;
  qv_index_options_init(&o);
  o.dim = dim;
  o.metric = metric;
  o.kind = kind;
  o.hnsw_m = 8;
  o.hnsw_ef_construction = 64;
  o.threads = 1;
  o.seed = seed;
  if (qv_index_create(&o, &index) != QV_OK) {
    fprintf(stderr, "qv_index_create: %s\n", qv_last_error());
    abort();
  }
  for (i = 0; i < n; ++i) keys[i] = qvs_key(i);
  if (n && qv_index_add_batch(index, n, keys, v) != QV_OK) {
    fprintf(stderr, "qv_index_add_batch: %s\n", qv_last_error());
    abort();
  }
  for (i = 0; i < n; i += 5) {
    char text[64];
    int len = snprintf(text, sizeof text, "key=%llu", (unsigned long long)keys[i]);
    if (qv_index_set_metadata(index, keys[i], text, (size_t)len) != QV_OK) {
      fprintf(stderr, "qv_index_set_metadata: %s\n", qv_last_error());
      abort();
    }
  }
  if (remove_every)
    for (i = 0; i < n; i += remove_every)
      if (qv_index_remove(index, keys[i]) != QV_OK) {
        fprintf(stderr, "qv_index_remove: %s\n", qv_last_error());
        abort();
      }
  free(keys);
  if (vectors_out)
    *vectors_out = v;
  else
    free(v);
  return index;
}

#define WHY(...)                          \
  do {                                    \
    snprintf(why, why_size, __VA_ARGS__); \
    goto done;                            \
  } while (0)

int qvs_compare_indexes(const qv_index* a, const qv_index* b, const float* queries, size_t nq,
                        size_t k, size_t probe_n, char* why, size_t why_size) {
  qv_index_info ia, ib;
  uint64_t *ka = (uint64_t*)malloc(nq * k * sizeof *ka),
           *kb = (uint64_t*)malloc(nq * k * sizeof *kb);
  float *da = (float*)malloc(nq * k * sizeof *da), *db = (float*)malloc(nq * k * sizeof *db);
  size_t *fa = (size_t*)malloc(nq * sizeof *fa), *fb = (size_t*)malloc(nq * sizeof *fb);
  float *va = NULL, *vb = NULL;
  size_t i;
  int result = 1;
  qv_status sa, sb;
  ia.struct_size = ib.struct_size = sizeof(qv_index_info);
  if (qv_index_get_info(a, &ia) != QV_OK || qv_index_get_info(b, &ib) != QV_OK)
    WHY("qv_index_get_info failed: %s", qv_last_error());
  if (ia.kind != ib.kind || ia.metric != ib.metric || ia.dim != ib.dim || ia.count != ib.count ||
      ia.deleted != ib.deleted || ia.metadata_count != ib.metadata_count ||
      ia.hnsw_m != ib.hnsw_m || ia.hnsw_ef_construction != ib.hnsw_ef_construction ||
      ia.hnsw_ef_search != ib.hnsw_ef_search || ia.seed != ib.seed)
    WHY("info differs: count %llu/%llu deleted %llu/%llu metadata %llu/%llu dim %u/%u",
        (unsigned long long)ia.count, (unsigned long long)ib.count, (unsigned long long)ia.deleted,
        (unsigned long long)ib.deleted, (unsigned long long)ia.metadata_count,
        (unsigned long long)ib.metadata_count, ia.dim, ib.dim);
  if (nq) {
    if (qv_index_search_batch(a, nq, queries, k, NULL, ka, da, fa) != QV_OK ||
        qv_index_search_batch(b, nq, queries, k, NULL, kb, db, fb) != QV_OK)
      WHY("search failed: %s", qv_last_error());
    for (i = 0; i < nq; ++i)
      if (fa[i] != fb[i]) WHY("query %zu: found %zu vs %zu", i, fa[i], fb[i]);
    if (memcmp(ka, kb, nq * k * sizeof *ka) != 0) WHY("search keys differ");
    if (memcmp(da, db, nq * k * sizeof *da) != 0) WHY("search distances differ");
  }
  va = (float*)malloc(ia.dim * sizeof *va);
  vb = (float*)malloc(ia.dim * sizeof *vb);
  for (i = 0; i < probe_n; ++i) {
    const void *ma = NULL, *mb = NULL;
    size_t la = 0, lb = 0;
    sa = qv_index_get(a, qvs_key(i), va);
    sb = qv_index_get(b, qvs_key(i), vb);
    if (sa != sb) WHY("get(%llu): %d vs %d", (unsigned long long)qvs_key(i), sa, sb);
    if (sa == QV_OK && memcmp(va, vb, ia.dim * sizeof *va) != 0)
      WHY("get(%llu): vectors differ", (unsigned long long)qvs_key(i));
    sa = qv_index_get_metadata(a, qvs_key(i), &ma, &la);
    sb = qv_index_get_metadata(b, qvs_key(i), &mb, &lb);
    if (sa != sb) WHY("metadata(%llu): %d vs %d", (unsigned long long)qvs_key(i), sa, sb);
    if (sa == QV_OK && (la != lb || memcmp(ma, mb, la) != 0))
      WHY("metadata(%llu) differs", (unsigned long long)qvs_key(i));
  }
  result = 0;
done:
  free(ka);
  free(kb);
  free(da);
  free(db);
  free(fa);
  free(fb);
  free(va);
  free(vb);
  return result;
}
