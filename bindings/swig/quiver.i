/*
 * quiver.i - one SWIG interface over the Quiver C API, generating the raw
 * layer of the Java and C# bindings (swig -c++ -java | -csharp; the Go
 * binding is hand-written cgo and no longer uses it).
 *
 * The raw layer is not what users call: each language has a thin hand-written
 * wrapper on top (Java io.quiver.Index, C# Quiver.Index) that
 * checks lengths, turns statuses into the language's own errors and results
 * into the language's own types.
 *
 * Shape of the raw layer:
 *  - a few `qvs_*` helpers (below, %inline) that reshape the C calls for SWIG:
 *    handles come back as return values (status in qvs_last_status()), out
 *    scalars become one-element arrays, option structs become small classes
 *    whose constructors call the C `_init()` functions (so defaults stay in C);
 *  - arrays cross in one piece, never element by element: a parameter named
 *    IN_F32/OUT_F32, IN_U64/OUT_U64 or IN_BYTES/OUT_BYTES maps to Java
 *    float[]/long[]/byte[], Go []float32/[]uint64/[]byte, C# float[]/ulong[]/
 *    byte[]. Java copies the array once each way (Get/Release<T>ArrayElements);
 *    Go and C# pass the address of the managed array (cgo slice, pinned array).
 *    The callee trusts the length: the wrappers check it first;
 *  - callbacks are SWIG directors, subclassed in the target language:
 *    QvFilter (search filter, called from the searching threads) and
 *    QvEmbedFunction (a callback embedder's function, reading texts from and
 *    writing vectors to a QvEmbedBatch).
 */
%module(directors="1") QuiverNative

%{
#include <quiver/quiver.h>
#include <cstring>
#include <string>
#include <vector>
%}

%include <stdint.i>

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

#if defined(SWIGCSHARP)
/* SWIGWORDSIZE64 makes uint64_t an unsigned long, which SWIG's C# module
 * takes for 32 bits: keys are ulong. */
%apply unsigned long long { uint64_t };
#endif

#if defined(SWIGJAVA)
/* Keys are Java longs (the same 64 bits; keys >= 2^63 read as negative). */
%apply long long { uint64_t };
%apply int { uint32_t };
/* Filters run on Quiver's worker threads: attach them to the JVM once, as
 * daemons, and detach when the thread ends (not after every callback). */
%begin %{
#define SWIG_JAVA_ATTACH_CURRENT_THREAD_AS_DAEMON
#define SWIG_JAVA_DETACH_ON_THREAD_END
%}
/* NativeLibrary (bindings/java/src/io/quiver/internal): the property
 * quiver.jni.library, then the copies inside the jar, then java.library.path. */
%pragma(java) jniclasscode=%{
  static {
    NativeLibrary.load();
  }
%}
#endif

#if defined(SWIGGO)
/* Link libquiver; -I and -L come from CGO_CPPFLAGS / CGO_LDFLAGS (or the
 * installed header and library in the default paths). */
%insert(cgo_comment_typedefs) %{
#cgo LDFLAGS: -lquiver
%}
#endif

/* ------------------------------------------------------------------------ */
/* Arrays                                                                   */
/* ------------------------------------------------------------------------ */

%define QV_ARRAY_TYPEMAPS(CTYPE, IN, OUT, JNIARR, JARR, JNIELT, JNAME, GOSLICE, CSARR)
#if defined(SWIGJAVA)
%typemap(jni) const CTYPE *IN, CTYPE *OUT #JNIARR
%typemap(jtype) const CTYPE *IN, CTYPE *OUT #JARR
%typemap(jstype) const CTYPE *IN, CTYPE *OUT #JARR
%typemap(javain) const CTYPE *IN, CTYPE *OUT "$javainput"
%typemap(in) const CTYPE *IN, CTYPE *OUT {
  $1 = $input ? ($1_ltype)JCALL2(Get##JNAME##ArrayElements, jenv, $input, 0) : 0;
}
%typemap(freearg) const CTYPE *IN {
  if ($1) JCALL3(Release##JNAME##ArrayElements, jenv, $input, (JNIELT *)$1, JNI_ABORT);
}
%typemap(argout) CTYPE *OUT {
  if ($1) JCALL3(Release##JNAME##ArrayElements, jenv, $input, (JNIELT *)$1, 0);
}
#elif defined(SWIGGO)
%typemap(gotype) const CTYPE *IN, CTYPE *OUT #GOSLICE
%typemap(in) const CTYPE *IN, CTYPE *OUT %{ $1 = ($1_ltype)$input.array; %}
#elif defined(SWIGCSHARP)
%typemap(ctype) const CTYPE *IN, CTYPE *OUT "CTYPE *"
%typemap(imtype) const CTYPE *IN #CSARR
%typemap(imtype, inattributes="[global::System.Runtime.InteropServices.In, global::System.Runtime.InteropServices.Out]") CTYPE *OUT #CSARR
%typemap(cstype) const CTYPE *IN, CTYPE *OUT #CSARR
%typemap(csin) const CTYPE *IN, CTYPE *OUT "$csinput"
%typemap(in) const CTYPE *IN, CTYPE *OUT %{ $1 = ($1_ltype)$input; %}
#endif
%enddef

QV_ARRAY_TYPEMAPS(float, IN_F32, OUT_F32, jfloatArray, float[], jfloat, Float, []float32, float[])
QV_ARRAY_TYPEMAPS(uint64_t, IN_U64, OUT_U64, jlongArray, long[], jlong, Long, []uint64, ulong[])
QV_ARRAY_TYPEMAPS(unsigned char, IN_BYTES, OUT_BYTES, jbyteArray, byte[], jbyte, Byte, []byte, byte[])

%apply uint64_t *OUT_U64 { uint64_t *keys_out, uint64_t *chunk_keys_out, uint64_t *found_out };
%apply float *OUT_F32 { float *distances_out };
%apply const float *IN_F32 { const float *queries };

/* ------------------------------------------------------------------------ */
/* Version and errors (the C calls as they are)                             */
/* ------------------------------------------------------------------------ */

const char *qv_version(void);
const char *qv_last_error(void);

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

%feature("director") QvFilter;

%inline %{
/* A search filter: keep(key) decides whether `key` may be returned. Called
 * from the searching thread(s), concurrently for batch searches. The target
 * language subclasses it; keep() must not throw into the native code (the
 * wrappers catch and report after the search). */
class QvFilter {
 public:
  virtual ~QvFilter() {}
  virtual bool keep(uint64_t key) = 0;
};
%}

%{
static int qvs_filter_trampoline(uint64_t key, void *user) {
  return static_cast<QvFilter *>(user)->keep(key) ? 1 : 0;
}

/* A text passed as bytes + length (the array may be NULL when empty). */
static std::string qvs_bytes_string(const unsigned char *bytes, uint64_t len) {
  return bytes ? std::string(reinterpret_cast<const char *>(bytes), (size_t)len) : std::string();
}

/* Search parameters from the raw layer's ef, rerank and optional filter. */
static void qvs_search_params_with(qv_search_params *p, uint32_t ef, uint64_t rerank,
                                   QvFilter *filter) {
  qv_search_params_init(p);
  p->ef = ef;
  p->rerank = (size_t)rerank;
  if (filter) {
    p->filter = qvs_filter_trampoline;
    p->filter_user = filter;
  }
}
%}

%feature("director") QvEmbedFunction;
%ignore QvEmbedBatch::QvEmbedBatch;
%ignore QvEmbedBatch::finish;
%ignore QvEmbedFunction::dim_;

%inline %{
/* One call of a callback embedder: n texts in, n x dim floats out. The
 * target language reads text i with text_length(i) + copy_text(i, bytes)
 * (UTF-8, possibly invalid: decode leniently), writes row i with
 * set(i, floats) (exactly dim floats: the wrappers check) and reports a
 * failure with fail(message). Valid only during QvEmbedFunction::embed. */
class QvEmbedBatch {
 public:
  QvEmbedBatch(size_t n, uint32_t dim, const char *const *texts, const size_t *lengths, float *out)
      : n_(n), dim_(dim), texts_(texts), lengths_(lengths), out_(out), rows_set_(0), failed_(false) {}
  uint64_t size() const { return n_; }
  uint32_t dim() const { return dim_; }
  uint64_t text_length(uint64_t i) const { return i < n_ ? lengths_[i] : 0; }
  void copy_text(uint64_t i, unsigned char *OUT_BYTES) const {
    if (i < n_ && lengths_[i]) std::memcpy(OUT_BYTES, texts_[i], lengths_[i]);
  }
  void set(uint64_t i, const float *IN_F32) {
    if (i >= n_) return;
    std::memcpy(out_ + i * dim_, IN_F32, sizeof(float) * dim_);
    ++rows_set_;
  }
  void fail(const char *message) {
    failed_ = true;
    error_ = message ? message : "";
  }
  /* 0, or nonzero with the reason in err (the qv_embed_fn contract). */
  int finish(char *err, size_t err_len) const {
    std::string why;
    if (failed_) {
      why = error_.empty() ? std::string("the embedding function failed") : error_;
    } else if (rows_set_ < n_) {
      why = "the embedding function set " + std::to_string(rows_set_) + " of " +
            std::to_string(n_) + " vectors; set one per text";
    } else {
      return 0;
    }
    if (err && err_len) {
      std::strncpy(err, why.c_str(), err_len - 1);
      err[err_len - 1] = '\0';
    }
    return 1;
  }

 private:
  size_t n_;
  uint32_t dim_;
  const char *const *texts_;
  const size_t *lengths_;
  float *out_;
  size_t rows_set_;
  bool failed_;
  std::string error_;
};

/* A language-side embedding function (a SWIG director): embed() fills the
 * batch. Quiver never calls it from two threads at once for one embedder. */
class QvEmbedFunction {
 public:
  QvEmbedFunction() : dim_(0) {}
  virtual ~QvEmbedFunction() {}
  virtual void embed(QvEmbedBatch *batch) = 0;
  uint32_t dim_;
};
%}

%{
static int qvs_embed_trampoline(void *user, size_t n, const char *const *texts,
                                const size_t *lengths, float *out, char *err, size_t err_len) {
  QvEmbedFunction *f = static_cast<QvEmbedFunction *>(user);
  QvEmbedBatch batch(n, f->dim_, texts, lengths, out);
  f->embed(&batch);
  return batch.finish(err, err_len);
}
%}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

%newobject qvs_index_create;
%newobject qvs_index_open;
%newobject qvs_index_open_with_options;

%inline %{
/* Index options; the constructor fills in the C defaults
 * (qv_index_options_init). metric, kind and storage are the C enum values. */
struct QvIndexConfig {
  uint32_t dim;
  int metric;
  int kind;
  uint32_t hnsw_m;
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  uint32_t threads;
  int storage;
  bool keep_originals;
  QvIndexConfig() {
    qv_index_options o;
    qv_index_options_init(&o);
    dim = o.dim;
    metric = (int)o.metric;
    kind = (int)o.kind;
    hnsw_m = o.hnsw_m;
    hnsw_ef_construction = o.hnsw_ef_construction;
    hnsw_ef_search = o.hnsw_ef_search;
    seed = o.seed;
    threads = o.threads;
    storage = (int)o.storage;
    keep_originals = o.keep_originals != 0;
  }
};

/* Open options; the constructor fills in the C defaults
 * (qv_open_options_init). mode and verify are the C enum values. */
struct QvOpenConfig {
  int mode;
  int verify;
  uint32_t threads;
  QvOpenConfig() {
    qv_open_options o;
    qv_open_options_init(&o);
    mode = (int)o.mode;
    verify = (int)o.verify;
    threads = o.threads;
  }
};

/* Save options; the constructor fills in the C defaults. */
struct QvSaveConfig {
  bool compress_vectors;
  bool compress_graph;
  int zstd_level;
  QvSaveConfig() {
    qv_save_options o;
    qv_save_options_init(&o);
    compress_vectors = o.compress_vectors != 0;
    compress_graph = o.compress_graph != 0;
    zstd_level = o.zstd_level;
  }
};

/* What qv_index_get_info reports. */
struct QvIndexInfo {
  int kind;
  int metric;
  uint32_t dim;
  uint64_t count;
  uint64_t deleted;
  uint64_t metadata_count;
  uint32_t hnsw_m;
  uint32_t hnsw_ef_construction;
  uint32_t hnsw_ef_search;
  uint64_t seed;
  bool read_only;
  int storage;
  bool keeps_originals;
  QvIndexInfo()
      : kind(0), metric(0), dim(0), count(0), deleted(0), metadata_count(0), hnsw_m(0),
        hnsw_ef_construction(0), hnsw_ef_search(0), seed(0), read_only(false), storage(0),
        keeps_originals(false) {}
};

/* A byte string owned by the native side, for values the C API copies out
 * (metadata, a document's source and fields): size() then copy_to(an array
 * of that size). */
%}
%ignore QvBytes::data_;
%ignore QvTexts::data_;
%ignore QvGeminiConfig::api_key;
%ignore QvGeminiConfig::base_url;
%ignore QvGeminiConfig::model;
%extend QvGeminiConfig {
  void set_api_key(const char *v) { $self->api_key = v ? v : ""; }
  void set_base_url(const char *v) { $self->base_url = v ? v : ""; }
  void set_model(const char *v) { $self->model = v ? v : ""; }
}
%inline %{
class QvBytes {
 public:
  uint64_t size() const { return data_.size(); }
  void copy_to(unsigned char *OUT_BYTES) const {
    if (!data_.empty()) std::memcpy(OUT_BYTES, data_.data(), data_.size());
  }
  std::string data_;
};
%}

%{
static thread_local int qvs_status_ = QV_OK;
%}

%inline %{
/* The status of the last qvs_index_create / qvs_index_open on this thread
 * (these return NULL on failure). */
int qvs_last_status(void) { return qvs_status_; }

const char *qvs_status_string(int status) { return qv_status_string((qv_status)status); }

uint32_t qvs_version_number(void) { return qv_version_number(); }

qv_index *qvs_index_create(const QvIndexConfig *c) {
  qv_index_options o;
  qv_index_options_init(&o);
  o.dim = c->dim;
  o.metric = (qv_metric)c->metric;
  o.kind = (qv_index_kind)c->kind;
  o.hnsw_m = c->hnsw_m;
  o.hnsw_ef_construction = c->hnsw_ef_construction;
  o.hnsw_ef_search = c->hnsw_ef_search;
  o.seed = c->seed;
  o.threads = c->threads;
  o.storage = (qv_storage)c->storage;
  o.keep_originals = c->keep_originals ? 1 : 0;
  qv_index *out = NULL;
  qvs_status_ = qv_index_create(&o, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

qv_index *qvs_index_open(const char *path, int mode) {
  qv_index *out = NULL;
  qvs_status_ = qv_index_open(path, (qv_open_mode)mode, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

qv_index *qvs_index_open_with_options(const char *path, const QvOpenConfig *c) {
  qv_open_options o;
  qv_open_options_init(&o);
  o.mode = (qv_open_mode)c->mode;
  o.verify = (qv_verify_mode)c->verify;
  o.threads = c->threads;
  qv_index *out = NULL;
  qvs_status_ = qv_index_open_with_options(path, &o, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

int qvs_index_verify(const qv_index *index) { return qv_index_verify(index); }

/* out: one entry. */
int qvs_index_memory_bytes(const qv_index *index, uint64_t *OUT_U64) {
  size_t n = 0;
  qv_status s = qv_index_memory_bytes(index, &n);
  OUT_U64[0] = n;
  return s;
}

void qvs_index_free(qv_index *index) { qv_index_free(index); }

int qvs_index_add(qv_index *index, uint64_t key, const float *IN_F32) {
  return qv_index_add(index, key, IN_F32);
}

int qvs_index_add_batch(qv_index *index, uint64_t n, const uint64_t *IN_U64,
                        const float *IN_F32) {
  return qv_index_add_batch(index, (size_t)n, IN_U64, IN_F32);
}

int qvs_index_upsert(qv_index *index, uint64_t key, const float *IN_F32) {
  return qv_index_upsert(index, key, IN_F32);
}

int qvs_index_remove(qv_index *index, uint64_t key) { return qv_index_remove(index, key); }

/* count_out: one entry. */
int qvs_index_count(const qv_index *index, uint64_t *OUT_U64) {
  size_t n = 0;
  qv_status s = qv_index_count(index, &n);
  OUT_U64[0] = n;
  return s;
}

uint32_t qvs_index_dim(const qv_index *index) {
  uint32_t d = 0;
  qv_index_dim(index, &d);
  return d;
}

int qvs_index_get(const qv_index *index, uint64_t key, float *OUT_F32) {
  return qv_index_get(index, key, OUT_F32);
}

/* keys_out and distances_out hold k entries, found_out one. */
int qvs_index_search(const qv_index *index, const float *IN_F32, uint64_t k, uint32_t ef,
                     uint64_t rerank, QvFilter *filter, uint64_t *keys_out,
                     float *distances_out, uint64_t *found_out) {
  qv_search_params p;
  qvs_search_params_with(&p, ef, rerank, filter);
  size_t found = 0;
  qv_status s = qv_index_search(index, IN_F32, (size_t)k, &p, keys_out, distances_out, &found);
  found_out[0] = found;
  return s;
}

/* keys_out and distances_out hold nq x k entries, found_out nq. */
int qvs_index_search_batch(const qv_index *index, uint64_t nq, const float *queries,
                           uint64_t k, uint32_t ef, uint64_t rerank, QvFilter *filter,
                           uint32_t threads, uint64_t *keys_out, float *distances_out,
                           uint64_t *found_out) {
  qv_search_params p;
  qvs_search_params_with(&p, ef, rerank, filter);
  p.threads = threads;
  static_assert(sizeof(size_t) == sizeof(uint64_t), "found_out is reused as size_t[]");
  return qv_index_search_batch(index, (size_t)nq, queries, (size_t)k, &p, keys_out,
                               distances_out, reinterpret_cast<size_t *>(found_out));
}

int qvs_index_save(const qv_index *index, const char *path, const QvSaveConfig *c) {
  if (!c) return qv_index_save(index, path);
  qv_save_options o;
  qv_save_options_init(&o);
  o.compress_vectors = c->compress_vectors ? 1 : 0;
  o.compress_graph = c->compress_graph ? 1 : 0;
  o.zstd_level = c->zstd_level;
  return qv_index_save_with_options(index, path, &o);
}

int qvs_index_export_npy(const qv_index *index, const char *vectors_path,
                         const char *keys_path) {
  return qv_index_export_npy(index, vectors_path, keys_path);
}

/* keys_path NULL or "" (Go cannot pass NULL): keys 0..n-1. */
int qvs_index_import_npy(qv_index *index, const char *vectors_path, const char *keys_path) {
  return qv_index_import_npy(index, vectors_path, keys_path && *keys_path ? keys_path : NULL);
}

int qvs_index_set_metadata(qv_index *index, uint64_t key, const unsigned char *IN_BYTES,
                           uint64_t len) {
  return qv_index_set_metadata(index, key, IN_BYTES, (size_t)len);
}

/* A copy made by the library under the index's metadata lock, whole even
 * while another thread changes or removes the key (the bytes that
 * qv_index_get_metadata points to may be freed meanwhile): a first guess of
 * room, then again with the length when the metadata was longer. */
int qvs_index_get_metadata(const qv_index *index, uint64_t key, QvBytes *out) {
  std::string &b = out->data_;
  b.resize(256);
  for (;;) {
    size_t len = 0;
    qv_status s = qv_index_copy_metadata(index, key, &b[0], b.size(), &len);
    if (s != QV_OK) {
      b.clear();
      return s;
    }
    const bool whole = len <= b.size();
    b.resize(len);
    if (whole) return s;
  }
}

int qvs_index_compact(qv_index *index) { return qv_index_compact(index); }

int qvs_index_get_info(const qv_index *index, QvIndexInfo *out) {
  qv_index_info info;
  std::memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  qv_status s = qv_index_get_info(index, &info);
  if (s != QV_OK) return s;
  out->kind = (int)info.kind;
  out->metric = (int)info.metric;
  out->dim = info.dim;
  out->count = info.count;
  out->deleted = info.deleted;
  out->metadata_count = info.metadata_count;
  out->hnsw_m = info.hnsw_m;
  out->hnsw_ef_construction = info.hnsw_ef_construction;
  out->hnsw_ef_search = info.hnsw_ef_search;
  out->seed = info.seed;
  out->read_only = info.read_only != 0;
  out->storage = (int)info.storage;
  out->keeps_originals = info.keeps_originals != 0;
  return s;
}
%}

%newobject qvs_embedder_create_hashing;
%newobject qvs_embedder_create_callback;
%newobject qvs_embedder_create_gemini;

%inline %{
/* Gemini options; the constructor fills in the C defaults. Empty strings
 * mean NULL (the default: environment variable or built-in value). */
struct QvGeminiConfig {
  std::string api_key;
  std::string base_url;
  std::string model;
  uint32_t output_dim;
  uint32_t batch_size;
  uint32_t requests_per_minute;
  uint32_t max_retries;
  uint32_t timeout_ms;
  uint32_t connect_timeout_ms;
  uint32_t initial_backoff_ms;
  uint32_t max_backoff_ms;
  uint32_t max_retry_delay_ms;
  uint32_t max_concurrent_requests;
  QvGeminiConfig() {
    qv_gemini_options o;
    qv_gemini_options_init(&o);
    output_dim = o.output_dim;
    batch_size = o.batch_size;
    requests_per_minute = o.requests_per_minute;
    max_retries = o.max_retries;
    timeout_ms = o.timeout_ms;
    connect_timeout_ms = o.connect_timeout_ms;
    initial_backoff_ms = o.initial_backoff_ms;
    max_backoff_ms = o.max_backoff_ms;
    max_retry_delay_ms = o.max_retry_delay_ms;
    max_concurrent_requests = o.max_concurrent_requests;
  }
};

qv_embedder *qvs_embedder_create_hashing(uint32_t dim) {
  qv_embedder *out = NULL;
  qvs_status_ = qv_embedder_create_hashing(dim, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

/* fn must outlive the embedder (the wrappers keep it referenced). */
qv_embedder *qvs_embedder_create_callback(uint32_t dim, QvEmbedFunction *fn) {
  qv_embedder *out = NULL;
  if (fn) fn->dim_ = dim;
  qvs_status_ = qv_embedder_create_callback(dim, fn ? qvs_embed_trampoline : NULL, fn, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

qv_embedder *qvs_embedder_create_gemini(const QvGeminiConfig *c) {
  qv_gemini_options o;
  qv_gemini_options_init(&o);
  o.api_key = c->api_key.empty() ? NULL : c->api_key.c_str();
  o.base_url = c->base_url.empty() ? NULL : c->base_url.c_str();
  o.model = c->model.empty() ? NULL : c->model.c_str();
  o.output_dim = c->output_dim;
  o.batch_size = c->batch_size;
  o.requests_per_minute = c->requests_per_minute;
  o.max_retries = c->max_retries;
  o.timeout_ms = c->timeout_ms;
  o.connect_timeout_ms = c->connect_timeout_ms;
  o.initial_backoff_ms = c->initial_backoff_ms;
  o.max_backoff_ms = c->max_backoff_ms;
  o.max_retry_delay_ms = c->max_retry_delay_ms;
  o.max_concurrent_requests = c->max_concurrent_requests;
  qv_embedder *out = NULL;
  qvs_status_ = qv_embedder_create_gemini(&o, &out);
  return qvs_status_ == QV_OK ? out : NULL;
}

void qvs_embedder_free(qv_embedder *emb) { qv_embedder_free(emb); }

uint32_t qvs_embedder_dim(const qv_embedder *emb) {
  uint32_t d = 0;
  qv_embedder_dim(emb, &d);
  return d;
}

/* A batch of texts to embed, filled from the target language with add(). */
class QvTexts {
 public:
  void add(const unsigned char *IN_BYTES, uint64_t len) {
    data_.push_back(std::string(reinterpret_cast<const char *>(IN_BYTES), (size_t)len));
  }
  uint64_t size() const { return data_.size(); }
  void clear() { data_.clear(); }
  std::vector<std::string> data_;
};

/* Embeds texts (task: 1 = document, 2 = query) into out (size x dim floats). */
int qvs_embedder_embed(qv_embedder *emb, int task, const QvTexts *texts, float *OUT_F32) {
  size_t n = texts->data_.size();
  std::vector<const char *> ptrs(n);
  std::vector<size_t> lens(n);
  for (size_t i = 0; i < n; ++i) {
    ptrs[i] = texts->data_[i].c_str();
    lens[i] = texts->data_[i].size();
  }
  return qv_embedder_embed_ex(emb, (qv_embed_task)task, n, n ? ptrs.data() : NULL,
                              n ? lens.data() : NULL, OUT_F32);
}
%}

/* ------------------------------------------------------------------------ */
/* Text on an index                                                         */
/* ------------------------------------------------------------------------ */

/* The index keeps its own reference to an attached embedder; a callback
 * embedder's QvEmbedFunction must stay alive as long as any index holds it:
 * the wrappers keep the language-side embedder referenced from the index
 * until it is detached or the index is closed. */

%inline %{
/* Text options; the constructor fills in the C defaults
 * (qv_text_options_init). unit is the qv_chunk_unit value. */
struct QvTextConfig {
  int unit;
  uint32_t chunk_size;
  uint32_t chunk_overlap;
  QvTextConfig() {
    qv_text_options o;
    qv_text_options_init(&o);
    unit = (int)o.unit;
    chunk_size = o.chunk_size;
    chunk_overlap = o.chunk_overlap;
  }
};

int qvs_index_set_text_options(qv_index *index, const QvTextConfig *c) {
  if (!c) return qv_index_set_text_options(index, NULL);
  qv_text_options o;
  qv_text_options_init(&o);
  o.unit = (qv_chunk_unit)c->unit;
  o.chunk_size = c->chunk_size;
  o.chunk_overlap = c->chunk_overlap;
  return qv_index_set_text_options(index, &o);
}

/* emb NULL detaches. */
int qvs_index_set_embedder(qv_index *index, qv_embedder *emb) {
  return qv_index_set_embedder(index, emb);
}

/* Adds texts->size() documents under keys (that many entries). The texts
 * must not hold NUL bytes (the wrappers check): the C call reads up to the
 * first one. */
int qvs_index_add_texts(qv_index *index, const uint64_t *IN_U64, const QvTexts *texts) {
  size_t n = texts ? texts->data_.size() : 0;
  std::vector<const char *> ptrs(n);
  for (size_t i = 0; i < n; ++i) ptrs[i] = texts->data_[i].c_str();
  return qv_index_add_texts(index, n, n ? IN_U64 : NULL, n ? ptrs.data() : NULL);
}

int qvs_index_remove_text(qv_index *index, uint64_t doc_key) {
  return qv_index_remove_text(index, doc_key);
}

/* Documents: keys_out (document keys), chunk_keys_out (each document's
 * nearest chunk) and distances_out hold k entries, found_out one. The query
 * is len bytes of UTF-8 without NUL bytes (the wrappers check). */
int qvs_index_search_text(const qv_index *index, const unsigned char *IN_BYTES, uint64_t len,
                          uint64_t k, uint32_t ef, uint64_t rerank, QvFilter *filter,
                          uint64_t *keys_out, uint64_t *chunk_keys_out, float *distances_out,
                          uint64_t *found_out) {
  std::string query = qvs_bytes_string(IN_BYTES, len);
  qv_search_params p;
  qvs_search_params_with(&p, ef, rerank, filter);
  size_t found = 0;
  qv_status s = qv_index_search_text_ex(index, query.c_str(), (size_t)k, &p, keys_out,
                                        chunk_keys_out, distances_out, &found);
  found_out[0] = found;
  return s;
}

/* Chunks: keys_out (chunk keys) and distances_out hold k entries. */
int qvs_index_search_text_chunks(const qv_index *index, const unsigned char *IN_BYTES,
                                 uint64_t len, uint64_t k, uint32_t ef, uint64_t rerank,
                                 QvFilter *filter, uint64_t *keys_out, float *distances_out,
                                 uint64_t *found_out) {
  std::string query = qvs_bytes_string(IN_BYTES, len);
  qv_search_params p;
  qvs_search_params_with(&p, ef, rerank, filter);
  size_t found = 0;
  qv_status s = qv_index_search_text_chunks(index, query.c_str(), (size_t)k, &p, keys_out,
                                            distances_out, &found);
  found_out[0] = found;
  return s;
}
%}

/* Keyword and hybrid search: scores, highest first, instead of distances. */
%apply uint64_t *OUT_U64 { uint64_t *doc_keys_out };
%apply float *OUT_F32 { float *scores_out };

%inline %{
/* Keywords (BM25 over metadata text): keys_out and scores_out hold k entries.
 * The query is len bytes of UTF-8 without NUL bytes (the wrappers check). */
int qvs_index_search_keywords(const qv_index *index, const unsigned char *IN_BYTES, uint64_t len,
                              uint64_t k, QvFilter *filter, uint64_t *keys_out, float *scores_out,
                              uint64_t *found_out) {
  std::string query = qvs_bytes_string(IN_BYTES, len);
  qv_search_params p;
  qvs_search_params_with(&p, 0, 0, filter);
  size_t found = 0;
  qv_status s =
      qv_index_search_keywords(index, query.c_str(), (size_t)k, &p, keys_out, scores_out, &found);
  found_out[0] = found;
  return s;
}

/* Hybrid (documents by meaning and keywords): doc_keys_out, chunk_keys_out
 * and scores_out hold k entries. keyword_weight as qv_search_params'
 * (0 = equal weights; the library checks the range). */
int qvs_index_search_hybrid(const qv_index *index, const unsigned char *IN_BYTES, uint64_t len,
                            uint64_t k, uint32_t ef, float keyword_weight, QvFilter *filter,
                            uint64_t *doc_keys_out, uint64_t *chunk_keys_out, float *scores_out,
                            uint64_t *found_out) {
  std::string query = qvs_bytes_string(IN_BYTES, len);
  qv_search_params p;
  qvs_search_params_with(&p, ef, 0, filter);
  p.keyword_weight = keyword_weight;
  size_t found = 0;
  qv_status s = qv_index_search_hybrid(index, query.c_str(), (size_t)k, &p, doc_keys_out,
                                       chunk_keys_out, scores_out, &found);
  found_out[0] = found;
  return s;
}
%}

/* ------------------------------------------------------------------------ */
/* Documents                                                                */
/* ------------------------------------------------------------------------ */

/* The texts of an upsert cross as bytes + length, like queries; a NULL array
 * (Java null, C# null) is NULL for the C call (source and fields: none). */
%apply const unsigned char *IN_BYTES {
  const unsigned char *text, const unsigned char *source, const unsigned char *fields
};

%{
/* The bytes as a C string, or NULL for a NULL array. */
static const char *qvs_c_string(const unsigned char *bytes, uint64_t len, std::string &keep) {
  if (!bytes) return NULL;
  keep = qvs_bytes_string(bytes, len);
  return keep.c_str();
}
%}

%inline %{
/* Adds or replaces a document. text, source and fields are UTF-8 without NUL
 * bytes (the wrappers check); source and fields may be NULL (none). */
int qvs_index_upsert_text(qv_index *index, uint64_t doc_key, const unsigned char *text,
                          uint64_t text_len, const unsigned char *source, uint64_t source_len,
                          const unsigned char *fields, uint64_t fields_len) {
  std::string t, s, f;
  return qv_index_upsert_text(index, doc_key, qvs_c_string(text, text_len, t),
                              qvs_c_string(source, source_len, s),
                              qvs_c_string(fields, fields_len, f));
}

/* A document's chunk keys: the first min(count, capacity) to keys_out (NULL
 * when capacity is 0), the count to found_out[0]. */
int qvs_index_document_chunks(const qv_index *index, uint64_t doc_key, uint64_t *keys_out,
                              uint64_t capacity, uint64_t *found_out) {
  size_t count = 0;
  qv_status s = qv_index_document_chunks(index, doc_key, keys_out, (size_t)capacity, &count);
  found_out[0] = count;
  return s;
}

/* A document's source and fields, copied by the library under the document
 * table's lock: one whole version even while another thread upserts or
 * removes the document (the bytes qv_index_get_document points to may be
 * freed meanwhile). Either QvBytes may be NULL (not copied). A first guess
 * of room, then both again with their lengths when one was longer, so that
 * source and fields always come from one call: one version. */
int qvs_index_get_document(const qv_index *index, uint64_t doc_key, QvBytes *source,
                           QvBytes *fields) {
  std::string src(source ? 256 : 0, '\0'), fld(fields ? 1024 : 0, '\0');
  for (;;) {
    size_t src_len = 0, fld_len = 0;
    qv_status s = qv_index_copy_document(index, doc_key, src.empty() ? NULL : &src[0], src.size(),
                                         &src_len, fld.empty() ? NULL : &fld[0], fld.size(),
                                         &fld_len);
    if (s != QV_OK) return s;
    const bool whole = (!source || src_len <= src.size()) && (!fields || fld_len <= fld.size());
    if (source) src.resize(src_len);
    if (fields) fld.resize(fld_len);
    if (whole) {
      if (source) source->data_.swap(src);
      if (fields) fields->data_.swap(fld);
      return s;
    }
  }
}

/* A page of document keys >= first_key, ascending: keys_out holds capacity
 * entries, found_out one. */
int qvs_index_list_documents(const qv_index *index, uint64_t first_key, uint64_t *keys_out,
                             uint64_t capacity, uint64_t *found_out) {
  size_t count = 0;
  qv_status s = qv_index_list_documents(index, first_key, keys_out, (size_t)capacity, &count);
  found_out[0] = count;
  return s;
}

/* out: one entry. */
int qvs_index_document_count(const qv_index *index, uint64_t *OUT_U64) {
  uint64_t n = 0;
  qv_status s = qv_index_document_count(index, &n);
  OUT_U64[0] = n;
  return s;
}
%}
