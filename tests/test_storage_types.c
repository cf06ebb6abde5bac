/* Compact storage (QV_STORAGE_F16 / I8 / B1) through the public API: recall
 * against brute force on float32, exact distances after re-ranking, get,
 * keep_originals = 0, save / load / mmap round trips, memory, errors, and
 * option structs of Quiver 0.1's size (issue 12). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>
#include <math.h>
#include <quiver/quiver.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qv_test_support.h"

#define DIM 96
#define N 3000
#define NQ 60
#define K 10

typedef struct data {
  float* base;
  float* queries;
  uint64_t* keys;
} data;

static data make_data(uint64_t seed) {
  data d;
  size_t i;
  qvt_mixture_split(N, NQ, DIM, 30, 0.35, seed, &d.base, &d.queries);
  d.keys = malloc(N * sizeof(uint64_t));
  assert_non_null(d.keys);
  for (i = 0; i < N; ++i) d.keys[i] = 5000 + 7 * (uint64_t)i;
  return d;
}

static void free_data(data* d) {
  free(d->base);
  free(d->queries);
  free(d->keys);
}

static qv_index* build_kind(const data* d, qv_index_kind kind, qv_metric metric, qv_storage storage,
                            uint32_t keep) {
  qv_index_options o;
  qv_index* index = NULL;
  qv_index_options_init(&o);
  o.kind = kind;
  o.dim = DIM;
  o.metric = metric;
  o.storage = storage;
  o.keep_originals = keep;
  o.hnsw_m = 12;
  o.hnsw_ef_construction = 100;
  o.threads = 2;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_index_add_batch(index, N, d->keys, d->base), QV_OK);
  return index;
}

/* Searches every query at `ef` (and `rerank`); returns recall@K against
 * float32 brute force. With `exact`, every distance returned must be the
 * float32 distance of its key (re-ranked on the originals). */
static double recall_of(const qv_index* index, const data* d, qv_metric metric, uint32_t ef,
                        size_t rerank, int exact) {
  uint64_t got[NQ * K], truth[NQ * K];
  float dist[NQ * K];
  size_t found[NQ];
  size_t q, j;
  qv_search_params p;
  qv_search_params_init(&p);
  p.ef = ef;
  p.rerank = rerank;
  assert_int_equal(qv_index_search_batch(index, NQ, d->queries, K, &p, got, dist, found), QV_OK);
  qvt_brute_force_batch(metric, d->base, d->keys, NULL, N, DIM, d->queries, NQ, K, NULL, NULL,
                        truth, NULL, NULL);
  for (q = 0; q < NQ && exact; ++q) {
    assert_int_equal(found[q], K);
    for (j = 0; j < K; ++j) {
      const size_t row = (size_t)(got[q * K + j] - 5000) / 7;
      const double want = qvt_distance(metric, d->queries + q * DIM, d->base + row * DIM, DIM);
      if (fabs(want - dist[q * K + j]) > 1e-3 * (1.0 + fabs(want))) {
        fail_msg("query %zu hit %zu (key %llu): distance %.6f, float32 distance %.6f", q, j,
                 (unsigned long long)got[q * K + j], dist[q * K + j], want);
      }
      if (j > 0) assert_true(dist[q * K + j - 1] <= dist[q * K + j]);
    }
  }
  return qvt_recall(NQ, K, got, K, found, truth, K, NULL);
}

static qv_index* build(const data* d, qv_metric metric, qv_storage storage, uint32_t keep) {
  return build_kind(d, QV_INDEX_HNSW, metric, storage, keep);
}

/* Both kinds: HNSW at ef 200, FLAT with its default re-ranking (4 k). */
static void check_storage(qv_storage storage, qv_metric metric, double min_recall) {
  data d = make_data(11 + (uint64_t)storage * 3 + (uint64_t)metric);
  int kind;
  for (kind = QV_INDEX_FLAT; kind <= QV_INDEX_HNSW; ++kind) {
    qv_index* index = build_kind(&d, (qv_index_kind)kind, metric, storage, 1);
    const int lossy = storage == QV_STORAGE_I8 || storage == QV_STORAGE_B1;
    const double recall = recall_of(index, &d, metric, 200, 0, lossy || storage == QV_STORAGE_F32);
    fprintf(stderr, "kind %d storage %d metric %d recall %.3f\n", kind, (int)storage, (int)metric,
            recall);
    if (recall < min_recall)
      fail_msg("kind %d storage %d metric %d: recall@10 %.3f < %.3f", kind, (int)storage,
               (int)metric, recall, min_recall);
    qv_index_free(index);
  }
  free_data(&d);
}

static void test_f16_recall(void** state) {
  (void)state;
  check_storage(QV_STORAGE_F16, QV_METRIC_L2, 0.97);
  check_storage(QV_STORAGE_F16, QV_METRIC_IP, 0.97);
  check_storage(QV_STORAGE_F16, QV_METRIC_COSINE, 0.97);
}

static void test_i8_recall_with_exact_rerank(void** state) {
  (void)state;
  check_storage(QV_STORAGE_I8, QV_METRIC_L2, 0.97);
  check_storage(QV_STORAGE_I8, QV_METRIC_IP, 0.97);
  check_storage(QV_STORAGE_I8, QV_METRIC_COSINE, 0.97);
}

static void test_b1_recall_with_exact_rerank(void** state) {
  (void)state;
  check_storage(QV_STORAGE_B1, QV_METRIC_COSINE, 0.95);
  check_storage(QV_STORAGE_B1, QV_METRIC_IP, 0.95);
}

/* rerank = k re-ranks fewer candidates than the default (all ef): never
 * better, and distances are still exact. */
static void test_rerank_parameter(void** state) {
  data d = make_data(5);
  qv_index* index = build(&d, QV_METRIC_COSINE, QV_STORAGE_B1, 1);
  const double all = recall_of(index, &d, QV_METRIC_COSINE, 200, 0, 1);
  const double few = recall_of(index, &d, QV_METRIC_COSINE, 200, K, 1);
  (void)state;
  assert_true(few <= all + 1e-9);
  assert_true(all - few > 0.05); /* ranking on bits alone loses neighbours */
  qv_index_free(index);
  free_data(&d);
}

static void test_get_returns_originals_or_codes(void** state) {
  data d = make_data(7);
  float v[DIM];
  size_t i;
  double err = 0.0, scale = 0.0;
  qv_index* kept = build(&d, QV_METRIC_L2, QV_STORAGE_I8, 1);
  qv_index* codes = build(&d, QV_METRIC_L2, QV_STORAGE_I8, 0);
  qv_index* half = build(&d, QV_METRIC_L2, QV_STORAGE_F16, 1);
  (void)state;
  assert_int_equal(qv_index_get(kept, d.keys[17], v), QV_OK);
  assert_memory_equal(v, d.base + 17 * DIM, sizeof v);
  assert_int_equal(qv_index_get(codes, d.keys[17], v), QV_OK);
  for (i = 0; i < DIM; ++i) {
    err = fmax(err, fabs(v[i] - d.base[17 * DIM + i]));
    scale = fmax(scale, fabs(d.base[17 * DIM + i]));
  }
  assert_true(err > 0.0);                     /* decoded, not the original */
  assert_true(err <= scale / 127.0 * 0.5001); /* within half a quantization step */
  assert_int_equal(qv_index_get(half, d.keys[17], v), QV_OK);
  for (i = 0; i < DIM; ++i)
    assert_true(fabs(v[i] - d.base[17 * DIM + i]) <= fabs(d.base[17 * DIM + i]) / 1024.0);
  qv_index_free(kept);
  qv_index_free(codes);
  qv_index_free(half);
  free_data(&d);
}

/* Codes only: distances are the codes' estimates, near but not exact. */
static void test_codes_only_distances_are_estimates(void** state) {
  data d = make_data(9);
  qv_index* index = build(&d, QV_METRIC_L2, QV_STORAGE_I8, 0);
  uint64_t keys[K];
  float dist[K];
  size_t found = 0, j;
  (void)state;
  assert_int_equal(qv_index_search(index, d.queries, K, NULL, keys, dist, &found), QV_OK);
  assert_int_equal(found, K);
  for (j = 0; j < K; ++j) {
    const size_t row = (size_t)(keys[j] - 5000) / 7;
    const double want = qvt_distance(QV_METRIC_L2, d.queries, d.base + row * DIM, DIM);
    assert_true(fabs(want - dist[j]) <= 0.05 * want + 1e-3);
  }
  assert_true(recall_of(index, &d, QV_METRIC_L2, 200, 0, 0) >= 0.9);
  qv_index_free(index);
  free_data(&d);
}

static void check_info(const qv_index* index, qv_storage storage, int originals) {
  qv_index_info info;
  qv_index_info_init(&info);
  assert_int_equal(qv_index_get_info(index, &info), QV_OK);
  assert_int_equal(info.storage, storage);
  assert_int_equal(info.keeps_originals, originals);
}

static void test_save_load_mmap_round_trip(void** state) {
  static const qv_storage types[] = {QV_STORAGE_F16, QV_STORAGE_I8, QV_STORAGE_B1};
  data d = make_data(13);
  size_t t;
  char dir[] = "/tmp/qv_storage_types_XXXXXX";
  (void)state;
  assert_non_null(mkdtemp(dir));
  for (t = 0; t < 6; ++t) {
    const qv_index_kind kind = t < 3 ? QV_INDEX_HNSW : QV_INDEX_FLAT;
    const int lossy = types[t % 3] != QV_STORAGE_F16;
    qv_index* built = build_kind(&d, kind, QV_METRIC_COSINE, types[t % 3], 1);
    char* path = qvt_path_join(dir, "index.qv");
    qv_index *loaded = NULL, *mapped = NULL;
    uint64_t a[NQ * K], b[NQ * K];
    float da[NQ * K], db[NQ * K];
    size_t fa[NQ], fb[NQ], built_bytes = 0, mapped_bytes = 0;
    int m;
    assert_int_equal(qv_index_save(built, path), QV_OK);
    assert_int_equal(qv_index_open(path, QV_OPEN_LOAD, &loaded), QV_OK);
    assert_int_equal(qv_index_open(path, QV_OPEN_MMAP, &mapped), QV_OK);
    check_info(loaded, types[t % 3], lossy);
    check_info(mapped, types[t % 3], lossy);
    assert_int_equal(qv_index_verify(mapped), QV_OK);
    assert_int_equal(qv_index_search_batch(built, NQ, d.queries, K, NULL, a, da, fa), QV_OK);
    for (m = 0; m < 2; ++m) {
      const qv_index* other = m == 0 ? loaded : mapped;
      assert_int_equal(qv_index_search_batch(other, NQ, d.queries, K, NULL, b, db, fb), QV_OK);
      assert_memory_equal(a, b, sizeof a);
      assert_memory_equal(da, db, sizeof da);
    }
    assert_int_equal(qv_index_memory_bytes(built, &built_bytes), QV_OK);
    assert_int_equal(qv_index_memory_bytes(mapped, &mapped_bytes), QV_OK);
    /* Mapped pages are not heap: a mapped index holds a small part. */
    assert_true(mapped_bytes * 4 < built_bytes);
    qv_index_free(built);
    qv_index_free(loaded);
    qv_index_free(mapped);
    unlink(path);
    free(path);
  }
  rmdir(dir);
  free_data(&d);
}

/* Codes take less memory than float32, in the order the types promise. */
static void test_memory_follows_storage(void** state) {
  static const qv_storage types[] = {QV_STORAGE_F32, QV_STORAGE_F16, QV_STORAGE_I8, QV_STORAGE_B1};
  data d = make_data(17);
  size_t bytes[4], codes_only[4], t;
  (void)state;
  for (t = 0; t < 4; ++t) {
    qv_index* index = build(&d, QV_METRIC_COSINE, types[t], 0);
    assert_int_equal(qv_index_memory_bytes(index, &codes_only[t]), QV_OK);
    qv_index_free(index);
    index = build(&d, QV_METRIC_COSINE, types[t], 1);
    assert_int_equal(qv_index_memory_bytes(index, &bytes[t]), QV_OK);
    qv_index_free(index);
  }
  /* At least the vectors: N x DIM x 4 bytes of float32. */
  assert_true(bytes[0] >= (size_t)N * DIM * 4);
  assert_true(codes_only[1] < codes_only[0]);
  assert_true(codes_only[2] < codes_only[1]);
  assert_true(codes_only[3] < codes_only[2]);
  /* Originals kept cost their float32 bytes on top of the codes. */
  assert_true(bytes[2] >= codes_only[2] + (size_t)N * DIM * 4);
  free_data(&d);
}

static void test_compact_keeps_storage(void** state) {
  data d = make_data(19);
  qv_index* index = build(&d, QV_METRIC_L2, QV_STORAGE_I8, 1);
  size_t i;
  (void)state;
  for (i = 0; i < N; i += 3) assert_int_equal(qv_index_remove(index, d.keys[i]), QV_OK);
  assert_int_equal(qv_index_compact(index), QV_OK);
  check_info(index, QV_STORAGE_I8, 1);
  {
    float v[DIM];
    assert_int_equal(qv_index_get(index, d.keys[1], v), QV_OK);
    assert_memory_equal(v, d.base + DIM, sizeof v);
  }
  qv_index_free(index);
  free_data(&d);
}

static void expect_create(qv_index_options* o, qv_status want, const char* needle) {
  qv_index* index = NULL;
  assert_int_equal(qv_index_create(o, &index), want);
  assert_null(index);
  if (!qvt_contains(qv_last_error(), needle))
    fail_msg("message \"%s\" does not name \"%s\"", qv_last_error(), needle);
}

static void test_storage_errors(void** state) {
  qv_index_options o;
  qv_index* index = NULL;
  float big[4] = {1.0f, 70000.0f, 0.0f, 0.0f}, fine[4] = {1, 2, 3, 4};
  uint64_t keys[2] = {1, 2};
  float both[8];
  size_t count = 9;
  (void)state;
  qv_index_options_init(&o);
  o.dim = 4;
  o.storage = QV_STORAGE_B1;
  o.metric = QV_METRIC_L2;
  expect_create(&o, QV_ERR_INVALID_ARGUMENT, "B1 storage keeps only the signs");
  o.metric = QV_METRIC_COSINE;
  o.storage = (qv_storage)9;
  expect_create(&o, QV_ERR_INVALID_ARGUMENT, "storage 9 is unknown");
  o.storage = QV_STORAGE_I8;
  o.keep_originals = 2;
  expect_create(&o, QV_ERR_INVALID_ARGUMENT, "keep_originals");

  /* F16 under L2 refuses what half precision cannot hold, batch included
   * (all or nothing). */
  qv_index_options_init(&o);
  o.dim = 4;
  o.storage = QV_STORAGE_F16;
  assert_int_equal(qv_index_create(&o, &index), QV_OK);
  assert_int_equal(qv_index_add(index, 1, big), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "65504"));
  memcpy(both, fine, sizeof fine);
  memcpy(both + 4, big, sizeof big);
  assert_int_equal(qv_index_add_batch(index, 2, keys, both), QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "vector 1"));
  assert_int_equal(qv_index_count(index, &count), QV_OK);
  assert_int_equal(count, 0);
  assert_int_equal(qv_index_add(index, 1, fine), QV_OK);
  assert_int_equal(qv_index_memory_bytes(index, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_memory_bytes(NULL, &count), QV_ERR_INVALID_ARGUMENT);
  qv_index_free(index);
}

/* What a program built against the 0.1 header passes: the structs as they
 * were, tail padding left as garbage. */
typedef struct options_v1 {
  uint32_t struct_size;
  uint32_t dim;
  qv_metric metric;
  qv_index_kind kind;
  uint32_t hnsw_m;
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  uint32_t threads;
} options_v1;

typedef struct search_params_v1 {
  uint32_t struct_size;
  uint32_t ef;
  int (*filter)(uint64_t key, void* user);
  void* filter_user;
  uint32_t threads;
} search_params_v1;

typedef struct info_v1 {
  uint32_t struct_size;
  qv_index_kind kind;
  qv_metric metric;
  uint32_t dim;
  uint64_t count;
  uint64_t deleted;
  uint64_t metadata_count;
  uint32_t hnsw_m;
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  int read_only;
} info_v1;

static void test_structs_of_version_0_1(void** state) {
  options_v1 o;
  search_params_v1 p;
  struct {
    info_v1 info;
    unsigned char after[16];
  } guarded;
  qv_index* index = NULL;
  float v[4] = {1, 2, 3, 4};
  uint64_t key = 0;
  size_t found = 0, i;
  (void)state;
  assert_int_equal(sizeof(options_v1), 48);
  assert_int_equal(sizeof(search_params_v1), 32);
  assert_int_equal(sizeof(info_v1), 72);
  memset(&o, 0xAB, sizeof o); /* padding as garbage */
  o.struct_size = sizeof o;
  o.dim = 4;
  o.metric = QV_METRIC_L2;
  o.kind = QV_INDEX_HNSW;
  o.hnsw_m = 16;
  o.hnsw_ef_construction = 200;
  o.hnsw_ef_search = 64;
  o.seed = 42;
  o.threads = 0;
  assert_int_equal(qv_index_create((const qv_index_options*)(const void*)&o, &index), QV_OK);
  assert_int_equal(qv_index_add(index, 3, v), QV_OK);
  memset(&p, 0xCD, sizeof p);
  p.struct_size = sizeof p;
  p.ef = 0;
  p.filter = NULL;
  p.filter_user = NULL;
  p.threads = 0;
  assert_int_equal(
      qv_index_search(index, v, 1, (const qv_search_params*)(const void*)&p, &key, NULL, &found),
      QV_OK);
  assert_int_equal(found, 1);
  assert_int_equal(key, 3);
  memset(&guarded, 0xEE, sizeof guarded);
  guarded.info.struct_size = sizeof(info_v1);
  assert_int_equal(qv_index_get_info(index, (qv_index_info*)(void*)&guarded.info), QV_OK);
  assert_int_equal(guarded.info.dim, 4);
  assert_int_equal(guarded.info.count, 1);
  assert_int_equal(guarded.info.kind, QV_INDEX_HNSW);
  for (i = 0; i < sizeof guarded.after; ++i) assert_int_equal(guarded.after[i], 0xEE);
  {
    qv_index_info now;
    qv_index_info_init(&now);
    assert_int_equal(qv_index_get_info(index, &now), QV_OK);
    assert_int_equal(now.storage, QV_STORAGE_F32);
  }
  /* A size no release had is still refused. */
  o.struct_size = 44;
  assert_int_equal(qv_index_create((const qv_index_options*)(const void*)&o, &index),
                   QV_ERR_INVALID_ARGUMENT);
  assert_true(qvt_contains(qv_last_error(), "struct_size is 44"));
  qv_index_free(index);
}

/* The 0.1 symbols, which the header now hides behind macros: what a
 * program built against the 0.1 header calls. */
void(qv_index_options_init)(qv_index_options* opts);
void(qv_search_params_init)(qv_search_params* params);
void(qv_index_info_init)(qv_index_info* info);

/* _init of a 0.1 program, and _init_sized with 0.1's sizes, write no byte
 * past the 0.1 struct, and what they write creates an f32 index. */
static void test_init_writes_only_the_callers_size(void** state) {
  struct {
    options_v1 o;
    unsigned char after[32];
  } g;
  struct {
    search_params_v1 p;
    unsigned char after[32];
  } gp;
  struct {
    info_v1 i;
    unsigned char after[32];
  } gi;
  qv_index* index = NULL;
  size_t i;
  int pass;
  (void)state;
  for (pass = 0; pass < 2; ++pass) {
    memset(&g, 0xEE, sizeof g);
    memset(&gp, 0xEE, sizeof gp);
    memset(&gi, 0xEE, sizeof gi);
    if (pass == 0) {
      (qv_index_options_init)((qv_index_options*)(void*)&g.o);
      (qv_search_params_init)((qv_search_params*)(void*)&gp.p);
      (qv_index_info_init)((qv_index_info*)(void*)&gi.i);
    } else {
      qv_index_options_init_sized((qv_index_options*)(void*)&g.o, sizeof g.o);
      qv_search_params_init_sized((qv_search_params*)(void*)&gp.p, sizeof gp.p);
      qv_index_info_init_sized((qv_index_info*)(void*)&gi.i, sizeof gi.i);
    }
    for (i = 0; i < sizeof g.after; ++i) {
      assert_int_equal(g.after[i], 0xEE);
      assert_int_equal(gp.after[i], 0xEE);
      assert_int_equal(gi.after[i], 0xEE);
    }
    assert_int_equal(g.o.struct_size, 48);
    assert_int_equal(g.o.hnsw_m, 16);
    assert_int_equal(g.o.seed, 42);
    assert_int_equal(gp.p.struct_size, 32);
    assert_int_equal(gi.i.struct_size, 72);
    g.o.dim = 4;
    assert_int_equal(qv_index_create((const qv_index_options*)(const void*)&g.o, &index), QV_OK);
    check_info(index, QV_STORAGE_F32, 0);
    qv_index_free(index);
    index = NULL;
  }
  {
    /* A zeroed struct of this header's size: storage 0 is the default. */
    qv_index_options z;
    memset(&z, 0, sizeof z);
    z.struct_size = sizeof z;
    z.dim = 3;
    z.metric = QV_METRIC_L2;
    z.kind = QV_INDEX_FLAT;
    assert_int_equal(qv_index_create(&z, &index), QV_OK);
    check_info(index, QV_STORAGE_F32, 0);
    qv_index_free(index);
  }
}

/* The enums' short names, the one list the CLI and bindings use. */
static void test_enum_names(void** state) {
  static const int unknown[] = {0, 5, -1, 1 << 30};
  size_t i;
  (void)state;
  assert_string_equal(qv_metric_name(QV_METRIC_L2), "l2");
  assert_string_equal(qv_metric_name(QV_METRIC_IP), "ip");
  assert_string_equal(qv_metric_name(QV_METRIC_COSINE), "cosine");
  assert_string_equal(qv_index_kind_name(QV_INDEX_FLAT), "flat");
  assert_string_equal(qv_index_kind_name(QV_INDEX_HNSW), "hnsw");
  assert_string_equal(qv_storage_name(QV_STORAGE_F32), "f32");
  assert_string_equal(qv_storage_name(QV_STORAGE_F16), "f16");
  assert_string_equal(qv_storage_name(QV_STORAGE_I8), "i8");
  assert_string_equal(qv_storage_name(QV_STORAGE_B1), "b1");
  for (i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    assert_null(qv_metric_name((qv_metric)unknown[i]));
    assert_null(qv_storage_name((qv_storage)unknown[i]));
    assert_null(qv_index_kind_name((qv_index_kind)unknown[i]));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f16_recall),
      cmocka_unit_test(test_i8_recall_with_exact_rerank),
      cmocka_unit_test(test_b1_recall_with_exact_rerank),
      cmocka_unit_test(test_rerank_parameter),
      cmocka_unit_test(test_get_returns_originals_or_codes),
      cmocka_unit_test(test_codes_only_distances_are_estimates),
      cmocka_unit_test(test_save_load_mmap_round_trip),
      cmocka_unit_test(test_memory_follows_storage),
      cmocka_unit_test(test_compact_keeps_storage),
      cmocka_unit_test(test_storage_errors),
      cmocka_unit_test(test_structs_of_version_0_1),
      cmocka_unit_test(test_init_writes_only_the_callers_size),
      cmocka_unit_test(test_enum_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
