// Fuzzes sequences of C API calls. The input is a little program: each
// operation byte picks a call (create, add, add_batch, remove, search,
// search_batch with a filter, get, set/get metadata, save, open, compact,
// info, verify, export/import .npy, free, and the text calls of
// capi_text_ops.h) and the bytes after it pick its arguments, valid or not:
// NaN and infinite floats, k = 0 or near SIZE_MAX, huge ef, n near SIZE_MAX,
// unknown enum values, wrong struct_size, NULL pointers, read-only indexes,
// missing directories, texts that are empty, blank or not UTF-8.
//
// Two index slots are tracked against a model (capi_model.h: live keys and
// their vectors, metadata, the attached embedder; and what the file on disk
// holds), so beyond "never crash" every answer is checked: the status each
// call must return for its arguments, count/get/metadata against the model,
// search results live, unique, sorted, filtered, and for FLAT exactly the
// nearest.
//
// Seeds: small programs from gen_seeds; an empty input is fine too.
#include <quiver/quiver.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "capi_model.h"
#include "capi_pickers.h"
#include "capi_text_ops.h"
#include "fuzz_util.h"

extern "C" {
// c_calls.c: calls with ints where the API takes enums, made from C.
const char* qvf_status_string_of_int(int value);
qv_status qvf_embed_ex_with_int_task(qv_embedder* emb, int task, size_t n, const char* const* texts,
                                     float* out);
}

namespace {

using qvfuzz::Input;
using namespace qvfuzz::capi;

constexpr size_t kMaxOps = 48;
// Operation codes 0 .. 118 pick a vector operation (code % 17), the last
// kTextOps codes a text operation (capi_text_ops.h): past inputs keep their
// meaning.
constexpr int kFirstTextOp = 128 - kTextOps;
// ---- operations ----------------------------------------------------------

struct Fuzz {
  Slot slots[2];
  Model saved;  // what `path` holds
  bool have_saved = false;
  std::string path = qvfuzz::scratch_path("api.qv");
  std::string vec_npy = qvfuzz::scratch_path("api-vectors.npy");
  std::string key_npy = qvfuzz::scratch_path("api-keys.npy");

  Fuzz() { std::remove(path.c_str()); }
  ~Fuzz() {
    for (Slot& s : slots) qv_index_free(s.index);
  }

  void create(Slot& slot, Input& in) {
    qv_index_options o;
    qv_index_options_init(&o);
    static const uint32_t dims[] = {1,         2, 3, 4, 8, 16, 5, 33, 0, QV_MAX_DIM, QV_MAX_DIM + 1,
                                    UINT32_MAX};
    uint8_t d = in.u8();
    o.dim = d < 230 ? dims[d % 8] : dims[d % 12];
    static const int metrics[] = {1, 2, 3, 0, 4, -1, INT_MAX};
    uint8_t mb = in.u8();
    int metric = metrics[mb < 240 ? mb % 3 : mb % 7];
    std::memcpy(&o.metric, &metric, sizeof metric);
    static const int kinds[] = {1, 2, 0, 3, INT_MIN};
    uint8_t kb = in.u8();
    int kind = kinds[kb < 240 ? kb % 2 : kb % 5];
    std::memcpy(&o.kind, &kind, sizeof kind);
    static const uint32_t ms[] = {2, 4, 8, 16, 3, 0, 1, 256, 257, UINT32_MAX};
    uint8_t mm = in.u8();
    o.hnsw_m = ms[mm < 240 ? mm % 5 : mm % 10];
    static const uint32_t efcs[] = {8, 16, 32, 1, 2, 0, UINT32_MAX, 100000};
    uint8_t e = in.u8();
    o.hnsw_ef_construction = efcs[e < 240 ? e % 5 : e % 8];
    static const uint32_t efss[] = {16, 1, 64, 0, UINT32_MAX};
    uint8_t es = in.u8();
    o.hnsw_ef_search = efss[es < 240 ? es % 3 : es % 5];
    o.seed = in.u64();
    static const uint32_t threads[] = {1, 2, 0};
    const uint8_t tb = in.u8();
    o.threads = threads[tb % 3];
    // Storage from the same byte's high values (inputs written before
    // storage types mostly keep their meaning): compact types, sometimes
    // without originals, rarely a value no release knows.
    static const int storages[] = {
        QV_STORAGE_I8, QV_STORAGE_F16, QV_STORAGE_B1, QV_STORAGE_I8, 0, 5};
    int storage = QV_STORAGE_F32;
    if (tb >= 192) storage = storages[tb < 250 ? (tb / 3) % 4 : (tb / 3) % 6];
    std::memcpy(&o.storage, &storage, sizeof storage);
    o.keep_originals = tb >= 192 && tb % 5 == 0 ? 0 : 1;
    if (in.u8() > 250) o.struct_size = in.u32();

    // A Quiver 0.1 struct (48 bytes) has no storage fields: F32.
    const bool v1_size = o.struct_size == 48;
    if (v1_size) storage = QV_STORAGE_F32;
    const bool valid_storage = storage >= QV_STORAGE_F32 && storage <= QV_STORAGE_B1 &&
                               !(storage == QV_STORAGE_B1 && metric == QV_METRIC_L2);
    const bool valid = (o.struct_size == sizeof(qv_index_options) || v1_size) && o.dim >= 1 &&
                       o.dim <= QV_MAX_DIM && metric >= 1 && metric <= 3 &&
                       (kind == 1 || kind == 2) && valid_storage &&
                       (kind != 2 || (o.hnsw_m >= 2 && o.hnsw_m <= 256 &&
                                      o.hnsw_ef_construction >= 1 && o.hnsw_ef_search >= 1));
    qv_index* index = reinterpret_cast<qv_index*>(0x1);
    qv_status s = qv_index_create(&o, &index);
    trace("create", o.dim, uint64_t(kind) * 10 + uint64_t(metric), s);
    trace("  m efc", o.hnsw_m, o.hnsw_ef_construction, s);
    trace("  efs threads", o.hnsw_ef_search, o.threads, s);
    trace("  storage originals", uint64_t(storage), o.keep_originals, s);
    if (!valid) {
      QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
      QVF_CHECK(index == reinterpret_cast<qv_index*>(0x1));  // untouched on failure
      check_failure_message(s);
      return;
    }
    QVF_CHECK(s == QV_OK && index != nullptr);
    qv_index_free(slot.index);
    slot.index = index;
    slot.m = Model{};
    slot.m.dim = o.dim;
    slot.m.metric = metric;
    slot.m.kind = kind;
    slot.m.storage = storage;
    slot.m.keeps_originals =
        (storage == QV_STORAGE_I8 || storage == QV_STORAGE_B1) && o.keep_originals == 1;
    slot.m.codes_estimate =
        storage == QV_STORAGE_F16 ||
        ((storage == QV_STORAGE_I8 || storage == QV_STORAGE_B1) && o.keep_originals == 0);
  }

  void add(Slot& slot, Input& in) {
    Model& m = slot.m;
    const uint64_t key = pick_key(in);
    if (!room(slot, 1)) return;
    std::vector<float> v = pick_vector(in, m.dim, &m);
    const uint8_t how = in.u8();
    const bool null_vector = how > 250;
    if (how >= 200 && !null_vector) return upsert(slot, key, v);
    qv_status s = qv_index_add(slot.index, key, null_vector ? nullptr : v.data());
    trace("add", key, 0, s);
    if (tracing)
      for (float x : v) std::fprintf(stderr, "    %g\n", x);
    check_failure_message(s);
    if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (null_vector) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    const bool ok_vector = acceptable_vector(m, v.data());
    const bool is_live = m.live.count(key) > 0;
    if (ok_vector && !is_live) {
      QVF_CHECK(s == QV_OK);
      m.live[key] = Entry{v, false};
      if (!tame(v.data(), m.dim)) m.wild = true;
    } else if (!ok_vector && is_live) {
      QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT || s == QV_ERR_DUPLICATE_KEY);
    } else {
      QVF_CHECK(s == (ok_vector ? QV_ERR_DUPLICATE_KEY : QV_ERR_INVALID_ARGUMENT));
    }
  }

  // qv_index_upsert: adds or replaces; the key's metadata stays.
  void upsert(Slot& slot, uint64_t key, const std::vector<float>& v) {
    Model& m = slot.m;
    qv_status s = qv_index_upsert(slot.index, key, v.data());
    trace("upsert", key, 0, s);
    check_failure_message(s);
    if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (!acceptable_vector(m, v.data())) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    QVF_CHECK(s == QV_OK);
    m.live[key] = Entry{v, false};
    if (!tame(v.data(), m.dim)) m.wild = true;
  }

  void add_batch(Slot& slot, Input& in) {
    Model& m = slot.m;
    const uint8_t how = in.u8();
    size_t n = how % 9;
    if (how > 250) n = how & 1 ? SIZE_MAX : SIZE_MAX / 2;  // rejected before any read
    const bool huge = n > 64;
    if (!huge && !room(slot, n)) return;
    const size_t rows = huge ? 1 : n;
    std::vector<uint64_t> keys(rows ? rows : 1);
    std::vector<float> vectors((rows ? rows : 1) * size_t(m.dim));
    for (size_t i = 0; i < rows; ++i) {
      keys[i] = pick_key(in);
      std::vector<float> v = pick_vector(in, m.dim, &m);
      std::memcpy(&vectors[i * m.dim], v.data(), v.size() * sizeof(float));
    }
    const uint8_t nulls = in.u8();
    const bool null_keys = nulls == 255, null_vectors = nulls == 254;
    qv_status s = qv_index_add_batch(slot.index, n, null_keys ? nullptr : keys.data(),
                                     null_vectors ? nullptr : vectors.data());
    trace("add_batch", n, n ? keys[0] : 0, s);
    if (tracing)
      for (size_t i = 0; i < rows * m.dim; ++i) std::fprintf(stderr, "    %g\n", vectors[i]);
    check_failure_message(s);
    if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED || (n == 0 && s == QV_OK));
    if (n == 0) return QVF_CHECK(s == QV_OK);
    if (null_keys || null_vectors) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (huge) return QVF_CHECK(s == QV_ERR_OUT_OF_MEMORY || s == QV_ERR_INVALID_ARGUMENT);
    bool vectors_ok = true, keys_fresh = true;
    std::set<uint64_t> seen;
    for (size_t i = 0; i < n; ++i) {
      vectors_ok = vectors_ok && acceptable_vector(m, &vectors[i * m.dim]);
      keys_fresh = keys_fresh && seen.insert(keys[i]).second && !m.live.count(keys[i]);
    }
    if (vectors_ok && keys_fresh) {
      QVF_CHECK(s == QV_OK);
      for (size_t i = 0; i < n; ++i) {
        m.live[keys[i]] =
            Entry{std::vector<float>(&vectors[i * m.dim], &vectors[(i + 1) * m.dim]), false};
        if (!tame(&vectors[i * m.dim], m.dim)) m.wild = true;
      }
    } else if (!vectors_ok && !keys_fresh) {
      QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT || s == QV_ERR_DUPLICATE_KEY);
    } else {
      QVF_CHECK(s == (vectors_ok ? QV_ERR_DUPLICATE_KEY : QV_ERR_INVALID_ARGUMENT));
    }
  }

  void remove(Slot& slot, Input& in) {
    const uint64_t key = pick_key(in);
    qv_status s = qv_index_remove(slot.index, key);
    trace("remove", key, 0, s);
    check_failure_message(s);
    if (slot.m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (slot.m.live.erase(key)) {
      QVF_CHECK(s == QV_OK);
      slot.m.meta.erase(key);
    } else {
      QVF_CHECK(s == QV_ERR_NOT_FOUND);
    }
  }

  void search(Slot& slot, Input& in) {
    Model& m = slot.m;
    std::vector<float> query = pick_vector(in, m.dim, &m);
    const size_t k = pick_k(in);
    qv_search_params p;
    FilterState f;
    qv_search_params* use;
    const bool params_ok = pick_params(in, p, f, &use);
    const bool want_distances = in.u8() < 200;
    // Room for k results, or for every live vector when k is larger (found
    // never exceeds the live count): ASan catches a write past either.
    const size_t room = std::max<size_t>(1, std::min(k, m.live.size() + 1));
    std::vector<uint64_t> keys(room);
    std::vector<float> dist(room);
    size_t found = SIZE_MAX;
    qv_status s = qv_index_search(slot.index, query.data(), k, use, keys.data(),
                                  want_distances ? dist.data() : nullptr, &found);
    check_failure_message(s);
    if (k == 0 || !params_ok || !acceptable_vector(m, query.data(), true))
      return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    // A huge k or ef is a valid request for "everything": never an error.
    QVF_CHECK(s == QV_OK);
    check_results(slot, query.data(), k, use, keys.data(), want_distances ? dist.data() : nullptr,
                  found);
  }

  void search_batch(Slot& slot, Input& in) {
    Model& m = slot.m;
    const uint8_t nb = in.u8();
    const size_t k = in.u8() % 9;  // 0 is invalid
    if (nb > 250 && k > 0) {
      // nq x k or nq x dim past SIZE_MAX: no caller can hold such arrays, so
      // the call must refuse before touching them.
      const size_t nq = nb & 1 ? SIZE_MAX : SIZE_MAX / 2 / k + 1;
      float query[1] = {0};
      uint64_t keys[1] = {7};
      size_t found[1] = {9};
      qv_status s = qv_index_search_batch(slot.index, nq, query, k, nullptr, keys, nullptr, found);
      QVF_CHECK(s == QV_ERR_OUT_OF_MEMORY || s == QV_ERR_INVALID_ARGUMENT);
      QVF_CHECK(keys[0] == 7 && found[0] == 9);
      return;
    }
    const size_t nq = nb % 4;
    std::vector<float> queries(std::max<size_t>(1, nq) * m.dim);
    bool queries_ok = true;
    for (size_t q = 0; q < nq; ++q) {
      std::vector<float> v = pick_vector(in, m.dim, &m);
      std::memcpy(&queries[q * m.dim], v.data(), v.size() * sizeof(float));
      queries_ok = queries_ok && acceptable_vector(m, v.data(), true);
    }
    qv_search_params p;
    FilterState f;
    qv_search_params* use;
    const bool params_ok = pick_params(in, p, f, &use);
    const bool want_distances = in.flag();
    std::vector<uint64_t> keys(std::max<size_t>(1, nq * k));
    std::vector<float> dist(std::max<size_t>(1, nq * k));
    std::vector<size_t> found(std::max<size_t>(1, nq));
    qv_status s =
        qv_index_search_batch(slot.index, nq, nq ? queries.data() : nullptr, k, use, keys.data(),
                              want_distances ? dist.data() : nullptr, found.data());
    check_failure_message(s);
    if (k == 0 || !params_ok) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (nq == 0) return QVF_CHECK(s == QV_OK);
    if (!queries_ok) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    QVF_CHECK(s == QV_OK);
    for (size_t q = 0; q < nq; ++q) {
      check_results(slot, &queries[q * m.dim], k, use, &keys[q * k],
                    want_distances ? &dist[q * k] : nullptr, found[q]);
      for (size_t i = found[q]; i < k; ++i) {
        QVF_CHECK(keys[q * k + i] == UINT64_MAX);
        if (want_distances) QVF_CHECK(std::isinf(dist[q * k + i]) && dist[q * k + i] > 0);
      }
    }
  }

  void get(Slot& slot, Input& in) {
    const Model& m = slot.m;
    const uint64_t key = pick_key(in);
    std::vector<float> out(m.dim);
    qv_status s = qv_index_get(slot.index, key, out.data());
    check_failure_message(s);
    auto it = m.live.find(key);
    if (it == m.live.end()) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK);
    const std::vector<float>& want = it->second.vector;
    if (m.codes_estimate) {
      for (float x : out) QVF_CHECK(std::isfinite(x));
      return;
    }
    if (m.metric != QV_METRIC_COSINE && !it->second.approx) {
      QVF_CHECK(std::memcmp(out.data(), want.data(), want.size() * sizeof(float)) == 0);
      return;
    }
    double norm = 0;
    for (float x : want) norm += double(x) * x;
    norm = std::sqrt(norm);
    for (size_t i = 0; i < m.dim; ++i)
      QVF_CHECK(std::fabs(double(out[i]) - want[i]) <= 1e-5 * std::fabs(want[i]) + 1e-6 * norm);
  }

  void set_metadata(Slot& slot, Input& in) {
    Model& m = slot.m;
    const uint64_t key = pick_key(in);
    const uint8_t how = in.u8();
    size_t len = how % 24;
    if (how > 240) len = 200 + in.u8();
    std::string data = in.bytes(len);
    data.resize(len, 'x');
    const bool null_data = in.u8() > 245;
    qv_status s = qv_index_set_metadata(slot.index, key, null_data ? nullptr : data.data(), len);
    check_failure_message(s);
    if (m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (null_data && len > 0) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (!m.live.count(key)) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK);
    if (len == 0)
      m.meta.erase(key);
    else
      m.meta[key] = data;
  }

  void get_metadata(Slot& slot, Input& in) {
    const uint64_t key = pick_key(in);
    const void* data = nullptr;
    size_t len = 0;
    qv_status s = qv_index_get_metadata(slot.index, key, &data, &len);
    check_failure_message(s);
    auto it = slot.m.meta.find(key);
    if (it == slot.m.meta.end()) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK && len == it->second.size());
    QVF_CHECK(std::memcmp(data, it->second.data(), len) == 0);
    check_keywords(slot, it->second);
  }

  // The metadata as a keyword query (up to a NUL): every key found holds
  // metadata, no more keys than that, scores positive, highest first.
  void check_keywords(const Slot& slot, const std::string& query) {
    const Model& m = slot.m;
    const size_t k = std::max<size_t>(1, m.meta.size());
    std::vector<uint64_t> keys(k);
    std::vector<float> scores(k);
    size_t found = SIZE_MAX;
    qv_status s = qv_index_search_keywords(slot.index, query.c_str(), k, nullptr, keys.data(),
                                           scores.data(), &found);
    trace("search_keywords", k, found, s);
    QVF_CHECK(s == QV_OK && found <= m.meta.size());
    for (size_t i = 0; i < found; ++i) {
      QVF_CHECK(m.meta.count(keys[i]) == 1);
      QVF_CHECK(std::isfinite(scores[i]) && scores[i] > 0.0f);
      if (i > 0) QVF_CHECK(scores[i - 1] >= scores[i]);
    }
  }

  void save(Slot& slot, Input& in) {
    qv_save_options o;
    qv_save_options_init(&o);
    const uint8_t how = in.u8();
    o.compress_vectors = how & 1;
    o.compress_graph = how & 2;
    static const int levels[] = {0, 1, 3, -5, 9, 19, 23, INT_MIN, INT_MAX, -1000000};
    const uint8_t lv = in.u8();
    o.zstd_level = levels[lv < 230 ? lv % 4 : lv % 10];
    const bool level_known_ok = o.zstd_level >= -5 && o.zstd_level <= 19;
    const bool level_known_bad = o.zstd_level > 22 || o.zstd_level <= -1000000;
    const bool bad_size = how > 250;
    if (bad_size) o.struct_size = in.u32();
    const bool use_options = how >= 128 || bad_size;
    const bool missing_dir = in.u8() > 245;
    const std::string target = missing_dir ? qvfuzz::scratch_path("no-such-dir/x.qv") : path;
    qv_status s =
        qv_index_save_with_options(slot.index, target.c_str(), use_options ? &o : nullptr);
    check_failure_message(s);
    if (use_options && o.struct_size != sizeof o) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (use_options && level_known_bad) return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    if (use_options && !level_known_ok && s == QV_ERR_INVALID_ARGUMENT) return;
    if (missing_dir) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK);
    saved = slot.m;
    saved.read_only = false;
    have_saved = true;
  }

  void open(Slot& slot, Input& in) {
    qv_open_options o;
    qv_open_options_init(&o);
    static const int modes[] = {QV_OPEN_LOAD, QV_OPEN_MMAP, 0, 3};
    const uint8_t mb = in.u8();
    int mode = modes[mb < 240 ? mb % 2 : mb % 4];
    std::memcpy(&o.mode, &mode, sizeof mode);
    static const int verifies[] = {QV_VERIFY_ALL, QV_VERIFY_DEFERRED, 0, -1};
    const uint8_t vb = in.u8();
    int verify = verifies[vb < 240 ? vb % 2 : vb % 4];
    std::memcpy(&o.verify, &verify, sizeof verify);
    o.threads = in.u8() % 3;
    if (in.u8() > 250) o.struct_size = in.u32();
    qv_index* index = reinterpret_cast<qv_index*>(0x1);
    qv_status s = qv_index_open_with_options(path.c_str(), &o, &index);
    check_failure_message(s);
    if (o.struct_size != sizeof o || (mode != QV_OPEN_LOAD && mode != QV_OPEN_MMAP) ||
        (verify != QV_VERIFY_ALL && verify != QV_VERIFY_DEFERRED)) {
      QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
      QVF_CHECK(index == reinterpret_cast<qv_index*>(0x1));
      return;
    }
    if (!have_saved) return QVF_CHECK(s == QV_ERR_NOT_FOUND);
    QVF_CHECK(s == QV_OK);
    qv_index_free(slot.index);
    slot.index = index;
    slot.m = saved;
    slot.m.read_only = mode == QV_OPEN_MMAP;
    slot.m.embedder_dim = 0;  // not saved with the index
    if (mode == QV_OPEN_LOAD) forget_stale_chunks(slot.m);
    qv_index_info info;
    info.struct_size = sizeof info;
    QVF_CHECK(qv_index_get_info(index, &info) == QV_OK);
    QVF_CHECK(info.dim == saved.dim && int(info.metric) == saved.metric &&
              int(info.kind) == saved.kind && info.read_only == (mode == QV_OPEN_MMAP));
    QVF_CHECK(info.metadata_count == slot.m.meta.size());
  }

  void compact(Slot& slot) {
    qv_status s = qv_index_compact(slot.index);
    trace("compact", 0, 0, s);
    check_failure_message(s);
    QVF_CHECK(s == (slot.m.read_only ? QV_ERR_UNSUPPORTED : QV_OK));
  }

  void info(Slot& slot, Input& in) {
    qv_index_info info;
    std::memset(&info, 0xab, sizeof info);
    info.struct_size = in.u8() > 245 ? in.u32() : uint32_t(sizeof info);
    qv_status s = qv_index_get_info(slot.index, &info);
    check_failure_message(s);
    if (info.struct_size != sizeof info && info.struct_size != 72)  // 72: Quiver 0.1's
      return QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT);
    QVF_CHECK(s == QV_OK);
    if (info.struct_size == sizeof info)
      QVF_CHECK(int(info.storage) == slot.m.storage &&
                info.keeps_originals == (slot.m.keeps_originals ? 1 : 0));
    const Model& m = slot.m;
    QVF_CHECK(info.dim == m.dim && int(info.metric) == m.metric && int(info.kind) == m.kind);
    QVF_CHECK(info.count == m.live.size() && info.metadata_count == m.meta.size());
    QVF_CHECK(info.read_only == (m.read_only ? 1 : 0));
    if (m.kind == QV_INDEX_FLAT) QVF_CHECK(info.deleted == 0 && info.hnsw_m == 0);
  }

  void verify(Slot& slot) { QVF_CHECK(qv_index_verify(slot.index) == QV_OK); }

  void export_import(Slot& from, Slot& to, Input& in) {
    qv_status s = qv_index_export_npy(from.index, vec_npy.c_str(), key_npy.c_str());
    check_failure_message(s);
    if (s != QV_OK)
      std::fprintf(stderr, "export_npy: %s: %s\n", qv_status_string(s), qv_last_error());
    QVF_CHECK(s == QV_OK);
    if (!to.index) return;
    const bool with_keys = in.u8() < 200;
    if (!with_keys && !room(to, from.m.live.size())) return;
    if (!room(to, from.m.live.size())) return;
    s = qv_index_import_npy(to.index, vec_npy.c_str(), with_keys ? key_npy.c_str() : nullptr);
    check_failure_message(s);
    if (to.m.read_only) return QVF_CHECK(s == QV_ERR_UNSUPPORTED);
    if (from.m.dim != to.m.dim) return QVF_CHECK(s == QV_ERR_DIMENSION_MISMATCH);
    // Keys: the exported ones, or 0..n-1.
    std::vector<uint64_t> keys;
    size_t i = 0;
    for (const auto& [key, e] : from.m.live) keys.push_back(with_keys ? key : i++);
    bool fresh = true;
    for (uint64_t key : keys) fresh = fresh && !to.m.live.count(key);
    // Vectors valid in the source are valid here, except that a cosine
    // target rejects the zero vectors an L2/IP source may hold.
    bool vectors_ok = true;
    for (const auto& [key, e] : from.m.live)
      vectors_ok = vectors_ok && acceptable_vector(to.m, e.vector.data());
    if (keys.empty()) return QVF_CHECK(s == QV_OK);
    if (!fresh && !vectors_ok)
      return QVF_CHECK(s == QV_ERR_DUPLICATE_KEY || s == QV_ERR_INVALID_ARGUMENT);
    if (!fresh) return QVF_CHECK(s == QV_ERR_DUPLICATE_KEY);
    // A vector that went through cosine comes back rounded: one at the edge
    // of the float range may round to infinity or to a zero norm.
    bool rounded = false;
    for (const auto& [key, e] : from.m.live) rounded = rounded || e.approx;
    rounded = rounded || from.m.metric == QV_METRIC_COSINE;
    if (!vectors_ok || (rounded && from.m.wild)) {
      QVF_CHECK(s == QV_ERR_INVALID_ARGUMENT || (rounded && s == QV_OK));
      if (s != QV_OK) return;
    }
    QVF_CHECK(s == QV_OK);
    i = 0;
    for (const auto& [key, e] : from.m.live) {
      Entry copy = e;
      copy.approx = copy.approx || from.m.metric == QV_METRIC_COSINE;
      to.m.live[keys[i++]] = copy;
      if (!tame(e.vector.data(), e.vector.size())) to.m.wild = true;
    }
  }

  void run(Input& in) {
    for (size_t op = 0; op < kMaxOps && !in.empty(); ++op) {
      const uint8_t code = in.u8();
      trace("op", (code >> 7) & 1, code & 0x7f, QV_OK);
      Slot& slot = slots[(code >> 7) & 1];
      Slot& other = slots[((code >> 7) & 1) ^ 1];
      const int what = code & 0x7f;
      if (!slot.index) {
        if (what % 16 == 9 && have_saved) {
          open(slot, in);
        } else {
          create(slot, in);
        }
        check_count(slot);
        continue;
      }
      if (what >= kFirstTextOp) {
        text_op(what - kFirstTextOp, slot, in);
        check_count(slot);
        check_count(other);
        continue;
      }
      switch (what % 17) {
        case 0:
          create(slot, in);
          break;
        case 1:
          add(slot, in);
          break;
        case 2:
          add_batch(slot, in);
          break;
        case 3:
          remove(slot, in);
          break;
        case 4:
          search(slot, in);
          break;
        case 5:
          search_batch(slot, in);
          break;
        case 6:
          get(slot, in);
          break;
        case 7:
          set_metadata(slot, in);
          break;
        case 8:
          get_metadata(slot, in);
          break;
        case 9:
          open(slot, in);
          break;
        case 10:
          save(slot, in);
          break;
        case 11:
          compact(slot);
          break;
        case 12:
          info(slot, in);
          break;
        case 13:
          verify(slot);
          break;
        case 14:
          export_import(slot, other, in);
          break;
        case 15:
          qv_index_free(slot.index);
          slot.index = nullptr;
          slot.m = Model{};
          break;
        default: {
          // Any int as a status (or an embed task), as a C caller may pass:
          // a name or "QV_UNKNOWN_STATUS" (an invalid-argument error), never UB.
          const int raw = int(in.u32());
          const char* name = qvf_status_string_of_int(raw);
          QVF_CHECK(name != nullptr && (raw >= 0 && raw <= QV_ERR_INTERNAL) ==
                                           (std::strcmp(name, "QV_UNKNOWN_STATUS") != 0));
          if (raw != QV_EMBED_DOCUMENT && raw != QV_EMBED_QUERY) {
            qv_embedder* emb = nullptr;
            QVF_CHECK(qv_embedder_create_hashing(4, &emb) == QV_OK);
            const char* text = "x";
            float out[4];
            QVF_CHECK(qvf_embed_ex_with_int_task(emb, raw, 1, &text, out) ==
                      QV_ERR_INVALID_ARGUMENT);
            qv_embedder_free(emb);
          }
          add(slot, in);
          break;
        }
      }
      check_count(slot);
      check_count(other);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  Fuzz fuzz;
  fuzz.run(in);
  return 0;
}
