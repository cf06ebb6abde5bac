package quiver

import (
	"errors"
	"math"
	"math/rand"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
)

var textDocs = []string{
	"The cat sat on the mat and watched the birds in the garden.",
	"Vector search finds nearest neighbours in HNSW graphs quickly.",
	"A recipe for apple pie: flour, butter, apples, sugar and cinnamon.",
	"The Rust borrow checker explained with lifetimes and references.",
	"Trains leave the central station every ten minutes on weekdays.",
}

// letters is a deterministic toy embedder: a letter histogram folded into 16 bins.
func letters(t string) []float32 {
	v := make([]float32, 16)
	for _, c := range strings.ToLower(t) {
		if c >= 'a' && c <= 'z' {
			v[(c-'a')%16]++
		}
	}
	v[15] += 0.5 // never the zero vector
	return v
}

func cosineDistance(a, b []float32) float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return float32(1 - dot/math.Sqrt(na*nb))
}

func TestTextSearchFindsDocumentsAndPassages(t *testing.T) {
	emb, err := NewHashingEmbedder(256)
	must(t, err)
	defer emb.Close()
	ix, err := New(Options{Dim: 256, Kind: HNSW, Metric: Cosine})
	must(t, err)
	defer ix.Close()

	_, err = ix.SearchText("cat", 3, nil)
	expectStatus(t, err, InvalidArgument) // no embedder yet
	must(t, ix.SetEmbedder(emb))
	overlap := 2
	must(t, ix.SetTextOptions(&TextOptions{Unit: Tokens, ChunkSize: 6, ChunkOverlap: &overlap}))
	docKeys := []uint64{10, 20, 30, 40, 50}
	must(t, ix.AddTexts(docKeys, textDocs))
	if c, _ := ix.Count(); c <= len(textDocs) {
		t.Fatalf("documents are split into chunks: count %d", c)
	}

	hits, err := ix.SearchText("apple pie with cinnamon", 3, nil)
	must(t, err)
	if len(hits) != 3 || hits[0].DocKey != 30 || DocKey(hits[0].ChunkKey) != 30 {
		t.Fatalf("best document: %+v", hits)
	}
	if !strings.Contains(hits[0].Passage, "apple") {
		t.Fatalf("passage %q", hits[0].Passage)
	}
	seen := map[uint64]bool{}
	for _, h := range hits {
		if seen[h.DocKey] {
			t.Fatalf("documents repeat: %+v", hits)
		}
		seen[h.DocKey] = true
	}
	chunks, err := ix.SearchTextChunks("apple pie with cinnamon", 4, nil)
	must(t, err)
	if len(chunks) != 4 || chunks[0].DocKey != 30 {
		t.Fatalf("chunks %+v", chunks)
	}
	if md, _ := ix.MetadataString(chunks[0].ChunkKey); md != chunks[0].Passage {
		t.Fatalf("a chunk's passage is its metadata: %q vs %q", md, chunks[0].Passage)
	}
	filtered, err := ix.SearchText("apple pie with cinnamon", 2,
		&SearchOptions{Filter: func(key uint64) bool { return DocKey(key) != 30 }})
	must(t, err)
	for _, h := range filtered {
		if h.DocKey == 30 {
			t.Fatalf("filter sees chunk keys: %+v", filtered)
		}
	}

	before, err := ix.SearchText("trains at the station", 3, nil)
	must(t, err)
	if before[0].DocKey != 50 {
		t.Fatalf("train document: %+v", before)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "text.qv")
	must(t, ix.Save(path, nil))

	must(t, ix.RemoveText(30))
	after, err := ix.SearchText("apple pie with cinnamon", 5, nil)
	must(t, err)
	for _, h := range after {
		if h.DocKey == 30 {
			t.Fatalf("removed document found: %+v", after)
		}
	}
	expectStatus(t, ix.RemoveText(30), NotFound)
	expectStatus(t, ix.AddText(10, "again"), DuplicateKey)
	if e := expectStatus(t, ix.AddText(60, "a\x00b"), InvalidArgument); !strings.Contains(e.Message, "NUL") {
		t.Fatalf("NUL message: %v", e)
	}
	expectStatus(t, ix.AddText(MaxDocKey+1, "key too large"), InvalidArgument)
	_, err = ix.SearchText("   ", 3, nil)
	expectStatus(t, err, InvalidArgument)
	expectStatus(t, ix.AddTexts([]uint64{1, 2}, []string{"one"}), InvalidArgument)
	expectStatus(t, ix.SetTextOptions(&TextOptions{ChunkSize: -1}), InvalidArgument)
	four := 4
	expectStatus(t, ix.SetTextOptions(&TextOptions{ChunkSize: 4, ChunkOverlap: &four}), InvalidArgument)
	small, err := NewHashingEmbedder(64)
	must(t, err)
	expectStatus(t, ix.SetEmbedder(small), DimensionMismatch)
	small.Close()
	if again, _ := ix.SearchText("trains at the station", 3, nil); len(again) == 0 || again[0].DocKey != 50 {
		t.Fatalf("a failed SetEmbedder keeps the attached one: %+v", again)
	}

	mm, err := Open(path, Mmap)
	must(t, err)
	defer mm.Close()
	_, err = mm.SearchText("trains", 3, nil)
	expectStatus(t, err, InvalidArgument)
	must(t, mm.SetEmbedder(emb))
	got, err := mm.SearchText("trains at the station", 3, nil)
	must(t, err)
	if !reflect.DeepEqual(got, before) {
		t.Fatalf("mmap answers differ:\n%+v\n%+v", got, before)
	}
	expectStatus(t, mm.AddText(99, "read-only"), Unsupported)
}

func TestTextSearchMatchesBruteForce(t *testing.T) {
	var calls int32
	fn := func(texts []string) ([][]float32, error) {
		atomic.AddInt32(&calls, 1)
		out := make([][]float32, len(texts))
		for i, s := range texts {
			out[i] = letters(s)
		}
		return out, nil
	}
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	r := rand.New(rand.NewSource(5))
	const count = 2000
	docs := make([]uint64, count)
	texts := make([]string, count)
	for i := range texts {
		docs[i] = 3*uint64(i) + 1
		var b []string
		for w := 0; w < 6; w++ {
			b = append(b, words[r.Intn(len(words))])
		}
		texts[i] = strings.Join(b, " ")
	}
	ix, err := New(Options{Dim: 16, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	// The index must keep the Go function alive after its Embedder is closed.
	emb, err := NewCallbackEmbedder(16, fn)
	must(t, err)
	must(t, ix.SetEmbedder(emb))
	emb.Close()
	emb = nil
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	must(t, ix.AddTexts(docs, texts))
	if c, _ := ix.Count(); c != count {
		t.Fatalf("one chunk per short document: %d", c)
	}
	query := "delta echo golf hotel"
	q := letters(query)
	d := make([]float32, count)
	order := make([]int, count)
	for i := range texts {
		d[i] = cosineDistance(letters(texts[i]), q)
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return d[order[a]] < d[order[b]] })
	hits, err := ix.SearchText(query, k, nil)
	must(t, err)
	if len(hits) != k {
		t.Fatalf("%d hits", len(hits))
	}
	for i, h := range hits {
		// Ties may order differently; the distance at each rank must match brute force.
		if math.Abs(float64(h.Distance-d[order[i]])) > 1e-4 {
			t.Fatalf("rank %d: %+v vs brute force %v", i, h, d[order[i]])
		}
		row := int((h.DocKey - 1) / 3)
		if math.Abs(float64(d[row]-h.Distance)) > 1e-4 || h.ChunkKey != ChunkKey(h.DocKey, 0) || h.Passage != texts[row] {
			t.Fatalf("hit %+v: distance %v, text %q", h, d[row], texts[row])
		}
	}
	if atomic.LoadInt32(&calls) < 2 {
		t.Fatalf("the Go function was called %d times", calls)
	}

	bad, err := NewCallbackEmbedder(16, func([]string) ([][]float32, error) {
		return nil, errors.New("model offline")
	})
	must(t, err)
	must(t, ix.SetEmbedder(bad))
	bad.Close()
	if e := expectStatus(t, ix.AddText(999999, "new words"), Embedding); !strings.Contains(e.Message, "model offline") {
		t.Fatalf("callback message: %v", e)
	}
	if c, _ := ix.Count(); c != count {
		t.Fatalf("a failed AddText added something: %d", c)
	}
	_, err = ix.SearchText("delta", 3, nil)
	expectStatus(t, err, Embedding)
	must(t, ix.SetEmbedder(nil))
	_, err = ix.SearchText("delta", 3, nil)
	expectStatus(t, err, InvalidArgument)
}
