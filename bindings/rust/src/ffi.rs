//! Hand-written declarations of the C API in include/quiver/quiver.h (the
//! subset this binding uses). Struct layouts mirror the header exactly; every
//! options struct is filled by its C `_init()` function before use.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

pub type qv_status = c_int;

#[repr(C)]
pub struct qv_index {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_index_options {
    pub struct_size: u32,
    pub dim: u32,
    pub metric: c_int,
    pub kind: c_int,
    pub hnsw_m: u32,
    pub hnsw_ef_construction: u32,
    pub hnsw_ef_search: u32,
    pub seed: u64,
    pub threads: u32,
    pub storage: c_int,
    pub keep_originals: u32,
}

pub type qv_filter_fn = unsafe extern "C" fn(key: u64, user: *mut c_void) -> c_int;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_search_params {
    pub struct_size: u32,
    pub ef: u32,
    pub filter: Option<qv_filter_fn>,
    pub filter_user: *mut c_void,
    pub threads: u32,
    pub rerank: usize,
    pub keyword_weight: f32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_save_options {
    pub struct_size: u32,
    pub compress_vectors: c_int,
    pub compress_graph: c_int,
    pub zstd_level: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_index_info {
    pub struct_size: u32,
    pub kind: c_int,
    pub metric: c_int,
    pub dim: u32,
    pub count: u64,
    pub deleted: u64,
    pub metadata_count: u64,
    pub hnsw_m: u32,
    pub hnsw_ef_construction: u32,
    pub hnsw_ef_search: u32,
    pub seed: u64,
    pub read_only: c_int,
    pub storage: c_int,
    pub keeps_originals: c_int,
}

#[repr(C)]
pub struct qv_embedder {
    _private: [u8; 0],
}

pub type qv_embed_fn = unsafe extern "C" fn(
    user: *mut c_void,
    n: usize,
    texts: *const *const c_char,
    lengths: *const usize,
    out: *mut f32,
    err: *mut c_char,
    err_len: usize,
) -> c_int;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_gemini_options {
    pub struct_size: u32,
    pub api_key: *const c_char,
    pub base_url: *const c_char,
    pub model: *const c_char,
    pub output_dim: u32,
    pub batch_size: u32,
    pub requests_per_minute: u32,
    pub max_retries: u32,
    pub timeout_ms: u32,
    pub connect_timeout_ms: u32,
    pub initial_backoff_ms: u32,
    pub max_backoff_ms: u32,
    pub max_retry_delay_ms: u32,
    pub max_concurrent_requests: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_text_options {
    pub struct_size: u32,
    pub unit: c_int,
    pub chunk_size: u32,
    pub chunk_overlap: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct qv_open_options {
    pub struct_size: u32,
    pub mode: c_int,
    pub verify: c_int,
    pub threads: u32,
}

extern "C" {
    pub fn qv_version() -> *const c_char;
    pub fn qv_version_number() -> c_uint;
    pub fn qv_status_string(s: qv_status) -> *const c_char;
    pub fn qv_last_error() -> *const c_char;

    // Grown structs: `_init_sized` writes no more than `struct_size` bytes (this
    // crate's own layout size).
    pub fn qv_index_options_init_sized(opts: *mut qv_index_options, struct_size: usize);
    pub fn qv_search_params_init_sized(params: *mut qv_search_params, struct_size: usize);
    pub fn qv_index_create(opts: *const qv_index_options, out: *mut *mut qv_index) -> qv_status;
    pub fn qv_index_free(index: *mut qv_index);
    pub fn qv_index_add(index: *mut qv_index, key: u64, vector: *const f32) -> qv_status;
    pub fn qv_index_add_batch(
        index: *mut qv_index,
        n: usize,
        keys: *const u64,
        vectors: *const f32,
    ) -> qv_status;
    pub fn qv_index_upsert(index: *mut qv_index, key: u64, vector: *const f32) -> qv_status;
    pub fn qv_index_remove(index: *mut qv_index, key: u64) -> qv_status;
    pub fn qv_index_count(index: *const qv_index, out: *mut usize) -> qv_status;
    pub fn qv_index_dim(index: *const qv_index, out: *mut u32) -> qv_status;
    pub fn qv_index_get(index: *const qv_index, key: u64, vector_out: *mut f32) -> qv_status;
    pub fn qv_index_search(
        index: *const qv_index,
        query: *const f32,
        k: usize,
        params: *const qv_search_params,
        keys_out: *mut u64,
        distances_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_search_batch(
        index: *const qv_index,
        nq: usize,
        queries: *const f32,
        k: usize,
        params: *const qv_search_params,
        keys_out: *mut u64,
        distances_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;

    pub fn qv_save_options_init(opts: *mut qv_save_options);
    pub fn qv_index_save(index: *const qv_index, path: *const c_char) -> qv_status;
    pub fn qv_index_save_with_options(
        index: *const qv_index,
        path: *const c_char,
        opts: *const qv_save_options,
    ) -> qv_status;
    pub fn qv_open_options_init(opts: *mut qv_open_options);
    pub fn qv_index_open_with_options(
        path: *const c_char,
        opts: *const qv_open_options,
        out: *mut *mut qv_index,
    ) -> qv_status;
    pub fn qv_index_verify(index: *const qv_index) -> qv_status;
    pub fn qv_index_memory_bytes(index: *const qv_index, out: *mut usize) -> qv_status;
    pub fn qv_index_export_npy(
        index: *const qv_index,
        vectors_path: *const c_char,
        keys_path: *const c_char,
    ) -> qv_status;
    pub fn qv_index_import_npy(
        index: *mut qv_index,
        vectors_path: *const c_char,
        keys_path: *const c_char,
    ) -> qv_status;

    pub fn qv_index_set_metadata(
        index: *mut qv_index,
        key: u64,
        data: *const c_void,
        len: usize,
    ) -> qv_status;
    pub fn qv_index_copy_metadata(
        index: *const qv_index,
        key: u64,
        buf: *mut c_void,
        capacity: usize,
        len_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_compact(index: *mut qv_index) -> qv_status;
    pub fn qv_index_get_info(index: *const qv_index, info: *mut qv_index_info) -> qv_status;

    pub fn qv_embedder_create_callback(
        dim: u32,
        f: Option<qv_embed_fn>,
        user: *mut c_void,
        out: *mut *mut qv_embedder,
    ) -> qv_status;
    pub fn qv_embedder_create_hashing(dim: u32, out: *mut *mut qv_embedder) -> qv_status;
    pub fn qv_gemini_options_init(opts: *mut qv_gemini_options);
    pub fn qv_embedder_create_gemini(
        opts: *const qv_gemini_options,
        out: *mut *mut qv_embedder,
    ) -> qv_status;
    pub fn qv_embedder_embed_ex(
        emb: *mut qv_embedder,
        task: c_int,
        n: usize,
        texts: *const *const c_char,
        lengths: *const usize,
        out: *mut f32,
    ) -> qv_status;
    pub fn qv_embedder_dim(emb: *const qv_embedder, out: *mut u32) -> qv_status;
    pub fn qv_embedder_free(emb: *mut qv_embedder);

    pub fn qv_text_options_init(opts: *mut qv_text_options);
    pub fn qv_index_set_text_options(
        index: *mut qv_index,
        opts: *const qv_text_options,
    ) -> qv_status;
    pub fn qv_index_set_embedder(index: *mut qv_index, emb: *mut qv_embedder) -> qv_status;
    pub fn qv_index_add_texts(
        index: *mut qv_index,
        n: usize,
        doc_keys: *const u64,
        texts: *const *const c_char,
    ) -> qv_status;
    pub fn qv_index_remove_text(index: *mut qv_index, doc_key: u64) -> qv_status;
    pub fn qv_index_search_text_chunks(
        index: *const qv_index,
        query: *const c_char,
        k: usize,
        params: *const qv_search_params,
        keys_out: *mut u64,
        distances_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_search_text_ex(
        index: *const qv_index,
        query: *const c_char,
        k: usize,
        params: *const qv_search_params,
        doc_keys_out: *mut u64,
        chunk_keys_out: *mut u64,
        distances_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_search_keywords(
        index: *const qv_index,
        query: *const c_char,
        k: usize,
        params: *const qv_search_params,
        keys_out: *mut u64,
        scores_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_upsert_text(
        index: *mut qv_index,
        doc_key: u64,
        text: *const c_char,
        source: *const c_char,
        fields: *const c_char,
    ) -> qv_status;
    pub fn qv_index_document_chunks(
        index: *const qv_index,
        doc_key: u64,
        keys_out: *mut u64,
        capacity: usize,
        count_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_copy_document(
        index: *const qv_index,
        doc_key: u64,
        source: *mut c_char,
        source_capacity: usize,
        source_len: *mut usize,
        fields: *mut c_char,
        fields_capacity: usize,
        fields_len: *mut usize,
    ) -> qv_status;
    pub fn qv_index_list_documents(
        index: *const qv_index,
        first_key: u64,
        keys_out: *mut u64,
        capacity: usize,
        count_out: *mut usize,
    ) -> qv_status;
    pub fn qv_index_document_count(index: *const qv_index, count_out: *mut u64) -> qv_status;
    pub fn qv_index_search_hybrid(
        index: *const qv_index,
        query: *const c_char,
        k: usize,
        params: *const qv_search_params,
        doc_keys_out: *mut u64,
        chunk_keys_out: *mut u64,
        scores_out: *mut f32,
        found_out: *mut usize,
    ) -> qv_status;
}
