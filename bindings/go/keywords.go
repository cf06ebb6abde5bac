package quiver

/*
#include "bridge.h"
*/
import "C"

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
	t, err := ix.runTextSearch(query, k, opts, false, func(h *C.qv_index, p *C.qv_search_params, t *textSearch) C.qv_status {
		return C.qv_index_search_keywords(h, t.query, t.k, p, u64ptr(t.keys), f32ptr(t.values), &t.found)
	})
	if err != nil {
		return nil, err
	}
	hits := make([]KeywordHit, int(t.found))
	for i := range hits {
		hits[i] = KeywordHit{Key: t.keys[i], Score: t.values[i]}
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
	t, err := ix.runTextSearch(query, k, opts, true, func(h *C.qv_index, p *C.qv_search_params, t *textSearch) C.qv_status {
		return C.qv_index_search_hybrid(h, t.query, t.k, p, u64ptr(t.keys), u64ptr(t.chunks), f32ptr(t.values), &t.found)
	})
	if err != nil {
		return nil, err
	}
	return documentHits(ix, t, false, func(doc, chunk uint64, score float32, passage, source string) HybridHit {
		return HybridHit{DocKey: doc, ChunkKey: chunk, Score: score, Passage: passage, Source: source}
	}), nil
}
