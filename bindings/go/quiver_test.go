package quiver

import (
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
)

const (
	dim = 32
	n   = 3000
	k   = 10
)

func randomVectors(count int, seed int64) []float32 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float32, count*dim)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

func testKeys(count int) []uint64 {
	keys := make([]uint64, count)
	for i := range keys {
		keys[i] = 1000 + 7*uint64(i)
	}
	return keys
}

func l2(a, b []float32) float32 {
	var s float32
	for j := range a {
		d := a[j] - b[j]
		s += d * d
	}
	return s
}

func row(data []float32, r int) []float32 { return data[r*dim : (r+1)*dim] }

// bruteForce returns the exact k nearest keys, nearest first, among keys passing keep.
func bruteForce(data []float32, keys []uint64, q []float32, kk int, keep func(uint64) bool) []uint64 {
	type cand struct {
		key uint64
		d   float32
	}
	var cands []cand
	for i, key := range keys {
		if keep == nil || keep(key) {
			cands = append(cands, cand{key, l2(row(data, i), q)})
		}
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a].d < cands[b].d })
	if len(cands) > kk {
		cands = cands[:kk]
	}
	out := make([]uint64, len(cands))
	for i, c := range cands {
		out[i] = c.key
	}
	return out
}

func hitKeys(hits []Hit) []uint64 {
	out := make([]uint64, len(hits))
	for i, h := range hits {
		out[i] = h.Key
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func expectStatus(t *testing.T, err error, s Status) *Error {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("expected a *quiver.Error with %v, got %v", s, err)
	}
	if qe.Status != s {
		t.Fatalf("expected %v, got %v", s, qe)
	}
	if qe.Message == "" {
		t.Fatalf("empty message for %v", s)
	}
	if !errors.Is(err, &Error{Status: s}) {
		t.Fatalf("errors.Is does not match status %v", s)
	}
	return qe
}

func buildFlat(t *testing.T, data []float32, keys []uint64) *Index {
	ix, err := New(Options{Dim: dim, Kind: Flat, Metric: L2})
	must(t, err)
	must(t, ix.AddBatch(keys, data))
	return ix
}

func TestVersion(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(Version()) {
		t.Fatalf("version %q", Version())
	}
}

func TestFlatSearchIsExact(t *testing.T) {
	data, keys, queries := randomVectors(n, 1), testKeys(n), randomVectors(20, 2)
	ix := buildFlat(t, data, keys)
	defer ix.Close()
	if c, _ := ix.Count(); c != n {
		t.Fatalf("count %d", c)
	}
	for q := 0; q < 20; q++ {
		hits, err := ix.Search(row(queries, q), k, nil)
		must(t, err)
		want := bruteForce(data, keys, row(queries, q), k, nil)
		if !reflect.DeepEqual(hitKeys(hits), want) {
			t.Fatalf("query %d: got %v want %v", q, hitKeys(hits), want)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i-1].Distance > hits[i].Distance {
				t.Fatal("not sorted")
			}
		}
		d0 := l2(row(data, int((want[0]-1000)/7)), row(queries, q))
		if math.Abs(float64(hits[0].Distance-d0)) > 1e-4*math.Max(1, float64(d0)) {
			t.Fatalf("distance %v want %v", hits[0].Distance, d0)
		}
	}
}

func TestHNSWRecallAndBatch(t *testing.T) {
	data, keys := randomVectors(n, 3), testKeys(n)
	nq := 50
	queries := randomVectors(nq, 4)
	seed := uint64(7)
	ix, err := New(Options{Dim: dim, Kind: HNSW, Seed: &seed})
	must(t, err)
	defer ix.Close()
	must(t, ix.AddBatch(keys, data))
	batch, err := ix.SearchBatch(queries, k, nil)
	must(t, err)
	hit := 0
	for q := 0; q < nq; q++ {
		want := map[uint64]bool{}
		for _, key := range bruteForce(data, keys, row(queries, q), k, nil) {
			want[key] = true
		}
		one, err := ix.Search(row(queries, q), k, nil)
		must(t, err)
		if !reflect.DeepEqual(hitKeys(one), hitKeys(batch[q])) {
			t.Fatalf("batch != single for query %d", q)
		}
		for _, h := range one {
			if want[h.Key] {
				hit++
			}
		}
	}
	recall := float64(hit) / float64(nq*k)
	t.Logf("HNSW recall@%d = %.3f", k, recall)
	if recall < 0.9 {
		t.Fatalf("recall %.3f", recall)
	}
}

func TestFilterKeepsOnlyAcceptedKeys(t *testing.T) {
	data, keys, queries := randomVectors(n, 5), testKeys(n), randomVectors(8, 6)
	even := func(key uint64) bool { return key%2 == 0 }
	var calls int64
	ix := buildFlat(t, data, keys)
	defer ix.Close()
	opts := &SearchOptions{Filter: func(key uint64) bool { atomic.AddInt64(&calls, 1); return even(key) }}
	for q := 0; q < 8; q++ {
		hits, err := ix.Search(row(queries, q), k, opts)
		must(t, err)
		if want := bruteForce(data, keys, row(queries, q), k, even); !reflect.DeepEqual(hitKeys(hits), want) {
			t.Fatalf("filtered query %d: got %v want %v", q, hitKeys(hits), want)
		}
	}
	if atomic.LoadInt64(&calls) == 0 {
		t.Fatal("filter not called")
	}
	opts.Threads = 2
	batch, err := ix.SearchBatch(queries, k, opts)
	must(t, err)
	for q := 0; q < 8; q++ {
		if want := bruteForce(data, keys, row(queries, q), k, even); !reflect.DeepEqual(hitKeys(batch[q]), want) {
			t.Fatalf("filtered batch query %d", q)
		}
	}
}

func TestFilterPanicReachesCaller(t *testing.T) {
	data := randomVectors(200, 7)
	ix := buildFlat(t, data, testKeys(200))
	defer ix.Close()
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	ix.Search(row(data, 0), k, &SearchOptions{Filter: func(uint64) bool { panic("boom") }})
	t.Fatal("no panic")
}

func TestGetRemoveCount(t *testing.T) {
	data, keys := randomVectors(100, 8), testKeys(100)
	ix := buildFlat(t, data, keys)
	defer ix.Close()
	v, err := ix.Get(keys[5])
	must(t, err)
	if !reflect.DeepEqual(v, row(data, 5)) {
		t.Fatal("get")
	}
	must(t, ix.Remove(keys[5]))
	if c, _ := ix.Count(); c != 99 {
		t.Fatalf("count %d", c)
	}
	hits, err := ix.Search(row(data, 5), 3, nil)
	must(t, err)
	for _, h := range hits {
		if h.Key == keys[5] {
			t.Fatal("removed key returned")
		}
	}
	_, err = ix.Get(keys[5])
	expectStatus(t, err, NotFound)
	expectStatus(t, ix.Remove(keys[5]), NotFound)
	must(t, ix.Add(keys[5], row(data, 5)))
}

func TestErrorsAreQuiverErrors(t *testing.T) {
	ix, err := New(Options{Dim: dim, Kind: Flat})
	must(t, err)
	v := randomVectors(1, 9)
	must(t, ix.Add(42, v))
	dup := expectStatus(t, ix.Add(42, v), DuplicateKey)
	if !strings.Contains(dup.Message, "42") {
		t.Fatalf("duplicate message does not name the key: %v", dup)
	}
	expectStatus(t, ix.Add(43, make([]float32, dim-1)), DimensionMismatch)
	_, err = ix.Search(make([]float32, dim+1), 3, nil)
	expectStatus(t, err, DimensionMismatch)
	_, err = ix.Search(v, 0, nil)
	if e := expectStatus(t, err, InvalidArgument); !strings.Contains(e.Message, "k") {
		t.Fatalf("k = 0 message: %v", e)
	}
	nan := append([]float32(nil), v...)
	nan[3] = float32(math.NaN())
	expectStatus(t, ix.Add(44, nan), InvalidArgument)
	_, err = Open("/nonexistent/quiver/index.qv", Load)
	expectStatus(t, err, NotFound)
	_, err = New(Options{Dim: 0})
	expectStatus(t, err, InvalidArgument)
	ix.Close()
	ix.Close()
	_, err = ix.Count()
	expectStatus(t, err, InvalidArgument)
}

func TestMetadataRoundTrip(t *testing.T) {
	ix, err := New(Options{Dim: dim, Kind: Flat})
	must(t, err)
	defer ix.Close()
	must(t, ix.Add(1, randomVectors(1, 10)))
	must(t, ix.SetMetadata(1, []byte(`{"title": "café"}`)))
	if s, err := ix.MetadataString(1); err != nil || s != `{"title": "café"}` {
		t.Fatalf("metadata %q %v", s, err)
	}
	raw := []byte{0, 1, 2, 255}
	must(t, ix.SetMetadata(1, raw))
	if b, _ := ix.Metadata(1); !reflect.DeepEqual(b, raw) {
		t.Fatal("binary metadata")
	}
	expectStatus(t, ix.SetMetadata(2, []byte("x")), NotFound)
	must(t, ix.SetMetadata(1, nil))
	_, err = ix.Metadata(1)
	expectStatus(t, err, NotFound)
}

func TestSaveAndMmapGiveSameAnswers(t *testing.T) {
	data, keys, queries := randomVectors(n, 11), testKeys(n), randomVectors(20, 12)
	file := filepath.Join(t.TempDir(), "index.qv")
	seed := uint64(3)
	ix, err := New(Options{Dim: dim, Kind: HNSW, Seed: &seed})
	must(t, err)
	must(t, ix.AddBatch(keys, data))
	must(t, ix.SetMetadata(keys[0], []byte("first")))
	before, err := ix.SearchBatch(queries, k, nil)
	must(t, err)
	must(t, ix.Save(file, nil))
	ix.Close()

	mm, err := Open(file, Mmap)
	must(t, err)
	defer mm.Close()
	if c, _ := mm.Count(); c != n {
		t.Fatalf("count after open %d", c)
	}
	after, err := mm.SearchBatch(queries, k, nil)
	must(t, err)
	if !reflect.DeepEqual(after, before) {
		t.Fatal("mmap answers differ")
	}
	if s, _ := mm.MetadataString(keys[0]); s != "first" {
		t.Fatalf("metadata after open %q", s)
	}
	info, err := mm.Info()
	must(t, err)
	if !info.ReadOnly || info.Kind != HNSW || info.Dim != dim {
		t.Fatalf("info %+v", info)
	}
	expectStatus(t, mm.Add(1, row(data, 0)), Unsupported)
	expectStatus(t, mm.Remove(keys[1]), Unsupported)

	ld, err := Open(file, Load)
	must(t, err)
	defer ld.Close()
	again, err := ld.SearchBatch(queries, k, nil)
	must(t, err)
	if !reflect.DeepEqual(again, before) {
		t.Fatal("load answers differ")
	}
	must(t, ld.Remove(keys[1]))
	if c, _ := ld.Count(); c != n-1 {
		t.Fatalf("load is not mutable: %d", c)
	}
	os.Remove(file)
}

func TestHashingEmbedderFindsTheRightText(t *testing.T) {
	docs := []string{"the cat sat on the mat", "vector search with hnsw graphs", "a recipe for apple pie", "rust borrow checker explained"}
	emb, err := NewHashingEmbedder(256)
	must(t, err)
	defer emb.Close()
	ix, err := New(Options{Dim: 256, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	vecs, err := emb.Embed(docs, Document)
	must(t, err)
	for i, v := range vecs {
		must(t, ix.Add(uint64(i), v))
	}
	q, err := emb.EmbedOne("searching vectors in an HNSW graph", Query)
	must(t, err)
	hits, err := ix.Search(q, 1, nil)
	must(t, err)
	if hits[0].Key != 1 {
		t.Fatalf("nearest document %d", hits[0].Key)
	}
	again, _ := emb.EmbedOne(docs[2], Document)
	if !reflect.DeepEqual(again, vecs[2]) {
		t.Fatal("not deterministic")
	}
}

func TestCallbackEmbedderRunsGoCode(t *testing.T) {
	var seen []string
	emb, err := NewCallbackEmbedder(4, func(texts []string) ([][]float32, error) {
		out := make([][]float32, len(texts))
		for i, s := range texts {
			seen = append(seen, s)
			first := float32(0)
			if len(s) > 0 {
				first = float32([]rune(s)[0])
			}
			out[i] = []float32{float32(len([]rune(s))), first, 1, 0}
		}
		return out, nil
	})
	must(t, err)
	defer emb.Close()
	v, err := emb.Embed([]string{"abc", "café"}, Document)
	must(t, err)
	if !reflect.DeepEqual(v[0], []float32{3, 'a', 1, 0}) || v[1][0] != 4 || seen[1] != "café" {
		t.Fatalf("callback vectors %v, texts %q", v, seen)
	}
	bad, err := NewCallbackEmbedder(4, func([]string) ([][]float32, error) { return nil, errors.New("model not loaded") })
	must(t, err)
	defer bad.Close()
	_, err = bad.Embed([]string{"x"}, Document)
	if e := expectStatus(t, err, Embedding); !strings.Contains(e.Message, "model not loaded") {
		t.Fatalf("callback message: %v", e)
	}
	panicky, err := NewCallbackEmbedder(4, func([]string) ([][]float32, error) { panic("gpu on fire") })
	must(t, err)
	defer panicky.Close()
	_, err = panicky.Embed([]string{"x"}, Document)
	if e := expectStatus(t, err, Embedding); !strings.Contains(e.Message, "gpu on fire") {
		t.Fatalf("panic message: %v", e)
	}
	_, err = NewHashingEmbedder(0)
	expectStatus(t, err, InvalidArgument)
}

func TestGeminiOptionsAreChecked(t *testing.T) {
	zero := 0
	g, err := NewGeminiEmbedder(GeminiOptions{APIKey: "test-key", OutputDim: 256, MaxRetries: &zero})
	if errors.Is(err, &Error{Status: Unsupported}) {
		// A libquiver built with QV_WITH_GEMINI=OFF refuses every Gemini
		// embedder, and says how it was built.
		if qe := expectStatus(t, err, Unsupported); !strings.Contains(qe.Message, "without the Gemini embedder") {
			t.Fatalf("the refusal does not say why: %v", qe)
		}
		_, err = NewGeminiEmbedder(GeminiOptions{APIKey: "k", BaseURL: "ftp://example.invalid"})
		expectStatus(t, err, Unsupported)
		t.Skipf("libquiver built without Gemini: %v", err)
	}
	must(t, err)
	if g.Dim() != 256 {
		t.Fatalf("gemini dim %d", g.Dim())
	}
	g.Close()
	_, err = NewGeminiEmbedder(GeminiOptions{APIKey: "k", BaseURL: "ftp://example.invalid"})
	expectStatus(t, err, InvalidArgument)
}
