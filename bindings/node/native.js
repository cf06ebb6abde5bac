'use strict';
// The native side of the Node binding: finds and loads libquiver, and
// declares the C API of include/quiver/quiver.h for koffi (struct layouts,
// enum values, functions). index.js builds the JavaScript API on it;
// test/parity.test.js checks these declarations against the header.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const koffi = require('koffi');

const SONAME = 'libquiver.so.0';
const SYSTEM_DIRS = ['/usr/local/lib', '/usr/local/lib64', '/usr/lib', '/usr/lib64',
  '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

/** The libdir pkg-config gives for quiver, or null (no pkg-config, no quiver.pc). */
function pkgConfigLibdir() {
  try {
    const dir = execFileSync('pkg-config', ['--variable=libdir', 'quiver'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dir || null;
  } catch {
    return null;
  }
}

/**
 * Loads libquiver from, in order: the package folder (a library shipped
 * with the package), QUIVER_LIB (a path to libquiver.so), the dynamic
 * loader by name (ldconfig's cache, LD_LIBRARY_PATH), the usual system
 * directories (an install whose ldconfig was not run yet), and the libdir
 * of pkg-config's quiver.pc. Throws an Error listing every place tried.
 */
function loadLibrary() {
  const tried = [];
  const attempt = (file, where) => {
    if (file.includes('/') && !fs.existsSync(file)) {
      tried.push(`${file} (${where}): no such file`);
      return null;
    }
    try {
      return koffi.load(file);
    } catch (e) {
      tried.push(`${file} (${where}): ${String(e.message).split('\n')[0]}`);
      return null;
    }
  };
  const steps = [
    () => attempt(path.join(__dirname, SONAME), 'the package folder'),
    () => {
      if (process.env.QUIVER_LIB) return attempt(process.env.QUIVER_LIB, 'QUIVER_LIB');
      tried.push('QUIVER_LIB: not set');
      return null;
    },
    () => attempt(SONAME, 'the dynamic loader: ldconfig, LD_LIBRARY_PATH'),
    ...SYSTEM_DIRS.map((dir) => () => attempt(path.join(dir, SONAME), 'a system directory')),
    () => {
      const dir = pkgConfigLibdir();
      if (dir !== null) return attempt(path.join(dir, SONAME), 'pkg-config --variable=libdir quiver');
      tried.push('pkg-config --variable=libdir quiver: no quiver.pc found');
      return null;
    },
  ];
  for (const step of steps) {
    const loaded = step();
    if (loaded) return loaded;
  }
  throw new Error(
    'Cannot load libquiver, the Quiver C library. Tried:\n  - ' + tried.join('\n  - ') +
    '\nInstall Quiver (cmake --install build --prefix /usr/local, then ldconfig), or set ' +
    'QUIVER_LIB to the path of libquiver.so.');
}

const lib = loadLibrary();

/** The enums of quiver.h: C name -> value (the parity test checks them). */
const enums = Object.freeze({
  qv_status: Object.freeze({
    QV_OK: 0, QV_ERR_INVALID_ARGUMENT: 1, QV_ERR_DIMENSION_MISMATCH: 2, QV_ERR_NOT_FOUND: 3,
    QV_ERR_DUPLICATE_KEY: 4, QV_ERR_IO: 5, QV_ERR_CORRUPT: 6, QV_ERR_UNSUPPORTED: 7,
    QV_ERR_OUT_OF_MEMORY: 8, QV_ERR_EMBEDDING: 9, QV_ERR_INTERNAL: 10,
  }),
  qv_metric: Object.freeze({ QV_METRIC_L2: 1, QV_METRIC_IP: 2, QV_METRIC_COSINE: 3 }),
  qv_index_kind: Object.freeze({ QV_INDEX_FLAT: 1, QV_INDEX_HNSW: 2 }),
  qv_storage: Object.freeze({ QV_STORAGE_F32: 1, QV_STORAGE_F16: 2, QV_STORAGE_I8: 3, QV_STORAGE_B1: 4 }),
  qv_open_mode: Object.freeze({ QV_OPEN_LOAD: 1, QV_OPEN_MMAP: 2 }),
  qv_verify_mode: Object.freeze({ QV_VERIFY_ALL: 1, QV_VERIFY_DEFERRED: 2 }),
  qv_chunk_unit: Object.freeze({ QV_CHUNK_CHARACTERS: 1, QV_CHUNK_TOKENS: 2 }),
  qv_embed_task: Object.freeze({ QV_EMBED_DOCUMENT: 1, QV_EMBED_QUERY: 2 }),
});

// Enums cross as int (the size of a C enum on every platform koffi runs on).
koffi.opaque('qv_index');
const FilterFn = koffi.proto('int qv_filter_fn(uint64_t key, void *user)');

/** The structs of quiver.h, in the header's field order (the parity test checks the layouts). */
const structs = Object.freeze({
  qv_index_options: koffi.struct('qv_index_options', {
    struct_size: 'uint32_t',
    dim: 'uint32_t',
    metric: 'int',
    kind: 'int',
    hnsw_m: 'uint32_t',
    hnsw_ef_construction: 'uint32_t',
    hnsw_ef_search: 'uint32_t',
    seed: 'uint64_t',
    threads: 'uint32_t',
    storage: 'int',
    keep_originals: 'uint32_t',
  }),
  qv_search_params: koffi.struct('qv_search_params', {
    struct_size: 'uint32_t',
    ef: 'uint32_t',
    filter: 'qv_filter_fn *',
    filter_user: 'void *',
    threads: 'uint32_t',
    rerank: 'size_t',
    keyword_weight: 'float',
  }),
  qv_save_options: koffi.struct('qv_save_options', {
    struct_size: 'uint32_t',
    compress_vectors: 'int',
    compress_graph: 'int',
    zstd_level: 'int',
  }),
  qv_open_options: koffi.struct('qv_open_options', {
    struct_size: 'uint32_t',
    mode: 'int',
    verify: 'int',
    threads: 'uint32_t',
  }),
  qv_text_options: koffi.struct('qv_text_options', {
    struct_size: 'uint32_t',
    unit: 'int',
    chunk_size: 'uint32_t',
    chunk_overlap: 'uint32_t',
  }),
  qv_index_info: koffi.struct('qv_index_info', {
    struct_size: 'uint32_t',
    kind: 'int',
    metric: 'int',
    dim: 'uint32_t',
    count: 'uint64_t',
    deleted: 'uint64_t',
    metadata_count: 'uint64_t',
    hnsw_m: 'uint32_t',
    hnsw_ef_construction: 'uint32_t',
    hnsw_ef_search: 'uint32_t',
    seed: 'uint64_t',
    read_only: 'int',
    storage: 'int',
    keeps_originals: 'int',
  }),
  qv_gemini_options: koffi.struct('qv_gemini_options', {
    struct_size: 'uint32_t',
    api_key: 'const char *',
    base_url: 'const char *',
    model: 'const char *',
    output_dim: 'uint32_t',
    batch_size: 'uint32_t',
    requests_per_minute: 'uint32_t',
    max_retries: 'uint32_t',
    timeout_ms: 'uint32_t',
    connect_timeout_ms: 'uint32_t',
    initial_backoff_ms: 'uint32_t',
    max_backoff_ms: 'uint32_t',
    max_retry_delay_ms: 'uint32_t',
    max_concurrent_requests: 'uint32_t',
  }),
});

koffi.opaque('qv_embedder');
const EmbedFn = koffi.proto(
  'int qv_embed_fn(void *user, size_t n, const char **texts, const size_t *lengths, float *out, ' +
    'void *err, size_t err_len)');

/** The C functions, by short name. */
// fn(out) for an `_init_sized` function of a struct type: passes the size.
function sized(fn, type) {
  const size = koffi.sizeof(type);
  return (out) => fn(out, size);
}

const c = {
  version: lib.func('const char *qv_version(void)'),
  versionNumber: lib.func('unsigned int qv_version_number(void)'),
  statusString: lib.func('const char *qv_status_string(int s)'),
  lastError: lib.func('const char *qv_last_error(void)'),
  // Grown structs are initialised for this binding's own layout (quiver.h:
  // `_init_sized` writes no more than the size given).
  optionsInit: sized(
    lib.func('void qv_index_options_init_sized(_Out_ qv_index_options *opts, size_t struct_size)'),
    structs.qv_index_options),
  paramsInit: sized(
    lib.func('void qv_search_params_init_sized(_Out_ qv_search_params *params, size_t struct_size)'),
    structs.qv_search_params),
  create: lib.func('int qv_index_create(const qv_index_options *opts, _Out_ qv_index **out)'),
  free: lib.func('void qv_index_free(qv_index *index)'),
  add: lib.func('int qv_index_add(qv_index *index, uint64_t key, const float *vector)'),
  addBatch: lib.func(
    'int qv_index_add_batch(qv_index *index, size_t n, const uint64_t *keys, const float *vectors)'),
  upsert: lib.func('int qv_index_upsert(qv_index *index, uint64_t key, const float *vector)'),
  remove: lib.func('int qv_index_remove(qv_index *index, uint64_t key)'),
  count: lib.func('int qv_index_count(const qv_index *index, _Out_ size_t *out)'),
  dim: lib.func('int qv_index_dim(const qv_index *index, _Out_ uint32_t *out)'),
  get: lib.func('int qv_index_get(const qv_index *index, uint64_t key, float *vector_out)'),
  search: lib.func(
    'int qv_index_search(const qv_index *index, const float *query, size_t k, ' +
      'const qv_search_params *params, uint64_t *keys_out, float *distances_out, ' +
      '_Out_ size_t *found_out)'),
  searchBatch: lib.func(
    'int qv_index_search_batch(const qv_index *index, size_t nq, const float *queries, size_t k, ' +
      'const qv_search_params *params, uint64_t *keys_out, float *distances_out, ' +
      'uint64_t *found_out)'),
  saveOptionsInit: lib.func('void qv_save_options_init(_Out_ qv_save_options *opts)'),
  saveWithOptions: lib.func(
    'int qv_index_save_with_options(const qv_index *index, const char *path, ' +
      'const qv_save_options *opts)'),
  openOptionsInit: lib.func('void qv_open_options_init(_Out_ qv_open_options *opts)'),
  openWithOptions: lib.func(
    'int qv_index_open_with_options(const char *path, const qv_open_options *opts, _Out_ qv_index **out)'),
  verify: lib.func('int qv_index_verify(const qv_index *index)'),
  memoryBytes: lib.func('int qv_index_memory_bytes(const qv_index *index, _Out_ size_t *out)'),
  exportNpy: lib.func(
    'int qv_index_export_npy(const qv_index *index, const char *vectors_path, const char *keys_path)'),
  importNpy: lib.func(
    'int qv_index_import_npy(qv_index *index, const char *vectors_path, const char *keys_path)'),
  setMetadata: lib.func(
    'int qv_index_set_metadata(qv_index *index, uint64_t key, const uint8_t *data, size_t len)'),
  // Copies made under the index's locks (the pointer getters' bytes could be
  // freed by a change on another thread); buf is a Buffer the call fills.
  copyMetadata: lib.func(
    'int qv_index_copy_metadata(const qv_index *index, uint64_t key, void *buf, size_t capacity, ' +
      '_Out_ size_t *len_out)'),
  compact: lib.func('int qv_index_compact(qv_index *index)'),
  infoInit: sized(
    lib.func('void qv_index_info_init_sized(_Out_ qv_index_info *info, size_t struct_size)'),
    structs.qv_index_info),
  getInfo: lib.func('int qv_index_get_info(const qv_index *index, _Inout_ qv_index_info *info)'),
  embedderCreateCallback: lib.func(
    'int qv_embedder_create_callback(uint32_t dim, qv_embed_fn *fn, void *user, _Out_ qv_embedder **out)'),
  embedderCreateHashing: lib.func('int qv_embedder_create_hashing(uint32_t dim, _Out_ qv_embedder **out)'),
  geminiOptionsInit: lib.func('void qv_gemini_options_init(_Out_ qv_gemini_options *opts)'),
  embedderCreateGemini: lib.func(
    'int qv_embedder_create_gemini(const qv_gemini_options *opts, _Out_ qv_embedder **out)'),
  embedderEmbed: lib.func(
    'int qv_embedder_embed_ex(qv_embedder *emb, int task, size_t n, const char **texts, ' +
      'const size_t *lengths, float *out)'),
  embedderDim: lib.func('int qv_embedder_dim(const qv_embedder *emb, _Out_ uint32_t *out)'),
  embedderFree: lib.func('void qv_embedder_free(qv_embedder *emb)'),
  textOptionsInit: lib.func('void qv_text_options_init(_Out_ qv_text_options *opts)'),
  setTextOptions: lib.func('int qv_index_set_text_options(qv_index *index, const qv_text_options *opts)'),
  setEmbedder: lib.func('int qv_index_set_embedder(qv_index *index, qv_embedder *emb)'),
  addTexts: lib.func(
    'int qv_index_add_texts(qv_index *index, size_t n, const uint64_t *doc_keys, const char **texts)'),
  removeText: lib.func('int qv_index_remove_text(qv_index *index, uint64_t doc_key)'),
  upsertText: lib.func(
    'int qv_index_upsert_text(qv_index *index, uint64_t doc_key, const char *text, ' +
      'const char *source, const char *fields)'),
  documentChunks: lib.func(
    'int qv_index_document_chunks(const qv_index *index, uint64_t doc_key, uint64_t *keys_out, ' +
      'size_t capacity, _Out_ size_t *count_out)'),
  // void * (not char *): Buffers the call fills, not NUL-terminated; index.js decodes them by length.
  copyDocument: lib.func(
    'int qv_index_copy_document(const qv_index *index, uint64_t doc_key, void *source, ' +
      'size_t source_capacity, _Out_ size_t *source_len, void *fields, size_t fields_capacity, ' +
      '_Out_ size_t *fields_len)'),
  listDocuments: lib.func(
    'int qv_index_list_documents(const qv_index *index, uint64_t first_key, uint64_t *keys_out, ' +
      'size_t capacity, _Out_ size_t *count_out)'),
  documentCount: lib.func('int qv_index_document_count(const qv_index *index, _Out_ uint64_t *count_out)'),
  searchTextChunks: lib.func(
    'int qv_index_search_text_chunks(const qv_index *index, const char *query, size_t k, ' +
      'const qv_search_params *params, uint64_t *keys_out, float *distances_out, _Out_ size_t *found_out)'),
  searchTextEx: lib.func(
    'int qv_index_search_text_ex(const qv_index *index, const char *query, size_t k, ' +
      'const qv_search_params *params, uint64_t *doc_keys_out, uint64_t *chunk_keys_out, ' +
      'float *distances_out, _Out_ size_t *found_out)'),
  searchKeywords: lib.func(
    'int qv_index_search_keywords(const qv_index *index, const char *query, size_t k, ' +
      'const qv_search_params *params, uint64_t *keys_out, float *scores_out, _Out_ size_t *found_out)'),
  searchHybrid: lib.func(
    'int qv_index_search_hybrid(const qv_index *index, const char *query, size_t k, ' +
      'const qv_search_params *params, uint64_t *doc_keys_out, uint64_t *chunk_keys_out, ' +
      'float *scores_out, _Out_ size_t *found_out)'),
};

module.exports = { koffi, lib, c, enums, structs, FilterFn, EmbedFn };
