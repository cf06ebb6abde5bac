package quiver

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Text on an index: attach an embedder (SetEmbedder), add documents as text
// (AddText), search with text (SearchText). Each document is split into
// chunks stored under ChunkKey(doc, n) with the chunk's text as metadata; see
// quiver.h ("Text") for the details.

// ChunkUnit says what TextOptions.ChunkSize and ChunkOverlap count.
type ChunkUnit int

const (
	DefaultUnit ChunkUnit = 0 // the library default (Characters)
	Characters  ChunkUnit = 1 // Unicode code points; a chunk may cut a word
	Tokens      ChunkUnit = 2 // whitespace-separated tokens; a chunk never cuts a word
)

// TextOptions configure how AddText splits documents; zero values keep the
// library defaults (800 characters per chunk, 100 of overlap).
type TextOptions struct {
	Unit         ChunkUnit
	ChunkSize    int  // units per chunk; 0 = default
	ChunkOverlap *int // units shared by neighbouring chunks, < ChunkSize; nil = default
}

// TextHit is one text search result: the document, its chunk that matched
// (ChunkKey(DocKey, n)), the chunk's distance to the query, its text ("" if
// the chunk was removed while the search ran) and the document's source (""
// when the document has none: added with AddText, or by an older library).
type TextHit struct {
	DocKey   uint64
	ChunkKey uint64
	Distance float32
	Passage  string
	Source   string
}

// MaxDocKey is the largest document key (48 bits).
const MaxDocKey uint64 = 1<<48 - 1

// ChunkKey is the key of chunk n of document doc: doc<<16 | n.
func ChunkKey(doc uint64, n int) uint64 { return doc<<16 | uint64(n)&0xFFFF }

// DocKey is the document a chunk key belongs to.
func DocKey(chunkKey uint64) uint64 { return chunkKey >> 16 }

// SetEmbedder attaches the embedder that turns text into vectors for this
// index (nil detaches). The index keeps the embedder, and a callback
// embedder's Go function, alive until it is closed or given another one:
// closing the Embedder right after this call is fine. It is not saved with
// the index: attach it again after Open.
// Errors: DimensionMismatch (the dims differ; the attached embedder stays),
// InvalidArgument (closed index or embedder).
func (ix *Index) SetEmbedder(e *Embedder) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.handle == nil {
		return newError(InvalidArgument, "the index is closed; open or create a new one")
	}
	ix.textMu.Lock()
	defer ix.textMu.Unlock()
	if e == nil {
		if err := call(func() C.qv_status { return C.qv_index_set_embedder(ix.handle, nil) }); err != nil {
			return err
		}
	} else if err := e.attachTo(ix.handle); err != nil {
		return err
	}
	if old := ix.embedder; old != nil {
		old.release()
	}
	ix.embedder = e
	return nil
}

// SetTextOptions sets how later AddText calls chunk documents (nil = the defaults).
// Errors: InvalidArgument (ChunkSize < 0, ChunkOverlap < 0 or >= ChunkSize,
// unknown Unit).
func (ix *Index) SetTextOptions(opts *TextOptions) error {
	if opts == nil {
		return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_set_text_options(h, nil) })
	}
	if opts.ChunkSize < 0 {
		return newError(InvalidArgument, "ChunkSize is %d; it must be at least 1 (0 = the default)", opts.ChunkSize)
	}
	if opts.ChunkOverlap != nil && *opts.ChunkOverlap < 0 {
		return newError(InvalidArgument, "ChunkOverlap is %d; it must be 0 or more (and less than ChunkSize)", *opts.ChunkOverlap)
	}
	var o C.qv_text_options
	C.qv_text_options_init(&o)
	if opts.Unit != DefaultUnit {
		o.unit = C.qv_chunk_unit(opts.Unit)
	}
	if opts.ChunkSize != 0 {
		o.chunk_size = C.uint32_t(opts.ChunkSize)
	}
	if opts.ChunkOverlap != nil {
		o.chunk_overlap = C.uint32_t(*opts.ChunkOverlap)
	}
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_set_text_options(h, &o) })
}

// AddText adds a document: splits it into chunks, embeds them and stores each
// under ChunkKey(doc, n) with its text as metadata. doc must be <= MaxDocKey.
// Errors: as AddTexts.
func (ix *Index) AddText(doc uint64, text string) error {
	return ix.AddTexts([]uint64{doc}, []string{text})
}

// AddTexts adds documents texts[i] under docs[i], embedded in one call; all or
// nothing.
// Errors: InvalidArgument (no embedder attached, a key above MaxDocKey, an
// empty or blank text, a NUL byte in a text, len(docs) != len(texts), too
// many chunks), DuplicateKey (a document already in the index), Unsupported
// (read-only index), Embedding (the embedder failed), OutOfMemory.
func (ix *Index) AddTexts(docs []uint64, texts []string) error {
	if len(docs) != len(texts) {
		return newError(InvalidArgument, "%d keys for %d texts; pass one key per text", len(docs), len(texts))
	}
	if len(docs) == 0 {
		return nil
	}
	for i, s := range texts {
		if err := checkText(s, "text", i); err != nil {
			return err
		}
	}
	cs := newCStrings(texts)
	defer cs.free()
	return ix.withEmbedder(func(h *C.qv_index) C.qv_status {
		return C.qv_index_add_texts(h, C.size_t(len(docs)), u64ptr(docs), cs.ptrs)
	})
}

// RemoveText removes a document: its entry in the document table and every
// chunk of its current version.
// Errors: NotFound (the document is not in the index), InvalidArgument (a
// key above MaxDocKey), Unsupported (read-only index).
func (ix *Index) RemoveText(doc uint64) error {
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_remove_text(h, C.uint64_t(doc)) })
}

// SearchText returns the k documents nearest to query, each with its best
// chunk, nearest first. opts.Filter is called with chunk keys (DocKey gives
// the document). opts may be nil.
// Errors: InvalidArgument (k < 1, an empty or blank query, a NUL byte, no
// embedder attached), Embedding, OutOfMemory.
func (ix *Index) SearchText(query string, k int, opts *SearchOptions) ([]TextHit, error) {
	return ix.searchText(query, k, opts, false)
}

// SearchTextChunks returns the k chunks nearest to query (several may belong
// to one document), nearest first.
func (ix *Index) SearchTextChunks(query string, k int, opts *SearchOptions) ([]TextHit, error) {
	return ix.searchText(query, k, opts, true)
}

func (ix *Index) searchText(query string, k int, opts *SearchOptions, chunks bool) ([]TextHit, error) {
	t, err := ix.runTextSearch(query, k, opts, true, func(h *C.qv_index, p *C.qv_search_params, t *textSearch) C.qv_status {
		if chunks {
			return C.qv_index_search_text_chunks(h, t.query, t.k, p, u64ptr(t.chunks), f32ptr(t.values), &t.found)
		}
		return C.qv_index_search_text_ex(h, t.query, t.k, p, u64ptr(t.keys), u64ptr(t.chunks), f32ptr(t.values), &t.found)
	})
	if err != nil {
		return nil, err
	}
	return documentHits(ix, t, chunks, func(doc, chunk uint64, distance float32, passage, source string) TextHit {
		return TextHit{DocKey: doc, ChunkKey: chunk, Distance: distance, Passage: passage, Source: source}
	}), nil
}

// textSearch is what a search by text (SearchKeywords, SearchHybrid,
// SearchText, SearchTextChunks) hands to C: the query as a C string (valid
// only during the call) and room for k results. Each call uses the buffers
// it needs: keys (keys, or document keys), chunks (chunk keys; nil for
// SearchKeywords), values (scores or distances); the call sets found.
type textSearch struct {
	query  *C.char
	k      C.size_t
	keys   []uint64
	chunks []uint64
	values []float32
	found  C.size_t
}

// runTextSearch runs one search by text: checks query and k (every such
// search gives the same errors, in the same order), makes room for k results
// and runs call with the index, the params of opts and that room. A search
// for documents (SearchHybrid, SearchText, SearchTextChunks) also gets room
// for chunk keys and holds the attached embedder during the call.
func (ix *Index) runTextSearch(query string, k int, opts *SearchOptions, documents bool,
	call func(h *C.qv_index, p *C.qv_search_params, t *textSearch) C.qv_status) (*textSearch, error) {
	if err := checkText(query, "the query", -1); err != nil {
		return nil, err
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	t := &textSearch{k: C.size_t(k), keys: make([]uint64, k), values: make([]float32, k)}
	with := ix.with
	if documents {
		t.chunks = make([]uint64, k)
		with = ix.withEmbedder
	}
	t.query = C.CString(query)
	defer C.free(unsafe.Pointer(t.query))
	err := withParams(opts, func(p *C.qv_search_params) error {
		return with(func(h *C.qv_index) C.qv_status { return call(h, p, t) })
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// documentHits builds the hits of a search for documents from t: for each
// result its document (t.keys, or the chunk's document where docsOfChunks),
// chunk key, score or distance, the chunk's text ("" when removed meanwhile)
// and the document's source.
func documentHits[H any](ix *Index, t *textSearch, docsOfChunks bool, hit func(doc, chunk uint64, value float32, passage, source string) H) []H {
	hits := make([]H, int(t.found))
	src := sources{ix: ix}
	for i := range hits {
		doc := t.keys[i]
		if docsOfChunks {
			doc = DocKey(t.chunks[i])
		}
		passage, _ := ix.MetadataString(t.chunks[i])
		hits[i] = hit(doc, t.chunks[i], t.values[i], passage, src.of(doc))
	}
	return hits
}

// withEmbedder runs a text call with the attached embedder (if any) counted
// as in use, so that its Go function outlives the call.
func (ix *Index) withEmbedder(f func(h *C.qv_index) C.qv_status) error {
	ix.textMu.Lock()
	e := ix.embedder
	if e != nil {
		e.acquire()
	}
	ix.textMu.Unlock()
	if e != nil {
		defer e.release()
	}
	return ix.with(f)
}

// checkText rejects what the C API cannot take: it reads texts up to a NUL byte.
func checkText(s, what string, i int) error {
	if strings.IndexByte(s, 0) >= 0 {
		if i >= 0 {
			return newError(InvalidArgument, "%s %d contains a NUL byte; remove it: text is stored as C strings", what, i)
		}
		return newError(InvalidArgument, "%s contains a NUL byte; remove it: text is stored as C strings", what)
	}
	return nil
}
