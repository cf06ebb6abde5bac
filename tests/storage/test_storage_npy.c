/* .npy interop: export -> import gives identical vectors and keys; numpy
 * (Debian's python3-numpy through /usr/bin/python3) reads our export
 * unchanged and we read what numpy writes (float32/float64/float16, C and
 * Fortran order, header versions 1.0/2.0/3.0); bad files get clear errors and
 * add nothing. The numpy tests skip, saying why, when numpy is missing. */
#define _DEFAULT_SOURCE

/* cmocka needs these four first, in this order. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quiver/quiver.h>

#include "qv_test_support.h"
#include "storage_test_util.h"

#ifndef QVS_PYTHON
#define QVS_PYTHON "/usr/bin/python3"
#endif

#define DIM 12

static size_t live_count(const qv_index* index) {
  size_t n = 0;
  assert_int_equal(qv_index_count(index, &n), QV_OK);
  return n;
}

/* Export -> import into an empty index of the same options -> every key
 * holds the same vector, bit for bit (L2 and IP keep vectors as given). */
static void test_export_import_round_trip(void** state) {
  char* dir = qvs_temp_dir("npy");
  char *vp = qvs_path(dir, "v.npy"), *kp = qvs_path(dir, "k.npy");
  qv_index_kind kinds[2] = {QV_INDEX_FLAT, QV_INDEX_HNSW};
  size_t k;
  (void)state;
  for (k = 0; k < 2; ++k) {
    float* vectors;
    qv_index* src = qvs_build_index(kinds[k], QV_METRIC_IP, DIM, 500, 4, 6, &vectors);
    qv_index* dst = qvt_create_index(DIM, QV_METRIC_IP, kinds[k]);
    float a[DIM], b[DIM];
    size_t i;
    assert_int_equal(qv_index_export_npy(src, vp, kp), QV_OK);
    assert_int_equal(qv_index_import_npy(dst, vp, kp), QV_OK);
    assert_int_equal(live_count(dst), live_count(src));
    for (i = 0; i < 500; ++i) {
      qv_status s = qv_index_get(src, qvs_key(i), a);
      assert_int_equal(qv_index_get(dst, qvs_key(i), b), s);
      if (s == QV_OK) {
        assert_memory_equal(a, b, sizeof a);
        assert_memory_equal(a, vectors + i * DIM, sizeof a);
      }
    }
    /* Importing the same keys again is refused as a whole. */
    assert_int_equal(qv_index_import_npy(dst, vp, kp), QV_ERR_DUPLICATE_KEY);
    assert_int_equal(live_count(dst), live_count(src));
    qv_index_free(src);
    qv_index_free(dst);
    free(vectors);
  }
  free(vp);
  free(kp);
  qvs_remove_tree(dir);
}

static void test_import_without_keys_numbers_rows(void** state) {
  char* dir = qvs_temp_dir("npy");
  char *vp = qvs_path(dir, "v.npy"), *kp = qvs_path(dir, "k.npy");
  qv_index* src = qvs_build_index(QV_INDEX_FLAT, QV_METRIC_L2, DIM, 50, 1, 0, NULL);
  qv_index* dst = qvt_create_index(DIM, QV_METRIC_L2, QV_INDEX_FLAT);
  float a[DIM], b[DIM];
  (void)state;
  assert_int_equal(qv_index_export_npy(src, vp, kp), QV_OK);
  assert_int_equal(qv_index_import_npy(dst, vp, NULL), QV_OK);
  assert_int_equal(live_count(dst), 50);
  assert_int_equal(qv_index_get(dst, 49, a), QV_OK);
  assert_int_equal(qv_index_get(src, qvs_key(49), b), QV_OK);
  assert_memory_equal(a, b, sizeof a);
  assert_int_equal(qv_index_get(dst, 50, a), QV_ERR_NOT_FOUND);
  qv_index_free(src);
  qv_index_free(dst);
  free(vp);
  free(kp);
  qvs_remove_tree(dir);
}

/* Hand-written .npy files. */
static void write_npy(const char* path, int major, const char* dict, const void* data,
                      size_t data_bytes) {
  unsigned char buf[4096];
  size_t dict_len = strlen(dict), pre = major == 1 ? 10 : 12, total, pad, at = 0;
  total = pre + dict_len + 1;
  pad = (64 - total % 64) % 64;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = 0;
  /* Version 1 has a 2-byte length, later ones 4 bytes; the dict overwrites
   * the 2 spare bytes in version 1. */
  qvs_put_u32(buf + 8, (uint32_t)(dict_len + pad + 1));
  at = pre;
  memcpy(buf + at, dict, dict_len);
  at += dict_len;
  memset(buf + at, ' ', pad);
  at += pad;
  buf[at++] = '\n';
  assert_true(at + data_bytes <= sizeof buf);
  memcpy(buf + at, data, data_bytes);
  assert_int_equal(qvs_write_file(path, buf, at + data_bytes), 0);
}

static void expect_import(qv_index* index, const char* vp, const char* kp, qv_status want,
                          const char* needle, const char* what) {
  size_t before = live_count(index);
  qv_status s = qv_index_import_npy(index, vp, kp);
  if (s != want)
    fail_msg("%s: got %s, expected %s: %s", what, qv_status_string(s), qv_status_string(want),
             qv_last_error());
  if (!qvt_contains(qv_last_error(), needle))
    fail_msg("%s: the message lacks '%s': %s", what, needle, qv_last_error());
  if (live_count(index) != before) fail_msg("%s: the failed import added vectors", what);
}

static void test_bad_npy_inputs_get_clear_errors(void** state) {
  char* dir = qvs_temp_dir("npybad");
  char *vp = qvs_path(dir, "v.npy"), *kp = qvs_path(dir, "k.npy");
  char* missing = qvs_path(dir, "missing.npy");
  qv_index* index = qvt_create_index(2, QV_METRIC_L2, QV_INDEX_FLAT);
  float f2[6] = {1, 2, 3, 4, 5, 6};
  float nan_rows[4] = {1, 2, NAN, 4};
  int32_t i32[6] = {1, 2, 3, 4, 5, 6};
  uint64_t keys3[3] = {7, 8, 9}, keys2[2] = {7, 8}, dup[3] = {7, 7, 9};
  float fkeys[3] = {1, 2, 3};
  (void)state;
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f2, 24);
  write_npy(kp, 1, "{'descr': '<u8', 'fortran_order': False, 'shape': (2,), }", keys2, 16);
  expect_import(index, vp, kp, QV_ERR_INVALID_ARGUMENT, "keys", "key count differs");
  expect_import(index, missing, NULL, QV_ERR_NOT_FOUND, missing, "missing vectors");
  expect_import(index, vp, missing, QV_ERR_NOT_FOUND, missing, "missing keys");
  write_npy(kp, 1, "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", dup, 24);
  expect_import(index, vp, kp, QV_ERR_DUPLICATE_KEY, "7", "duplicate keys");
  write_npy(kp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", fkeys, 12);
  expect_import(index, vp, kp, QV_ERR_UNSUPPORTED, "uint64", "float keys");
  write_npy(kp, 1, "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", keys3, 24);
  write_npy(vp, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", i32, 24);
  expect_import(index, vp, kp, QV_ERR_UNSUPPORTED, "int32", "int32 vectors");
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 2), }", f2, 24);
  expect_import(index, vp, kp, QV_ERR_UNSUPPORTED, "2-D", "3-D array");
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f2, 24);
  expect_import(index, vp, NULL, QV_ERR_DIMENSION_MISMATCH, "dimension 3", "wrong dim");
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f2, 20);
  expect_import(index, vp, kp, QV_ERR_CORRUPT, "truncated", "truncated data");
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3, 2), }", f2, 24);
  expect_import(index, vp, kp, QV_ERR_CORRUPT, "malformed", "bad header");
  write_npy(vp, 1, "{'descr': '<f4', 'shape': (3, 2), }", f2, 24);
  expect_import(index, vp, kp, QV_ERR_CORRUPT, "fortran_order", "missing key in header");
  write_npy(vp, 4, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f2, 24);
  expect_import(index, vp, kp, QV_ERR_UNSUPPORTED, "version 4.0", "future npy version");
  assert_int_equal(qvs_write_file(vp, "PK\3\4 not numpy at all", 22), 0);
  expect_import(index, vp, kp, QV_ERR_CORRUPT, "not a .npy", "zip file");
  write_npy(vp, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", nan_rows, 16);
  expect_import(index, vp, NULL, QV_ERR_INVALID_ARGUMENT, "", "NaN");
  /* Argument errors. */
  assert_int_equal(qv_index_import_npy(NULL, vp, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_import_npy(index, NULL, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_export_npy(index, NULL, kp), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_export_npy(index, vp, NULL), QV_ERR_INVALID_ARGUMENT);
  assert_int_equal(qv_index_export_npy(NULL, vp, kp), QV_ERR_INVALID_ARGUMENT);
  /* After all that, a good file still imports. */
  write_npy(vp, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f2, 24);
  assert_int_equal(qv_index_import_npy(index, vp, kp), QV_OK);
  assert_int_equal(live_count(index), 3);
  qv_index_free(index);
  free(vp);
  free(kp);
  free(missing);
  qvs_remove_tree(dir);
}

/* ---- numpy interop ---------------------------------------------------- */

static int have_numpy(void) {
  static int cached = -1;
  if (cached < 0) {
    int rc = system(QVS_PYTHON " -c 'import numpy' >/dev/null 2>&1");
    cached = rc == 0;
    if (!cached)
      printf(
          "SKIPPED numpy interop: %s cannot import numpy (install Debian's python3-numpy: "
          "apt-get install python3-numpy)\n",
          QVS_PYTHON);
  }
  return cached;
}

static int run_python(const char* dir, const char* script) {
  char* path = qvs_path(dir, "script.py");
  char cmd[1024];
  int rc;
  assert_int_equal(qvs_write_file(path, script, strlen(script)), 0);
  snprintf(cmd, sizeof cmd, "cd '%s' && %s script.py", dir, QVS_PYTHON);
  rc = system(cmd);
  free(path);
  return rc;
}

/* The reference the Python side also computes: exact in float16 too. */
static float reference(size_t i, size_t j) {
  return (float)((int)((i * 7 + j * 3) % 41) - 20) * 0.5f;
}

static void test_numpy_files_import(void** state) {
  static const char* files[] = {"f32.npy", "f64.npy", "f16.npy", "fortran.npy",
                                "v2.npy",  "v3.npy",  "big.npy", "f16_fortran.npy"};
  char* dir;
  size_t f;
  (void)state;
  if (!have_numpy()) skip();
  dir = qvs_temp_dir("numpy");
  assert_int_equal(
      run_python(dir,
                 "import numpy as np\n"
                 "from numpy.lib import format as fmt\n"
                 "n, d = 37, 12\n"
                 "i, j = np.meshgrid(np.arange(n), np.arange(d), indexing='ij')\n"
                 "a = (((i * 7 + j * 3) % 41) - 20) * 0.5\n"
                 "np.save('f32.npy', a.astype(np.float32))\n"
                 "np.save('f64.npy', a.astype(np.float64))\n"
                 "np.save('f16.npy', a.astype(np.float16))\n"
                 "np.save('fortran.npy', np.asfortranarray(a.astype(np.float32)))\n"
                 "np.save('f16_fortran.npy', np.asfortranarray(a.astype(np.float16)))\n"
                 "np.save('big.npy', a.astype('>f4'))\n"
                 "for name, v in (('v2.npy', (2, 0)), ('v3.npy', (3, 0))):\n"
                 "    with open(name, 'wb') as fh:\n"
                 "        fmt.write_array(fh, a.astype(np.float32), version=v)\n"
                 "np.save('keys.npy', np.arange(100, 100 + n, dtype=np.uint64))\n"
                 "np.save('keys_i64.npy', np.arange(100, 100 + n))\n"
                 "assert np.load('fortran.npy').flags['F_CONTIGUOUS']\n"
                 "assert open('v2.npy', 'rb').read(8)[6] == 2\n"
                 "assert open('v3.npy', 'rb').read(8)[6] == 3\n"),
      0);
  for (f = 0; f < sizeof files / sizeof files[0]; ++f) {
    char* vp = qvs_path(dir, files[f]);
    char* kp = qvs_path(dir, f % 2 ? "keys.npy" : "keys_i64.npy");
    qv_index* index = qvt_create_index(DIM, QV_METRIC_L2, QV_INDEX_FLAT);
    float row[DIM];
    size_t i, j;
    qv_status s = qv_index_import_npy(index, vp, kp);
    if (s != QV_OK) fail_msg("%s: %s: %s", files[f], qv_status_string(s), qv_last_error());
    assert_int_equal(live_count(index), 37);
    for (i = 0; i < 37; ++i) {
      assert_int_equal(qv_index_get(index, 100 + i, row), QV_OK);
      for (j = 0; j < DIM; ++j)
        if (row[j] != reference(i, j))
          fail_msg("%s: row %zu col %zu is %g, expected %g", files[f], i, j, (double)row[j],
                   (double)reference(i, j));
    }
    qv_index_free(index);
    free(vp);
    free(kp);
  }
  qvs_remove_tree(dir);
}

static void test_numpy_loads_our_export_unchanged(void** state) {
  char* dir;
  char *vp, *kp, *raw, *rawk;
  qv_index* index;
  float* vectors;
  uint64_t* keys;
  size_t n, i, at = 0;
  (void)state;
  if (!have_numpy()) skip();
  dir = qvs_temp_dir("numpy");
  vp = qvs_path(dir, "v.npy");
  kp = qvs_path(dir, "k.npy");
  raw = qvs_path(dir, "expected.f32");
  rawk = qvs_path(dir, "expected.u64");
  index = qvs_build_index(QV_INDEX_HNSW, QV_METRIC_L2, DIM, 300, 6, 4, NULL);
  n = live_count(index);
  assert_int_equal(qv_index_export_npy(index, vp, kp), QV_OK);
  /* What numpy must see: the keys in the exported order, each key's vector. */
  {
    unsigned char* kbytes;
    size_t ksize;
    kbytes = qvt_read_file(kp, &ksize);
    assert_non_null(kbytes);
    assert_int_equal(ksize, 128 + n * 8); /* a 128-byte preamble for this header */
    keys = malloc(n * sizeof *keys);
    memcpy(keys, kbytes + 128, n * 8);
    free(kbytes);
  }
  vectors = malloc(n * DIM * sizeof *vectors);
  for (i = 0; i < n; ++i, at += DIM)
    assert_int_equal(qv_index_get(index, keys[i], vectors + at), QV_OK);
  assert_int_equal(qvs_write_file(raw, vectors, n * DIM * sizeof *vectors), 0);
  assert_int_equal(qvs_write_file(rawk, keys, n * sizeof *keys), 0);
  {
    char script[1024];
    snprintf(script, sizeof script,
             "import numpy as np\n"
             "v = np.load('v.npy')\n"
             "k = np.load('k.npy')\n"
             "assert v.dtype == np.dtype('<f4'), v.dtype\n"
             "assert k.dtype == np.dtype('<u8'), k.dtype\n"
             "assert v.shape == (%zu, %d), v.shape\n"
             "assert k.shape == (%zu,), k.shape\n"
             "assert v.flags['C_CONTIGUOUS']\n"
             "assert np.array_equal(v, np.fromfile('expected.f32', dtype='<f4').reshape(%zu, %d))\n"
             "assert np.array_equal(k, np.fromfile('expected.u64', dtype='<u8'))\n"
             "assert len(set(k.tolist())) == %zu\n",
             n, DIM, n, n, DIM, n);
    assert_int_equal(run_python(dir, script), 0);
  }
  qv_index_free(index);
  free(vectors);
  free(keys);
  free(vp);
  free(kp);
  free(raw);
  free(rawk);
  qvs_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_export_import_round_trip),
      cmocka_unit_test(test_import_without_keys_numbers_rows),
      cmocka_unit_test(test_bad_npy_inputs_get_clear_errors),
      cmocka_unit_test(test_numpy_files_import),
      cmocka_unit_test(test_numpy_loads_our_export_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
