package quiver

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Upsert over qv_index_upsert: a new key is added, a live key gets its new
// vector (found by a search for it, metadata kept, count unchanged), bad
// vectors and read-only indexes are refused.
func TestUpsertAddsAndReplaces(t *testing.T) {
	for _, kind := range []Kind{Flat, HNSW} {
		data := randomVectors(200, 31)
		keys := testKeys(200)
		ix, err := New(Options{Dim: dim, Kind: kind, Metric: L2})
		must(t, err)
		must(t, ix.AddBatch(keys, data))
		must(t, ix.SetMetadata(keys[7], []byte("seven")))

		fresh := make([]float32, dim)
		for j := range fresh {
			fresh[j] = 5 + float32(j)
		}
		must(t, ix.Upsert(99, fresh)) // a new key: added
		if c, _ := ix.Count(); c != 201 {
			t.Fatalf("%v: count after upserting a new key %d", kind, c)
		}
		if got, err := ix.Get(99); err != nil || !reflect.DeepEqual(got, fresh) {
			t.Fatalf("%v: get of the new key %v %v", kind, got, err)
		}

		moved := make([]float32, dim)
		for j := range moved {
			moved[j] = row(data, 7)[j] - 9 // far from every other vector
		}
		must(t, ix.Upsert(keys[7], moved)) // a live key: replaced
		if c, _ := ix.Count(); c != 201 {
			t.Fatalf("%v: count after replacing %d", kind, c)
		}
		if got, err := ix.Get(keys[7]); err != nil || !reflect.DeepEqual(got, moved) {
			t.Fatalf("%v: get after replacing %v %v", kind, got, err)
		}
		hits, err := ix.Search(moved, 3, nil)
		must(t, err)
		if hits[0].Key != keys[7] || hits[0].Distance != 0 {
			t.Fatalf("%v: search for the new vector %v", kind, hits)
		}
		if s, err := ix.MetadataString(keys[7]); err != nil || s != "seven" {
			t.Fatalf("%v: metadata after replacing %q %v", kind, s, err)
		}
		ix.Close()
	}
}

func TestUpsertRefusesBadVectors(t *testing.T) {
	ix, err := New(Options{Dim: dim, Metric: L2})
	must(t, err)
	defer ix.Close()
	data := randomVectors(3, 5)
	must(t, ix.AddBatch([]uint64{1, 2, 3}, data))
	bad := append([]float32(nil), row(data, 1)...)
	bad[3] = float32(math.NaN())
	expectStatus(t, ix.Upsert(2, bad), InvalidArgument)
	bad[3] = float32(math.Inf(1))
	expectStatus(t, ix.Upsert(9, bad), InvalidArgument)
	expectStatus(t, ix.Upsert(2, make([]float32, dim-1)), DimensionMismatch)
	if c, _ := ix.Count(); c != 3 {
		t.Fatalf("a refused upsert changed the count: %d", c)
	}
	if got, _ := ix.Get(2); !reflect.DeepEqual(got, row(data, 1)) {
		t.Fatal("a refused upsert changed the vector")
	}
	cos, err := New(Options{Dim: dim, Metric: Cosine})
	must(t, err)
	defer cos.Close()
	expectStatus(t, cos.Upsert(1, make([]float32, dim)), InvalidArgument)
	ix.Close()
	expectStatus(t, ix.Upsert(1, row(data, 0)), InvalidArgument)
}

func TestUpsertOnReadOnlyIndexIsUnsupported(t *testing.T) {
	file := filepath.Join(t.TempDir(), "upsert.qv")
	data := randomVectors(10, 8)
	keys := testKeys(10)
	ix, err := New(Options{Dim: dim, Metric: L2})
	must(t, err)
	must(t, ix.AddBatch(keys, data))
	must(t, ix.Save(file, nil))
	ix.Close()

	mm, err := Open(file, Mmap)
	must(t, err)
	defer mm.Close()
	expectStatus(t, mm.Upsert(keys[1], row(data, 0)), Unsupported)
	expectStatus(t, mm.Upsert(5, row(data, 0)), Unsupported)
	if c, _ := mm.Count(); c != 10 {
		t.Fatalf("count after refused upserts %d", c)
	}

	ld, err := Open(file, Load)
	must(t, err)
	defer ld.Close()
	must(t, ld.Upsert(keys[1], row(data, 0)))
	if got, _ := ld.Get(keys[1]); !reflect.DeepEqual(got, row(data, 0)) {
		t.Fatal("a loaded index did not upsert")
	}
	os.Remove(file)
}
