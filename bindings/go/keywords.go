package quiver

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import "unsafe"

// Keyword search (BM25 over every key's metadata read as text) and hybrid
// search (documents by meaning and exact words together); see quiver.h.

// KeywordHit is one keyword search result: a key (a chunk key for text added
// with AddText) and its BM25 score, higher is better.
type KeywordHit struct {
	Key   uint64
	Score float32
}

// HybridHit is one hybrid search result: the document, its best chunk
// (ChunkKey(DocKey, n)), the fused score (higher is better), the chunk's
// text ("" if the chunk was removed while the search ran) and the document's
// source ("" when it has none).
type HybridHit struct {
	DocKey   uint64
	ChunkKey uint64
	Score    float32
	Passage  string
	Source   string
}

// SearchKeywords returns up to k keys whose metadata text best matches the
// words of query (BM25; letters and digits, case and accents folded),
// highest score first. A query without words finds nothing. No embedder is
// needed. opts.Filter applies (Ef, Rerank and Threads do not); opts may be nil.
// Errors: InvalidArgument (k < 1, a NUL byte in query), OutOfMemory.
func (ix *Index) SearchKeywords(query string, k int, opts *SearchOptions) ([]KeywordHit, error) {
	if err := checkText(query, "the query", -1); err != nil {
		return nil, err
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	q := C.CString(query)
	defer C.free(unsafe.Pointer(q))
	keys := make([]uint64, k)
	scores := make([]float32, k)
	var found C.size_t
	err := withParams(opts, func(p *C.qv_search_params) error {
		return ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_search_keywords(h, q, C.size_t(k), p, u64ptr(keys), f32ptr(scores), &found)
		})
	})
	if err != nil {
		return nil, err
	}
	hits := make([]KeywordHit, int(found))
	for i := range hits {
		hits[i] = KeywordHit{Key: keys[i], Score: scores[i]}
	}
	return hits, nil
}

// SearchHybrid returns up to k documents ranked by reciprocal rank fusion of
// SearchText (meaning, through the embedder) and SearchKeywords (exact words:
// names, codes), each with its best chunk, highest score first.
// opts.Ef applies as in SearchText; opts.Filter is called with chunk keys, in
// both rankings; opts.KeywordWeight weighs the keyword ranking (score =
// 1/(60 + meaning rank) + KeywordWeight/(60 + keyword rank), 0 = equal
// weights). opts may be nil.
// Errors: InvalidArgument (k < 1, an empty or blank query, a NUL byte, no
// embedder attached, a KeywordWeight that is negative, not finite or above
// 1000), Embedding, OutOfMemory.
func (ix *Index) SearchHybrid(query string, k int, opts *SearchOptions) ([]HybridHit, error) {
	if err := checkText(query, "the query", -1); err != nil {
		return nil, err
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	q := C.CString(query)
	defer C.free(unsafe.Pointer(q))
	docs := make([]uint64, k)
	chunks := make([]uint64, k)
	scores := make([]float32, k)
	var found C.size_t
	err := withParams(opts, func(p *C.qv_search_params) error {
		return ix.withEmbedder(func(h *C.qv_index) C.qv_status {
			return C.qv_index_search_hybrid(h, q, C.size_t(k), p, u64ptr(docs), u64ptr(chunks), f32ptr(scores), &found)
		})
	})
	if err != nil {
		return nil, err
	}
	hits := make([]HybridHit, int(found))
	src := sources{ix: ix}
	for i := range hits {
		passage, _ := ix.MetadataString(chunks[i]) // "" when removed meanwhile
		hits[i] = HybridHit{DocKey: docs[i], ChunkKey: chunks[i], Score: scores[i], Passage: passage, Source: src.of(docs[i])}
	}
	return hits, nil
}
