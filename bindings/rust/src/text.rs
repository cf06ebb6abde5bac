//! Text on an index: attach an embedder ([`Index::set_embedder`]), add
//! documents as text ([`Index::add_text`]), search with text
//! ([`Index::search_text`]). Each document is split into chunks stored under
//! [`chunk_key`]`(doc, n)` with the chunk's text as metadata (quiver.h, "Text").

use crate::documents::Sources;
use crate::{check, error, ffi, with_params, Embedder, Index, Result, SearchOptions, Status};
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::ptr;
use std::sync::Arc;

/// The largest document key (48 bits).
pub const MAX_DOC_KEY: u64 = (1 << 48) - 1;

/// The key of chunk `n` of document `doc`: `doc << 16 | n`.
pub fn chunk_key(doc: u64, n: u32) -> u64 {
    doc << 16 | (n as u64 & 0xFFFF)
}

/// The document a chunk key belongs to.
pub fn doc_key(chunk_key: u64) -> u64 {
    chunk_key >> 16
}

/// What [`TextOptions::chunk_size`] and `chunk_overlap` count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkUnit {
    /// Unicode code points: exact and predictable; a chunk may cut a word.
    Characters = 1,
    /// Whitespace-separated tokens: a chunk never cuts a word.
    Tokens = 2,
}

/// How [`Index::add_text`] splits a document; `Default` gives the library's
/// defaults (800 characters per chunk, 100 of overlap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextOptions {
    pub unit: ChunkUnit,
    /// Units per chunk, at least 1.
    pub chunk_size: u32,
    /// Units shared by neighbouring chunks, less than `chunk_size`.
    pub chunk_overlap: u32,
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        let o = native_defaults();
        TextOptions {
            unit: if o.unit == ChunkUnit::Tokens as c_int {
                ChunkUnit::Tokens
            } else {
                ChunkUnit::Characters
            },
            chunk_size: o.chunk_size,
            chunk_overlap: o.chunk_overlap,
        }
    }
}

fn native_defaults() -> ffi::qv_text_options {
    let mut o = std::mem::MaybeUninit::<ffi::qv_text_options>::uninit();
    unsafe {
        ffi::qv_text_options_init(o.as_mut_ptr());
        o.assume_init()
    }
}

/// One text search result: the document, its chunk that matched
/// ([`chunk_key`]`(doc_key, n)`), the chunk's distance to the query, its
/// text, and the document's source (empty when the document has none: added
/// with [`Index::add_text`], or by an older library).
#[derive(Clone, Debug, PartialEq)]
pub struct TextHit {
    pub doc_key: u64,
    pub chunk_key: u64,
    pub distance: f32,
    pub passage: String,
    pub source: String,
}

/// A text for the C API, which reads it up to a NUL byte.
pub(crate) fn c_text(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| {
        error(
            Status::InvalidArgument,
            format!(
                "{} contains a NUL byte; remove it: text is stored as C strings",
                what
            ),
        )
    })
}

impl Index {
    /// Attaches the embedder that turns text into vectors for this index
    /// (`None` detaches). The index keeps the embedder, and a callback
    /// embedder's closure, alive: dropping the [`Embedder`] right after this
    /// call is fine. Not saved with the index: attach it again after
    /// [`Index::open`]. May run alongside any other call.
    ///
    /// Errors: `DimensionMismatch` (the dims differ; the attached embedder stays).
    pub fn set_embedder(&self, embedder: Option<&Embedder>) -> Result<()> {
        let raw = embedder.map_or(ptr::null_mut(), |e| e.raw());
        // Kept before the native index can call into it, and until the index
        // is dropped: a text call running on another thread may still use an
        // embedder this call replaces.
        let mut states = self
            .embedder_states
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(state) = embedder.and_then(|e| e.callback_state()) {
            if !states.iter().any(|s| Arc::ptr_eq(s, &state)) {
                states.push(state);
            }
        }
        check(unsafe { ffi::qv_index_set_embedder(self.raw, raw) })
    }

    /// Sets how later [`Index::add_text`] calls chunk documents.
    ///
    /// Errors: `InvalidArgument` (chunk_size 0, chunk_overlap >= chunk_size).
    pub fn set_text_options(&self, options: &TextOptions) -> Result<()> {
        let mut o = native_defaults();
        o.unit = options.unit as c_int;
        o.chunk_size = options.chunk_size;
        o.chunk_overlap = options.chunk_overlap;
        check(unsafe { ffi::qv_index_set_text_options(self.raw, &o) })
    }

    /// Adds a document: splits it into chunks, embeds them and stores each
    /// under [`chunk_key`]`(doc, n)` with its text as metadata. `doc` must be
    /// at most [`MAX_DOC_KEY`].
    ///
    /// Errors: as [`Index::add_texts`].
    pub fn add_text(&self, doc: u64, text: &str) -> Result<()> {
        self.add_texts(&[doc], &[text])
    }

    /// Adds documents `texts[i]` under `docs[i]`, embedded in one call; all or nothing.
    ///
    /// Errors: `InvalidArgument` (no embedder attached, a key above
    /// [`MAX_DOC_KEY`], an empty or blank text, a NUL byte, `docs` and
    /// `texts` of different lengths), `DuplicateKey` (a document already in
    /// the index), `Embedding` (the embedder failed), `Unsupported`
    /// (read-only index), `OutOfMemory`.
    pub fn add_texts<S: AsRef<str>>(&self, docs: &[u64], texts: &[S]) -> Result<()> {
        if docs.len() != texts.len() {
            return Err(error(
                Status::InvalidArgument,
                format!(
                    "{} keys for {} texts; pass one key per text",
                    docs.len(),
                    texts.len()
                ),
            ));
        }
        if docs.is_empty() {
            return Ok(());
        }
        let owned = texts
            .iter()
            .enumerate()
            .map(|(i, t)| c_text(t.as_ref(), &format!("text {}", i)))
            .collect::<Result<Vec<CString>>>()?;
        let ptrs: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        check(unsafe {
            ffi::qv_index_add_texts(self.raw, docs.len(), docs.as_ptr(), ptrs.as_ptr())
        })
    }

    /// Removes a document: its entry in the document table and every chunk
    /// of its current version.
    ///
    /// Errors: `NotFound` (the document is not in the index), `InvalidArgument`
    /// (a key above [`MAX_DOC_KEY`]), `Unsupported` (read-only index).
    pub fn remove_text(&self, doc: u64) -> Result<()> {
        check(unsafe { ffi::qv_index_remove_text(self.raw, doc) })
    }

    /// The k documents nearest to `query`, each with its best chunk, nearest first.
    pub fn search_text(&self, query: &str, k: usize) -> Result<Vec<TextHit>> {
        self.search_text_with(query, k, &SearchOptions::default())
    }

    /// As [`Index::search_text`]; the options' filter is called with chunk
    /// keys ([`doc_key`] gives the document).
    ///
    /// Errors: `InvalidArgument` (k of 0, an empty or blank query, a NUL byte,
    /// no embedder attached), `Embedding`, `OutOfMemory`.
    pub fn search_text_with(
        &self,
        query: &str,
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<TextHit>> {
        let q = c_text(query, "the query")?;
        let mut docs = vec![0u64; k];
        let mut chunks = vec![0u64; k];
        let mut dist = vec![0f32; k];
        let mut found = 0usize;
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search_text_ex(
                    self.raw,
                    q.as_ptr(),
                    k,
                    params,
                    docs.as_mut_ptr(),
                    chunks.as_mut_ptr(),
                    dist.as_mut_ptr(),
                    &mut found,
                )
            })
        })?;
        let mut sources = Sources::new(self);
        Ok((0..found)
            .map(|i| self.text_hit(docs[i], chunks[i], dist[i], &mut sources))
            .collect())
    }

    /// The k chunks nearest to `query` (several may belong to one document).
    pub fn search_text_chunks(&self, query: &str, k: usize) -> Result<Vec<TextHit>> {
        self.search_text_chunks_with(query, k, &SearchOptions::default())
    }

    /// As [`Index::search_text_chunks`], with options.
    pub fn search_text_chunks_with(
        &self,
        query: &str,
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<TextHit>> {
        let q = c_text(query, "the query")?;
        let mut chunks = vec![0u64; k];
        let mut dist = vec![0f32; k];
        let mut found = 0usize;
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search_text_chunks(
                    self.raw,
                    q.as_ptr(),
                    k,
                    params,
                    chunks.as_mut_ptr(),
                    dist.as_mut_ptr(),
                    &mut found,
                )
            })
        })?;
        let mut sources = Sources::new(self);
        Ok((0..found)
            .map(|i| self.text_hit(doc_key(chunks[i]), chunks[i], dist[i], &mut sources))
            .collect())
    }

    fn text_hit(&self, doc: u64, chunk: u64, distance: f32, sources: &mut Sources) -> TextHit {
        // "" when the chunk was removed since the search.
        let passage = self
            .metadata(chunk)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        TextHit {
            doc_key: doc,
            chunk_key: chunk,
            distance,
            passage,
            source: sources.of(doc),
        }
    }
}
