//! Documents: each document written with [`Index::upsert_text`] (or
//! [`Index::add_text`]) has an entry in the index's document table: its
//! current chunks, a source (a path or URI) and fields (any text of yours,
//! e.g. JSON). The table is saved with the index and read back by both open
//! modes (quiver.h, "Documents").

use crate::text::c_text;
use crate::{check, ffi, Index, Result};
use std::collections::HashMap;
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;

/// The most bytes a document's source may have.
pub const MAX_DOC_SOURCE: usize = 8192;
/// The most bytes a document's fields may have.
pub const MAX_DOC_FIELDS: usize = 1 << 20;

/// How many keys [`Index::list_documents`] asks for per call.
const LIST_PAGE: usize = 1024;

/// The room [`Index::get_document`] offers at first for the source and the
/// fields (a second call follows for longer ones).
const SOURCE_GUESS: usize = 256;
const FIELDS_GUESS: usize = 1024;

/// A document's entry: where it came from and your fields (empty when it has
/// none). Bytes that are not UTF-8 (written through another binding) are
/// replaced by U+FFFD.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub source: String,
    pub fields: String,
}

fn c_opt(s: Option<&str>, what: &str) -> Result<Option<CString>> {
    s.map(|s| c_text(s, what)).transpose()
}

/// Bytes as text, U+FFFD for what is not UTF-8.
fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl Index {
    /// Adds the document, or replaces it if it is in the index: chunks and
    /// embeds `text` as [`Index::add_text`] does and records `source` and
    /// `fields` (`None` for none) in the document's entry. Text searches
    /// running alongside find the old version or the new one, whole, never
    /// a mix or neither. After an upsert a document's chunk numbers no longer
    /// start at 0: list them with [`Index::document_chunks`]. On failure the
    /// document is as it was.
    ///
    /// Errors: `InvalidArgument` (no embedder attached, a key above
    /// [`MAX_DOC_KEY`](crate::MAX_DOC_KEY), an empty or blank text, a NUL
    /// byte, a source over [`MAX_DOC_SOURCE`] or fields over
    /// [`MAX_DOC_FIELDS`] bytes, more chunks than the old version leaves
    /// room for), `Unsupported` (read-only index), `Embedding` (the embedder
    /// failed), `OutOfMemory`.
    pub fn upsert_text(
        &self,
        doc: u64,
        text: &str,
        source: Option<&str>,
        fields: Option<&str>,
    ) -> Result<()> {
        let text = c_text(text, "the text")?;
        let source = c_opt(source, "the source")?;
        let fields = c_opt(fields, "the fields")?;
        let ptr_of = |c: &Option<CString>| c.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        check(unsafe {
            ffi::qv_index_upsert_text(
                self.raw,
                doc,
                text.as_ptr(),
                ptr_of(&source),
                ptr_of(&fields),
            )
        })
    }

    /// The chunk keys of the document's current version, in text order
    /// (their metadata are the chunks' texts).
    ///
    /// Errors: `NotFound` (no such document), `InvalidArgument` (a key above
    /// [`MAX_DOC_KEY`](crate::MAX_DOC_KEY)).
    pub fn document_chunks(&self, doc: u64) -> Result<Vec<u64>> {
        let mut keys: Vec<u64> = Vec::new();
        loop {
            let mut n = 0usize;
            check(unsafe {
                ffi::qv_index_document_chunks(self.raw, doc, keys.as_mut_ptr(), keys.len(), &mut n)
            })?;
            if n <= keys.len() {
                keys.truncate(n);
                return Ok(keys);
            }
            keys = vec![0; n]; // an upsert grew it since the last call: ask again
        }
    }

    /// The document's source and fields (copies, made by the library under
    /// its lock: one whole version even while another thread upserts the
    /// document).
    ///
    /// Errors: `NotFound` (no such document), `InvalidArgument` (a key above
    /// [`MAX_DOC_KEY`](crate::MAX_DOC_KEY)).
    pub fn get_document(&self, doc: u64) -> Result<Document> {
        // Room for a typical entry at the first try; when either part is
        // longer (or grew since the last call), again with room for both.
        let (mut source, mut fields) = (
            Vec::<u8>::with_capacity(SOURCE_GUESS),
            Vec::<u8>::with_capacity(FIELDS_GUESS),
        );
        loop {
            let (mut source_len, mut fields_len) = (0usize, 0usize);
            check(unsafe {
                ffi::qv_index_copy_document(
                    self.raw,
                    doc,
                    source.as_mut_ptr() as *mut c_char,
                    source.capacity(),
                    &mut source_len,
                    fields.as_mut_ptr() as *mut c_char,
                    fields.capacity(),
                    &mut fields_len,
                )
            })?;
            if source_len <= source.capacity() && fields_len <= fields.capacity() {
                // The library wrote that many bytes of each.
                unsafe {
                    source.set_len(source_len);
                    fields.set_len(fields_len);
                }
                return Ok(Document {
                    source: text_of(source),
                    fields: text_of(fields),
                });
            }
            source = Vec::with_capacity(source_len.max(source.capacity()));
            fields = Vec::with_capacity(fields_len.max(fields.capacity()));
        }
    }

    /// The keys of every document in the document table, ascending (paged
    /// internally). A document added or removed meanwhile may or may not be
    /// listed. Documents of a file from an older library are listed once
    /// upserted.
    pub fn list_documents(&self) -> Result<Vec<u64>> {
        let mut all = Vec::new();
        let mut page = vec![0u64; LIST_PAGE];
        let mut first = 0u64;
        loop {
            let mut n = 0usize;
            check(unsafe {
                ffi::qv_index_list_documents(self.raw, first, page.as_mut_ptr(), page.len(), &mut n)
            })?;
            all.extend_from_slice(&page[..n]);
            if n < page.len() {
                return Ok(all);
            }
            first = page[n - 1] + 1;
        }
    }

    /// The number of documents in the document table (see
    /// [`Index::list_documents`]); [`Index::count`] counts chunks.
    pub fn document_count(&self) -> Result<usize> {
        let mut n = 0u64;
        check(unsafe { ffi::qv_index_document_count(self.raw, &mut n) })?;
        Ok(n as usize)
    }
}

/// The sources of the documents of one set of hits, each looked up once;
/// empty for a document without an entry (or one removed since the search).
pub(crate) struct Sources<'a> {
    index: &'a Index,
    seen: HashMap<u64, String>,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(index: &'a Index) -> Sources<'a> {
        Sources {
            index,
            seen: HashMap::new(),
        }
    }

    pub(crate) fn of(&mut self, doc: u64) -> String {
        let index = self.index;
        self.seen
            .entry(doc)
            .or_insert_with(|| {
                index
                    .get_document(doc)
                    .map(|d| d.source)
                    .unwrap_or_default()
            })
            .clone()
    }
}
