package quiver

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// savedHNSW saves an HNSW index of n random vectors and returns its path and
// the answers to queries.
func savedHNSW(t *testing.T, queries []float32) (string, [][]Hit) {
	t.Helper()
	data, keys := randomVectors(n, 21), testKeys(n)
	seed := uint64(5)
	ix, err := New(Options{Dim: dim, Kind: HNSW, Seed: &seed})
	must(t, err)
	defer ix.Close()
	must(t, ix.AddBatch(keys, data))
	want, err := ix.SearchBatch(queries, k, nil)
	must(t, err)
	path := filepath.Join(t.TempDir(), "index.qv")
	must(t, ix.Save(path, nil))
	return path, want
}

func TestOpenWithOptionsDeferredThenVerify(t *testing.T) {
	queries := randomVectors(10, 22)
	path, want := savedHNSW(t, queries)

	mm, err := OpenWithOptions(path, OpenOptions{Mode: Mmap, Verify: VerifyDeferred, Threads: 2})
	must(t, err)
	got, err := mm.SearchBatch(queries, k, nil)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatal("a deferred open answers differently")
	}
	must(t, mm.Verify())
	if info, _ := mm.Info(); !info.ReadOnly {
		t.Fatalf("Mmap opens read-only: %+v", info)
	}
	// A file truncated under a mapped index: Verify reports it instead of a
	// search dying of SIGBUS.
	st, err := os.Stat(path)
	must(t, err)
	must(t, os.Truncate(path, st.Size()/2))
	if e := expectStatus(t, mm.Verify(), Corrupt); !strings.Contains(e.Message, "size") {
		t.Fatalf("verify after truncation: %v", e)
	}
	must(t, mm.Close())

	ld, err := OpenWithOptions(path, OpenOptions{})
	expectStatus(t, err, Corrupt)
	if ld != nil {
		t.Fatal("a failed open returned an index")
	}
}

func TestVerifyFindsDamageADeferredOpenSkipped(t *testing.T) {
	queries := randomVectors(2, 23)
	path, _ := savedHNSW(t, queries)
	b, err := os.ReadFile(path)
	must(t, err)
	// Vectors take most of the file: damage one in the middle.
	b[len(b)/2] ^= 0xFF
	must(t, os.WriteFile(path, b, 0o644))

	_, err = Open(path, Mmap) // VerifyAll: never opens
	expectStatus(t, err, Corrupt)
	mm, err := OpenWithOptions(path, OpenOptions{Mode: Mmap, Verify: VerifyDeferred})
	must(t, err)
	defer mm.Close()
	e := expectStatus(t, mm.Verify(), Corrupt)
	if !strings.Contains(e.Message, path) {
		t.Fatalf("the message names the file: %v", e)
	}
	if again := expectStatus(t, mm.Verify(), Corrupt); again.Message != e.Message {
		t.Fatalf("the same message on every call: %q vs %q", again.Message, e.Message)
	}
}

func TestOpenOptionErrors(t *testing.T) {
	path, _ := savedHNSW(t, randomVectors(1, 24))
	_, err := OpenWithOptions(path, OpenOptions{Mode: 7})
	expectStatus(t, err, InvalidArgument)
	_, err = OpenWithOptions(path, OpenOptions{Verify: 9})
	expectStatus(t, err, InvalidArgument)
	_, err = OpenWithOptions(filepath.Join(t.TempDir(), "none.qv"), OpenOptions{Mode: Mmap, Verify: VerifyDeferred})
	expectStatus(t, err, NotFound)
	// Load with VerifyDeferred is a full check; Verify on memory has nothing to do.
	ld, err := OpenWithOptions(path, OpenOptions{Mode: Load, Verify: VerifyDeferred})
	must(t, err)
	defer ld.Close()
	must(t, ld.Verify())
	ld.Close()
	expectStatus(t, ld.Verify(), InvalidArgument)
}

func TestInfoNamesAndVersionNumber(t *testing.T) {
	ix, err := New(Options{Dim: 8, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	info, err := ix.Info()
	must(t, err)
	if info.Kind.String() != "flat" || info.Metric.String() != "cosine" || HNSW.String() != "hnsw" || L2.String() != "l2" {
		t.Fatalf("names: %v %v", info.Kind, info.Metric)
	}
	var major, minor, patch int
	if _, err := fmt.Sscanf(Version(), "%d.%d.%d", &major, &minor, &patch); err != nil ||
		VersionNumber() != major*10000+minor*100+patch {
		t.Fatalf("version %s = %d", Version(), VersionNumber())
	}
	q, err := New(Options{Dim: 8, Storage: I8, Seed: &[]uint64{2}[0]})
	must(t, err)
	defer q.Close()
	qi, err := q.Info()
	must(t, err)
	if qi.Storage != I8 || !qi.KeepsOriginals || qi.Storage.String() != "i8" {
		t.Fatalf("storage info %+v", qi)
	}
	v := []float32{0, .1, .2, .3, .4, .5, .6, .7}
	must(t, q.Add(1, v))
	if got, _ := q.Get(1); !reflect.DeepEqual(got, v) {
		t.Fatalf("I8 keeps the originals: %v", got)
	}
	if hits, err := q.Search(v, 1, &SearchOptions{Rerank: 4}); err != nil || hits[0].Key != 1 {
		t.Fatalf("rerank search %v %v", hits, err)
	}
	if mb, err := q.MemoryBytes(); err != nil || mb <= 0 {
		t.Fatalf("memory bytes %d %v", mb, err)
	}
	f, err := New(Options{Dim: 8, Kind: Flat, Storage: F16})
	must(t, err)
	must(t, f.Add(1, v))
	if hits, err := f.Search(v, 1, nil); err != nil || hits[0].Key != 1 {
		t.Fatalf("flat f16 search %v %v", hits, err)
	}
	f.Close()
	_, err = New(Options{Dim: 8, HnswM: 1})
	if e := expectStatus(t, err, InvalidArgument); !strings.Contains(e.Message, "HnswM") {
		t.Fatalf("Go names in messages: %v", e)
	}
}
