//! Rust binding of Quiver, an embeddable vector search engine.
//!
//! ```no_run
//! use quiver::{Index, IndexKind, Options};
//! let index = Index::new(Options::new(4).kind(IndexKind::Flat))?;
//! index.add(42, &[1.0, 0.0, 0.0, 0.0])?;
//! let hits = index.search(&[1.0, 0.0, 0.0, 0.0], 1)?;
//! assert_eq!(hits[0].key, 42);
//! # Ok::<(), quiver::Error>(())
//! ```
//!
//! Every failure is an [`Error`] carrying Quiver's [`Status`] and message.
//!
//! Thread-safety: an [`Index`] is `Send + Sync` and follows the C API's
//! contract: searches, `get`, `count`, `add`, `add_batch`, `upsert`,
//! `remove`, metadata, text calls and `save` take `&self` and may run from
//! any number of threads at once (share the index through an
//! `Arc<Index>`). Only [`Index::compact`] (which replaces the index) and
//! dropping it take `&mut self` / ownership, as the C API requires them to
//! run alone.

mod documents;
mod embedder;
mod ffi;
mod keywords;
#[cfg(test)]
mod parity;
mod text;

pub use documents::{Document, MAX_DOC_FIELDS, MAX_DOC_SOURCE};
pub use embedder::{EmbedTask, Embedder, GeminiOptions};
pub use keywords::{HybridHit, KeywordHit};
pub use text::{chunk_key, doc_key, ChunkUnit, TextHit, TextOptions, MAX_DOC_KEY};

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr;
use std::sync::{Arc, Mutex};

/// Quiver's result codes (`qv_status`); the values never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    InvalidArgument,
    DimensionMismatch,
    NotFound,
    DuplicateKey,
    Io,
    Corrupt,
    Unsupported,
    OutOfMemory,
    Embedding,
    Internal,
    /// A code this version of the binding does not know (a newer library).
    Unknown(i32),
}

impl Status {
    /// The status of a C value (`Unknown` for one this binding does not know;
    /// 0, `QV_OK`, is no error and also `Unknown(0)`).
    pub fn from_code(code: i32) -> Status {
        match code {
            1 => Status::InvalidArgument,
            2 => Status::DimensionMismatch,
            3 => Status::NotFound,
            4 => Status::DuplicateKey,
            5 => Status::Io,
            6 => Status::Corrupt,
            7 => Status::Unsupported,
            8 => Status::OutOfMemory,
            9 => Status::Embedding,
            10 => Status::Internal,
            other => Status::Unknown(other),
        }
    }

    /// The C value of the status.
    pub fn code(self) -> i32 {
        match self {
            Status::InvalidArgument => 1,
            Status::DimensionMismatch => 2,
            Status::NotFound => 3,
            Status::DuplicateKey => 4,
            Status::Io => 5,
            Status::Corrupt => 6,
            Status::Unsupported => 7,
            Status::OutOfMemory => 8,
            Status::Embedding => 9,
            Status::Internal => 10,
            Status::Unknown(c) => c,
        }
    }

    /// The C name of the status, e.g. "QV_ERR_NOT_FOUND".
    pub fn name(self) -> String {
        unsafe { cstr(ffi::qv_status_string(self.code())) }
    }
}

/// A failed Quiver call: the status and Quiver's message, which says what went
/// wrong and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.name(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

unsafe fn cstr(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

fn check(status: c_int) -> Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(Error {
            status: Status::from_code(status),
            message: unsafe { cstr(ffi::qv_last_error()) },
        })
    }
}

fn error(status: Status, message: String) -> Error {
    Error { status, message }
}

fn c_path(path: &Path) -> Result<CString> {
    let s = path.to_str().ok_or_else(|| {
        error(
            Status::InvalidArgument,
            format!("path {:?} is not valid UTF-8", path),
        )
    })?;
    CString::new(s).map_err(|_| {
        error(
            Status::InvalidArgument,
            format!("path {:?} contains a NUL byte", s),
        )
    })
}

/// The version of the libquiver actually linked, e.g. "0.1.0".
pub fn version() -> String {
    unsafe { cstr(ffi::qv_version()) }
}

/// The same as a number: major * 10000 + minor * 100 + patch.
pub fn version_number() -> u32 {
    unsafe { ffi::qv_version_number() }
}

/// How distance is measured: L2 = squared euclidean, Ip = 1 - dot,
/// Cosine = 1 - cos (vectors normalised on insert).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    L2 = 1,
    Ip = 2,
    Cosine = 3,
}

/// The search structure: Flat scans exactly, Hnsw searches a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    Flat = 1,
    Hnsw = 2,
}

/// How an index stores its vectors ([`Options::storage`]). The lossy types
/// walk the graph on compact codes and re-rank the best candidates on the
/// float32 originals (kept unless `keep_originals(false)`), so distances stay
/// exact. HNSW only in this version: a Flat index refuses anything but F32
/// (`Unsupported`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// float32, exact (the default): 4 bytes per dimension.
    F32 = 1,
    /// IEEE half: 2 bytes per dimension; `get` returns the half values.
    F16 = 2,
    /// int8, one scale per vector: 1 byte per dimension + 8.
    I8 = 3,
    /// One sign bit per dimension (+ 8 bytes); Cosine and Ip only.
    B1 = 4,
}

/// How [`Index::open`] brings a saved index in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read everything into memory; the index is mutable.
    Load = 1,
    /// Map the file read-only and search it in place; mutations fail with Unsupported.
    Mmap = 2,
}

/// When [`Index::open_with_options`] checks the vectors and the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    /// Before the open returns (the default): a damaged file never opens.
    All = 1,
    /// `Mmap` only: skip the checks of the sections searched in place, so
    /// the open reads no vector. Damage there goes unnoticed until
    /// [`Index::verify`]: use it only for files you trust, and verify when
    /// you can. The same as `All` for `Load`.
    Deferred = 2,
}

/// Options for [`Index::open_with_options`]; the defaults are `Load`,
/// `VerifyMode::All` and all cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    pub mode: OpenMode,
    pub verify: VerifyMode,
    /// Threads for the checksums, and for the index's batch calls; 0 = all cores.
    pub threads: u32,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            mode: OpenMode::Load,
            verify: VerifyMode::All,
            threads: 0,
        }
    }
}

/// Options for [`Index::new`]; unset options keep the library defaults
/// (HNSW, L2, M = 16, ef_construction = 200, ef_search = 64, seed 42, all cores).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub dim: u32,
    pub metric: Option<Metric>,
    pub kind: Option<IndexKind>,
    pub hnsw_m: Option<u32>,
    pub hnsw_ef_construction: Option<u32>,
    pub hnsw_ef_search: Option<u32>,
    pub seed: Option<u64>,
    /// Threads for batch calls; 0 = all cores.
    pub threads: Option<u32>,
    /// How vectors are stored; default F32.
    pub storage: Option<Storage>,
    /// I8 and B1: keep the float32 originals for exact re-ranking (default true).
    pub keep_originals: Option<bool>,
}

impl Options {
    pub fn new(dim: u32) -> Options {
        Options {
            dim,
            ..Default::default()
        }
    }
    pub fn metric(mut self, m: Metric) -> Self {
        self.metric = Some(m);
        self
    }
    pub fn kind(mut self, k: IndexKind) -> Self {
        self.kind = Some(k);
        self
    }
    pub fn hnsw_m(mut self, m: u32) -> Self {
        self.hnsw_m = Some(m);
        self
    }
    pub fn hnsw_ef_construction(mut self, ef: u32) -> Self {
        self.hnsw_ef_construction = Some(ef);
        self
    }
    pub fn hnsw_ef_search(mut self, ef: u32) -> Self {
        self.hnsw_ef_search = Some(ef);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    pub fn threads(mut self, threads: u32) -> Self {
        self.threads = Some(threads);
        self
    }
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = Some(storage);
        self
    }
    pub fn keep_originals(mut self, keep: bool) -> Self {
        self.keep_originals = Some(keep);
        self
    }
}

/// Per-search options. The filter runs on Quiver's searching threads
/// (concurrently for batches), hence `Sync`; it must not call back into the
/// same index. A panic in the filter fails the search and is resumed on the
/// caller's thread.
#[derive(Clone, Copy, Default)]
pub struct SearchOptions<'a> {
    /// HNSW candidate list size; 0 = the index default.
    pub ef: u32,
    /// Only keys for which the filter returns true are returned.
    pub filter: Option<&'a (dyn Fn(u64) -> bool + Sync)>,
    /// Threads for batch searches; 0 = all cores.
    pub threads: u32,
    /// I8 and B1 with originals: how many of the best candidates are
    /// re-ranked on the float32 originals; 0 = all of them (ef).
    pub rerank: usize,
    /// Hybrid search only: the weight of the keyword ranking against the
    /// meaning ranking's 1 (score = 1 / (60 + meaning rank) + keyword_weight
    /// / (60 + keyword rank)). 0 (the default) = 1, equal weights; raise it
    /// for queries of names and codes or with a weak embedder. Finite, 0 to
    /// 1000: anything else fails the search with `InvalidArgument`.
    pub keyword_weight: f32,
}

/// Options for [`Index::save_with_options`]; unset options keep the defaults.
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    pub compress_vectors: Option<bool>,
    pub compress_graph: Option<bool>,
    pub zstd_level: Option<i32>,
}

/// One search result: a key and its distance to the query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub key: u64,
    pub distance: f32,
}

/// A description of an index (`qv_index_get_info`).
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    pub kind: IndexKind,
    pub metric: Metric,
    pub dim: u32,
    pub count: u64,
    pub deleted: u64,
    pub metadata_count: u64,
    pub hnsw_m: u32,
    pub hnsw_ef_construction: u32,
    pub hnsw_ef_search: u32,
    pub seed: u64,
    pub read_only: bool,
    pub storage: Storage,
    /// I8 and B1: the float32 originals are kept.
    pub keeps_originals: bool,
}

/// The state behind a filter callback: the closure and its first panic.
struct FilterState<'a> {
    filter: &'a (dyn Fn(u64) -> bool + Sync),
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

unsafe extern "C" fn filter_trampoline(key: u64, user: *mut c_void) -> c_int {
    let state = &*(user as *const FilterState<'_>);
    if state.panic.lock().map(|p| p.is_some()).unwrap_or(true) {
        return 0;
    }
    match catch_unwind(AssertUnwindSafe(|| (state.filter)(key))) {
        Ok(keep) => keep as c_int,
        Err(payload) => {
            if let Ok(mut slot) = state.panic.lock() {
                if slot.is_none() {
                    *slot = Some(payload);
                }
            }
            0
        }
    }
}

/// The first buffer [`Index::metadata`] offers (a call with more room
/// follows when the metadata is longer).
const METADATA_GUESS: usize = 1024;

/// A Quiver index: vectors of `dim` floats under u64 keys. Freed on drop.
pub struct Index {
    raw: *mut ffi::qv_index,
    dim: usize,
    // The Rust state of every callback embedder ever attached
    // (set_embedder): the native index, or a text call still running with a
    // replaced embedder, may call into it. Dropped after raw is freed.
    embedder_states: Mutex<Vec<Arc<embedder::CallbackState>>>,
}

// The C API allows any number of threads to search, add and remove on one
// index at once; what must run alone (compact, free) takes &mut self or self.
unsafe impl Send for Index {}
unsafe impl Sync for Index {}

impl Drop for Index {
    fn drop(&mut self) {
        unsafe { ffi::qv_index_free(self.raw) }
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index").field("dim", &self.dim).finish()
    }
}

impl Index {
    fn wrap(raw: *mut ffi::qv_index) -> Index {
        let mut dim = 0u32;
        unsafe { ffi::qv_index_dim(raw, &mut dim) };
        Index {
            raw,
            dim: dim as usize,
            embedder_states: Mutex::new(Vec::new()),
        }
    }

    /// Creates an empty index.
    ///
    /// Errors: `InvalidArgument` (dim 0 or above 65536, hnsw_m outside
    /// 2..=256, an ef of 0), `OutOfMemory`.
    pub fn new(options: Options) -> Result<Index> {
        let mut o = std::mem::MaybeUninit::<ffi::qv_index_options>::uninit();
        let mut o = unsafe {
            ffi::qv_index_options_init_sized(
                o.as_mut_ptr(),
                std::mem::size_of::<ffi::qv_index_options>(),
            );
            o.assume_init()
        };
        o.dim = options.dim;
        if let Some(m) = options.metric {
            o.metric = m as c_int;
        }
        if let Some(k) = options.kind {
            o.kind = k as c_int;
        }
        if let Some(v) = options.hnsw_m {
            o.hnsw_m = v;
        }
        if let Some(v) = options.hnsw_ef_construction {
            o.hnsw_ef_construction = v;
        }
        if let Some(v) = options.hnsw_ef_search {
            o.hnsw_ef_search = v;
        }
        if let Some(v) = options.seed {
            o.seed = v;
        }
        if let Some(v) = options.threads {
            o.threads = v;
        }
        if let Some(v) = options.storage {
            o.storage = v as c_int;
        }
        if let Some(v) = options.keep_originals {
            o.keep_originals = v as u32;
        }
        let mut raw = ptr::null_mut();
        check(unsafe { ffi::qv_index_create(&o, &mut raw) })?;
        Ok(Index::wrap(raw))
    }

    /// Opens an index written by [`Index::save`], every checksum and value
    /// checked first. `Mmap` gives a read-only index searched in place.
    ///
    /// Errors: `NotFound` (no file), `Corrupt` (not an index, or damaged: the
    /// message names the section), `Unsupported` (a newer format), `Io`,
    /// `OutOfMemory`.
    pub fn open<P: AsRef<Path>>(path: P, mode: OpenMode) -> Result<Index> {
        Index::open_with_options(
            path,
            &OpenOptions {
                mode,
                ..Default::default()
            },
        )
    }

    /// [`Index::open`] with options: `VerifyMode::Deferred` opens a trusted
    /// file by `Mmap` without reading its vectors; call [`Index::verify`]
    /// later.
    ///
    /// Errors: as [`Index::open`].
    pub fn open_with_options<P: AsRef<Path>>(path: P, options: &OpenOptions) -> Result<Index> {
        let p = c_path(path.as_ref())?;
        let mut o = std::mem::MaybeUninit::<ffi::qv_open_options>::uninit();
        let mut o = unsafe {
            ffi::qv_open_options_init(o.as_mut_ptr());
            o.assume_init()
        };
        o.mode = options.mode as c_int;
        o.verify = options.verify as c_int;
        o.threads = options.threads;
        let mut raw = ptr::null_mut();
        check(unsafe { ffi::qv_index_open_with_options(p.as_ptr(), &o, &mut raw) })?;
        Ok(Index::wrap(raw))
    }

    /// Checks again the file sections an `Mmap` index searches in place (the
    /// point of `VerifyMode::Deferred`); for an index in memory there is
    /// nothing to check. May run alongside searches.
    ///
    /// Errors: `Corrupt` (the message names the file and the section, or says
    /// the file changed size since the open: drop the index then).
    pub fn verify(&self) -> Result<()> {
        check(unsafe { ffi::qv_index_verify(self.raw) })
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    fn check_vector(&self, v: &[f32], what: &str) -> Result<()> {
        if v.len() != self.dim {
            return Err(error(
                Status::DimensionMismatch,
                format!(
                    "{} has {} floats but the index has dim {}; pass exactly dim floats",
                    what,
                    v.len(),
                    self.dim
                ),
            ));
        }
        Ok(())
    }

    /// Adds one vector under `key`. May run alongside searches, adds and
    /// removes on other threads.
    ///
    /// Errors: `DimensionMismatch` (not dim floats), `InvalidArgument` (NaN or
    /// infinity, a zero vector under Cosine), `DuplicateKey` (the key is
    /// live), `Unsupported` (read-only index), `OutOfMemory`.
    pub fn add(&self, key: u64, vector: &[f32]) -> Result<()> {
        self.check_vector(vector, "vector")?;
        check(unsafe { ffi::qv_index_add(self.raw, key, vector.as_ptr()) })
    }

    /// Adds `keys.len()` vectors (row-major) on all cores; all-or-nothing. An
    /// HNSW batch that at least doubles an index of 8 MiB or more ends by
    /// renumbering the graph for memory locality (docs/storage.md).
    ///
    /// Errors: as [`Index::add`] (`DuplicateKey` also for a key twice in `keys`).
    pub fn add_batch(&self, keys: &[u64], vectors: &[f32]) -> Result<()> {
        if vectors.len() != keys.len() * self.dim {
            return Err(error(
                Status::DimensionMismatch,
                format!(
                    "vectors has {} floats but {} keys x dim {} need {}; pass n * dim floats, row-major",
                    vectors.len(),
                    keys.len(),
                    self.dim,
                    keys.len() * self.dim
                ),
            ));
        }
        if keys.is_empty() {
            return Ok(());
        }
        check(unsafe {
            ffi::qv_index_add_batch(self.raw, keys.len(), keys.as_ptr(), vectors.as_ptr())
        })
    }

    /// Adds `vector` under `key`, or replaces the vector `key` already has (its
    /// metadata stays). A search running alongside on another thread finds the
    /// key with its old vector or its new one, never both and never neither.
    ///
    /// Errors: as [`Index::add`], except that a live key is no error.
    pub fn upsert(&self, key: u64, vector: &[f32]) -> Result<()> {
        self.check_vector(vector, "vector")?;
        check(unsafe { ffi::qv_index_upsert(self.raw, key, vector.as_ptr()) })
    }

    /// Removes the vector under `key` (and its metadata).
    ///
    /// Errors: `NotFound` (no live vector under `key`), `Unsupported` (read-only index).
    pub fn remove(&self, key: u64) -> Result<()> {
        check(unsafe { ffi::qv_index_remove(self.raw, key) })
    }

    /// The number of live vectors.
    pub fn count(&self) -> Result<usize> {
        let mut n = 0usize;
        check(unsafe { ffi::qv_index_count(self.raw, &mut n) })?;
        Ok(n)
    }

    /// A copy of the vector stored under `key`.
    ///
    /// Errors: `NotFound`.
    pub fn get(&self, key: u64) -> Result<Vec<f32>> {
        let mut v = vec![0f32; self.dim];
        check(unsafe { ffi::qv_index_get(self.raw, key, v.as_mut_ptr()) })?;
        Ok(v)
    }

    /// The k nearest vectors to `query`, nearest first.
    pub fn search(&self, query: &[f32], k: usize) -> Result<Vec<Hit>> {
        self.search_with(query, k, &SearchOptions::default())
    }

    /// The k nearest vectors to `query` that pass the options' filter.
    ///
    /// Errors: `DimensionMismatch` (not dim floats), `InvalidArgument` (k of
    /// 0, NaN or infinity, a zero query under Cosine).
    pub fn search_with(
        &self,
        query: &[f32],
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<Hit>> {
        self.check_vector(query, "query")?;
        check_k(k)?;
        let mut keys = vec![0u64; k];
        let mut dist = vec![0f32; k];
        let mut found = 0usize;
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search(
                    self.raw,
                    query.as_ptr(),
                    k,
                    params,
                    keys.as_mut_ptr(),
                    dist.as_mut_ptr(),
                    &mut found,
                )
            })
        })?;
        Ok((0..found)
            .map(|i| Hit {
                key: keys[i],
                distance: dist[i],
            })
            .collect())
    }

    /// Searches `queries.len() / dim` queries (row-major) in parallel.
    pub fn search_batch(&self, queries: &[f32], k: usize) -> Result<Vec<Vec<Hit>>> {
        self.search_batch_with(queries, k, &SearchOptions::default())
    }

    /// Searches `queries.len() / dim` queries (row-major) in parallel with options.
    pub fn search_batch_with(
        &self,
        queries: &[f32],
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<Vec<Hit>>> {
        if self.dim == 0 || queries.len() % self.dim != 0 {
            return Err(error(
                Status::DimensionMismatch,
                format!(
                    "queries has {} floats, which is not a multiple of the index dim {}; pass nq * dim floats, row-major",
                    queries.len(),
                    self.dim
                ),
            ));
        }
        check_k(k)?;
        let nq = queries.len() / self.dim;
        let mut keys = vec![0u64; nq * k];
        let mut dist = vec![0f32; nq * k];
        let mut found = vec![0usize; nq];
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search_batch(
                    self.raw,
                    nq,
                    queries.as_ptr(),
                    k,
                    params,
                    keys.as_mut_ptr(),
                    dist.as_mut_ptr(),
                    found.as_mut_ptr(),
                )
            })
        })?;
        Ok((0..nq)
            .map(|q| {
                (0..found[q])
                    .map(|i| Hit {
                        key: keys[q * k + i],
                        distance: dist[q * k + i],
                    })
                    .collect()
            })
            .collect())
    }

    /// Writes the index to `path` crash-safely (a temporary file renamed
    /// over `path`).
    ///
    /// Errors: `NotFound` (no such directory), `Io` (the message names the
    /// file), `Corrupt` (an `Mmap` index whose file changed), `OutOfMemory`.
    pub fn save<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let p = c_path(path.as_ref())?;
        check(unsafe { ffi::qv_index_save(self.raw, p.as_ptr()) })
    }

    /// Writes the index to `path` crash-safely, with options.
    pub fn save_with_options<P: AsRef<Path>>(&self, path: P, options: &SaveOptions) -> Result<()> {
        let p = c_path(path.as_ref())?;
        let mut o = std::mem::MaybeUninit::<ffi::qv_save_options>::uninit();
        let mut o = unsafe {
            ffi::qv_save_options_init(o.as_mut_ptr());
            o.assume_init()
        };
        if let Some(v) = options.compress_vectors {
            o.compress_vectors = v as c_int;
        }
        if let Some(v) = options.compress_graph {
            o.compress_graph = v as c_int;
        }
        if let Some(v) = options.zstd_level {
            o.zstd_level = v;
        }
        check(unsafe { ffi::qv_index_save_with_options(self.raw, p.as_ptr(), &o) })
    }

    /// Writes the live vectors and their keys as .npy files.
    pub fn export_npy<P: AsRef<Path>, Q: AsRef<Path>>(&self, vectors: P, keys: Q) -> Result<()> {
        let v = c_path(vectors.as_ref())?;
        let k = c_path(keys.as_ref())?;
        check(unsafe { ffi::qv_index_export_npy(self.raw, v.as_ptr(), k.as_ptr()) })
    }

    /// Adds the vectors of a .npy file; keys from `keys`, or 0..n-1 when None.
    /// All-or-nothing like [`Index::add_batch`].
    ///
    /// Errors: `NotFound` (missing file), `Corrupt` (not a .npy file),
    /// `DimensionMismatch`, `Unsupported` (another dtype, read-only index),
    /// `DuplicateKey`, `InvalidArgument` (key count differs, NaN), `Io`.
    pub fn import_npy<P: AsRef<Path>>(&self, vectors: P, keys: Option<&Path>) -> Result<()> {
        let v = c_path(vectors.as_ref())?;
        let k = match keys {
            Some(k) => Some(c_path(k)?),
            None => None,
        };
        let kp = k.as_ref().map_or(ptr::null(), |k| k.as_ptr());
        check(unsafe { ffi::qv_index_import_npy(self.raw, v.as_ptr(), kp) })
    }

    /// Attaches bytes to the live vector under `key`; empty removes them.
    ///
    /// Errors: `NotFound` (no live vector under `key`), `Unsupported` (read-only index).
    pub fn set_metadata(&self, key: u64, data: &[u8]) -> Result<()> {
        check(unsafe {
            ffi::qv_index_set_metadata(self.raw, key, data.as_ptr() as *const c_void, data.len())
        })
    }

    /// A copy of the metadata of `key`.
    ///
    /// Errors: `NotFound` (the key has none, or is not in the index).
    pub fn metadata(&self, key: u64) -> Result<Vec<u8>> {
        // Copied by the library under its lock: whole even while another
        // thread sets or removes the key. Room for most metadata (a chunk's
        // text) at the first try.
        let mut buf: Vec<u8> = Vec::with_capacity(METADATA_GUESS);
        loop {
            let mut len = 0usize;
            check(unsafe {
                ffi::qv_index_copy_metadata(
                    self.raw,
                    key,
                    buf.as_mut_ptr() as *mut c_void,
                    buf.capacity(),
                    &mut len,
                )
            })?;
            if len <= buf.capacity() {
                unsafe { buf.set_len(len) }; // the library wrote len bytes
                buf.shrink_to_fit();
                return Ok(buf);
            }
            buf = Vec::with_capacity(len); // it grew since the last call: again, with room
        }
    }

    /// The metadata of `key` as a string (it must be UTF-8).
    pub fn metadata_string(&self, key: u64) -> Result<String> {
        String::from_utf8(self.metadata(key)?).map_err(|_| {
            error(
                Status::InvalidArgument,
                format!(
                    "the metadata of key {} is not UTF-8; use metadata() for bytes",
                    key
                ),
            )
        })
    }

    /// Rebuilds the index without its removed vectors and renumbers an HNSW
    /// graph for memory locality (no result changes). Takes `&mut self`:
    /// it replaces the index, so nothing else may run on it meanwhile.
    ///
    /// Errors: `Unsupported` (read-only index), `OutOfMemory` (unchanged on failure).
    pub fn compact(&mut self) -> Result<()> {
        check(unsafe { ffi::qv_index_compact(self.raw) })
    }

    /// A description of the index.
    pub fn info(&self) -> Result<Info> {
        let mut i: ffi::qv_index_info = unsafe { std::mem::zeroed() };
        i.struct_size = std::mem::size_of::<ffi::qv_index_info>() as u32;
        check(unsafe { ffi::qv_index_get_info(self.raw, &mut i) })?;
        Ok(Info {
            kind: if i.kind == 1 {
                IndexKind::Flat
            } else {
                IndexKind::Hnsw
            },
            metric: match i.metric {
                2 => Metric::Ip,
                3 => Metric::Cosine,
                _ => Metric::L2,
            },
            dim: i.dim,
            count: i.count,
            deleted: i.deleted,
            metadata_count: i.metadata_count,
            hnsw_m: i.hnsw_m,
            hnsw_ef_construction: i.hnsw_ef_construction,
            hnsw_ef_search: i.hnsw_ef_search,
            seed: i.seed,
            read_only: i.read_only != 0,
            storage: match i.storage {
                2 => Storage::F16,
                3 => Storage::I8,
                4 => Storage::B1,
                _ => Storage::F32,
            },
            keeps_originals: i.keeps_originals != 0,
        })
    }

    /// The heap bytes the index holds (codes, originals in memory, graph,
    /// key map, metadata); the mapped pages of an `Mmap` index are not
    /// counted. A snapshot when writers run alongside.
    pub fn memory_bytes(&self) -> Result<usize> {
        let mut n = 0usize;
        check(unsafe { ffi::qv_index_memory_bytes(self.raw, &mut n) })?;
        Ok(n)
    }
}

fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        return Err(error(
            Status::InvalidArgument,
            "k is 0; ask for at least one neighbour".to_string(),
        ));
    }
    Ok(())
}

/// Runs `f` with C search params for `options` (filter bridged through
/// `filter_trampoline`), then resumes a panic of the filter.
fn with_params<F>(options: &SearchOptions<'_>, f: F) -> Result<()>
where
    F: FnOnce(*const ffi::qv_search_params) -> Result<()>,
{
    let mut p = std::mem::MaybeUninit::<ffi::qv_search_params>::uninit();
    let mut p = unsafe {
        ffi::qv_search_params_init_sized(
            p.as_mut_ptr(),
            std::mem::size_of::<ffi::qv_search_params>(),
        );
        p.assume_init()
    };
    p.ef = options.ef;
    p.threads = options.threads;
    p.rerank = options.rerank;
    p.keyword_weight = options.keyword_weight;
    let state = options.filter.map(|filter| FilterState {
        filter,
        panic: Mutex::new(None),
    });
    if let Some(s) = &state {
        p.filter = Some(filter_trampoline);
        p.filter_user = s as *const FilterState<'_> as *mut c_void;
    }
    let result = f(&p);
    if let Some(s) = state {
        if let Some(payload) = s.panic.into_inner().ok().flatten() {
            resume_unwind(payload);
        }
    }
    result
}
