package quiver

import (
	"math"
	"strings"
	"testing"
)

var keywordTexts = map[uint64]string{
	1: "red apples and green pears",
	2: "the quick brown fox",
	3: "apples apples apples everywhere",
	4: "nothing to see here",
}

func keywordIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := New(Options{Dim: 4, Kind: Flat, Metric: L2})
	must(t, err)
	for key, text := range keywordTexts {
		must(t, ix.Add(key, []float32{float32(key), 1, 2, 3}))
		must(t, ix.SetMetadata(key, []byte(text)))
	}
	return ix
}

func keysOf(hits []KeywordHit) []uint64 {
	keys := make([]uint64, len(hits))
	for i, h := range hits {
		keys[i] = h.Key
	}
	return keys
}

func containsKey(keys []uint64, key uint64) bool {
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

func TestSearchKeywordsFindsTheWords(t *testing.T) {
	ix := keywordIndex(t)
	defer ix.Close()
	hits, err := ix.SearchKeywords("apples", 10, nil)
	must(t, err)
	if len(hits) != 2 || hits[0].Key != 3 || hits[1].Key != 1 {
		t.Fatalf("apples: got %v, want keys 3 then 1", hits)
	}
	for i, h := range hits {
		if h.Score <= 0 || (i > 0 && h.Score > hits[i-1].Score) {
			t.Fatalf("scores not positive and descending: %v", hits)
		}
	}
	hits, err = ix.SearchKeywords("FOX", 1, nil)
	must(t, err)
	if len(hits) != 1 || hits[0].Key != 2 {
		t.Fatalf("FOX: got %v", hits)
	}
	hits, err = ix.SearchKeywords("apples", 4, &SearchOptions{Filter: func(k uint64) bool { return k != 3 }})
	must(t, err)
	if containsKey(keysOf(hits), 3) || len(hits) != 1 {
		t.Fatalf("filtered: got %v", hits)
	}
}

func TestSearchKeywordsFollowsMetadata(t *testing.T) {
	ix := keywordIndex(t)
	defer ix.Close()
	_, err := ix.SearchKeywords("fox", 1, nil) // builds the keyword index first
	must(t, err)
	must(t, ix.SetMetadata(2, []byte("a lazy dog sleeps")))
	hits, err := ix.SearchKeywords("fox", 4, nil)
	must(t, err)
	if containsKey(keysOf(hits), 2) {
		t.Fatalf("old words still find key 2: %v", hits)
	}
	hits, err = ix.SearchKeywords("lazy dog", 4, nil)
	must(t, err)
	if len(hits) == 0 || hits[0].Key != 2 || hits[0].Score <= 0 {
		t.Fatalf("new words: got %v", hits)
	}
}

func TestSearchKeywordsBlankAndBadArguments(t *testing.T) {
	ix := keywordIndex(t)
	defer ix.Close()
	hits, err := ix.SearchKeywords("  \t ", 3, nil)
	must(t, err)
	if len(hits) != 0 {
		t.Fatalf("blank query found %v", hits)
	}
	_, err = ix.SearchKeywords("apples", 0, nil)
	expectStatus(t, err, InvalidArgument)
	_, err = ix.SearchKeywords("app\x00les", 3, nil)
	expectStatus(t, err, InvalidArgument)
}

var hybridDocs = []string{
	"Honeybees make honey from the nectar of flowers inside the hive.",
	"Steam locomotives pulled the first trains across the country.",
	"The violin and the cello are string instruments. Part number ZX4711.",
	"Volcanoes erupt molten rock called lava from deep under the crust.",
	"Glaciers carve valleys as the ice slowly moves downhill.",
}

func TestSearchHybridPutsTheExactTokenFirst(t *testing.T) {
	ix, err := New(Options{Dim: 256, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	_, err = ix.SearchHybrid("ZX4711", 3, nil)
	expectStatus(t, err, InvalidArgument) // no embedder yet
	attachHashingEmbedder(t, ix, 256)
	must(t, ix.AddTexts([]uint64{1, 2, 3, 4, 5}, hybridDocs))

	hits, err := ix.SearchHybrid("ZX4711", 5, nil)
	must(t, err)
	if len(hits) == 0 || hits[0].DocKey != 3 || DocKey(hits[0].ChunkKey) != 3 {
		t.Fatalf("ZX4711: got %v, want document 3 first", hits)
	}
	if !strings.Contains(hits[0].Passage, "ZX4711") {
		t.Fatalf("passage %q lacks the token", hits[0].Passage)
	}
	seen := map[uint64]bool{}
	for i, h := range hits {
		if seen[h.DocKey] {
			t.Fatalf("document %d twice: %v", h.DocKey, hits)
		}
		seen[h.DocKey] = true
		if h.Score <= 0 || (i > 0 && h.Score > hits[i-1].Score) {
			t.Fatalf("scores not positive and descending: %v", hits)
		}
	}
	_, err = ix.SearchHybrid("   ", 3, nil)
	expectStatus(t, err, InvalidArgument)
	_, err = ix.SearchHybrid("ZX4711", 0, nil)
	expectStatus(t, err, InvalidArgument)

	must(t, ix.SetEmbedder(nil))
	_, err = ix.SearchHybrid("ZX4711", 3, nil)
	expectStatus(t, err, InvalidArgument)
	kw, err := ix.SearchKeywords("zx4711", 1, nil) // keywords need no embedder
	must(t, err)
	if len(kw) != 1 || kw[0].Key != ChunkKey(3, 0) {
		t.Fatalf("keywords without embedder: got %v", kw)
	}
}

// fused is a document's score as quiver.h defines it: 1/(60 + rank by
// meaning) + weight/(60 + rank by words), ranks from 1, a ranking without
// the document adding nothing.
func fused(doc uint64, byMeaning, byWords []uint64, weight float64) float64 {
	score := 0.0
	for r, d := range byMeaning {
		if d == doc {
			score += 1 / (60 + float64(r+1))
		}
	}
	for r, d := range byWords {
		if d == doc {
			score += weight / (60 + float64(r+1))
		}
	}
	return score
}

func TestSearchHybridKeywordWeight(t *testing.T) {
	ix, err := New(Options{Dim: 256, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	attachHashingEmbedder(t, ix, 256)
	must(t, ix.AddTexts([]uint64{1, 2, 3, 4, 5}, hybridDocs))
	// A query the two rankings disagree on (each document is one chunk).
	const query = "honey trains"
	text, err := ix.SearchText(query, 5, nil)
	must(t, err)
	words, err := ix.SearchKeywords(query, 5, nil)
	must(t, err)
	var byMeaning, byWords []uint64
	for _, h := range text {
		byMeaning = append(byMeaning, h.DocKey)
	}
	for _, h := range words {
		byWords = append(byWords, DocKey(h.Key))
	}
	if byMeaning[0] == byWords[0] {
		t.Fatalf("the rankings agree (%v, %v): pick another query", byMeaning, byWords)
	}
	hybrid := func(weight float32) []HybridHit {
		t.Helper()
		hits, err := ix.SearchHybrid(query, 5, &SearchOptions{KeywordWeight: weight})
		must(t, err)
		return hits
	}
	// Every score is the formula's, for the default (0 = equal weights) and
	// for the keyword ranking weighted up and down.
	for _, w := range []struct {
		weight float32
		asUsed float64
	}{{0, 1}, {2.5, 2.5}, {0.25, 0.25}} {
		hits := hybrid(w.weight)
		if len(hits) != 5 {
			t.Fatalf("weight %g: %d hits", w.weight, len(hits))
		}
		for _, h := range hits {
			if want := fused(h.DocKey, byMeaning, byWords, w.asUsed); math.Abs(float64(h.Score)-want) > 1e-6 {
				t.Fatalf("weight %g: document %d scored %g, the formula gives %g", w.weight, h.DocKey, h.Score, want)
			}
		}
	}
	// A large weight puts the keyword ranking's first document first, a tiny
	// one the meaning ranking's.
	if got := hybrid(1000)[0].DocKey; got != byWords[0] {
		t.Fatalf("weight 1000: document %d first, want %d (keywords)", got, byWords[0])
	}
	if got := hybrid(0.001)[0].DocKey; got != byMeaning[0] {
		t.Fatalf("weight 0.001: document %d first, want %d (meaning)", got, byMeaning[0])
	}
	// Out of range: the library's InvalidArgument, naming the field.
	for _, bad := range []float32{-1, 1000.5, float32(math.NaN()), float32(math.Inf(1))} {
		_, err := ix.SearchHybrid(query, 3, &SearchOptions{KeywordWeight: bad})
		expectStatus(t, err, InvalidArgument)
		if !strings.Contains(err.Error(), "keyword_weight") {
			t.Fatalf("weight %g: %v does not name keyword_weight", bad, err)
		}
	}
}
