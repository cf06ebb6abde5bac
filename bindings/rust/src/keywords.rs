//! Keyword search ([`Index::search_keywords`]: BM25 over every key's
//! metadata read as text) and hybrid search ([`Index::search_hybrid`]:
//! documents by meaning and exact words together); quiver.h has the details.

use crate::documents::Sources;
use crate::text::c_text;
use crate::{check, ffi, with_params, Index, Result, SearchOptions};

/// One keyword search result: a key (a chunk key for text added with
/// [`Index::add_text`]) and its BM25 score, higher is better.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeywordHit {
    pub key: u64,
    pub score: f32,
}

/// One hybrid search result: the document, its best chunk, the fused score
/// (higher is better), the chunk's text ("" if the chunk was removed since
/// the search) and the document's source (empty when it has none).
#[derive(Clone, Debug, PartialEq)]
pub struct HybridHit {
    pub doc_key: u64,
    pub chunk_key: u64,
    pub score: f32,
    pub passage: String,
    pub source: String,
}

impl Index {
    /// Up to k keys whose metadata text best matches the words of `query`
    /// (BM25; Unicode letters and digits, case and accents folded), highest
    /// score first. A query without words finds nothing. No embedder needed.
    pub fn search_keywords(&self, query: &str, k: usize) -> Result<Vec<KeywordHit>> {
        self.search_keywords_with(query, k, &SearchOptions::default())
    }

    /// As [`Index::search_keywords`]; the options' filter applies (ef, rerank
    /// and threads do not).
    ///
    /// Errors: `InvalidArgument` (k of 0, a NUL byte), `OutOfMemory`.
    pub fn search_keywords_with(
        &self,
        query: &str,
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<KeywordHit>> {
        let q = c_text(query, "the query")?;
        let mut keys = vec![0u64; k];
        let mut scores = vec![0f32; k];
        let mut found = 0usize;
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search_keywords(
                    self.raw,
                    q.as_ptr(),
                    k,
                    params,
                    keys.as_mut_ptr(),
                    scores.as_mut_ptr(),
                    &mut found,
                )
            })
        })?;
        Ok((0..found)
            .map(|i| KeywordHit {
                key: keys[i],
                score: scores[i],
            })
            .collect())
    }

    /// Up to k documents ranked by reciprocal rank fusion of
    /// [`Index::search_text`] (meaning) and [`Index::search_keywords`] (exact
    /// words: names, codes), each with its best chunk, highest score first.
    pub fn search_hybrid(&self, query: &str, k: usize) -> Result<Vec<HybridHit>> {
        self.search_hybrid_with(query, k, &SearchOptions::default())
    }

    /// As [`Index::search_hybrid`]; ef applies as in search_text, and the
    /// filter is called with chunk keys, in both rankings.
    ///
    /// Errors: `InvalidArgument` (k of 0, an empty or blank query, a NUL
    /// byte, no embedder attached), `Embedding`, `OutOfMemory`.
    pub fn search_hybrid_with(
        &self,
        query: &str,
        k: usize,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<HybridHit>> {
        let q = c_text(query, "the query")?;
        let mut docs = vec![0u64; k];
        let mut chunks = vec![0u64; k];
        let mut scores = vec![0f32; k];
        let mut found = 0usize;
        with_params(options, |params| {
            check(unsafe {
                ffi::qv_index_search_hybrid(
                    self.raw,
                    q.as_ptr(),
                    k,
                    params,
                    docs.as_mut_ptr(),
                    chunks.as_mut_ptr(),
                    scores.as_mut_ptr(),
                    &mut found,
                )
            })
        })?;
        let mut sources = Sources::new(self);
        Ok((0..found)
            .map(|i| HybridHit {
                doc_key: docs[i],
                chunk_key: chunks[i],
                score: scores[i],
                passage: self
                    .metadata(chunks[i])
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default(),
                source: sources.of(docs[i]),
            })
            .collect())
    }
}
