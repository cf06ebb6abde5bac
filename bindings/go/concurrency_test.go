package quiver

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The C API lets adds and removes run while other goroutines search.
func TestAddWhileSearching(t *testing.T) {
	for _, kind := range []Kind{HNSW, Flat} {
		seed := uint64(1)
		ix, err := New(Options{Dim: dim, Kind: kind, Seed: &seed})
		must(t, err)
		data := randomVectors(1100, 31)
		base := make([]uint64, 100)
		for i := range base {
			base[i] = uint64(i)
		}
		must(t, ix.AddBatch(base, data[:100*dim]))
		var done atomic.Bool
		var searches atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for q := g; !done.Load() || searches.Load() < 30; q += 3 {
					hits, err := ix.Search(row(data, q%100), 5, nil)
					if err != nil || len(hits) == 0 {
						t.Errorf("search: %v %v", hits, err)
						return
					}
					searches.Add(1)
				}
			}(g)
		}
		for key := 100; key < 1100; key++ {
			must(t, ix.Add(uint64(key), row(data, key)))
			if key%7 == 0 && key >= 150 {
				must(t, ix.Remove(uint64(key-50)))
			}
		}
		done.Store(true)
		wg.Wait()
		removed := 0
		for key := 150; key < 1100; key++ {
			if key%7 == 0 {
				removed++
			}
		}
		if c, _ := ix.Count(); c != 1100-removed {
			t.Fatalf("%v: count %d, want %d", kind, c, 1100-removed)
		}
		ix.Close()
	}
}

// Reads of a document and of a key's metadata while another goroutine
// upserts and sets them, each version longer than the room the binding
// offers first (so reads also take the "call again with more room" path):
// every read is one whole version.
func TestReadsSeeOneWholeVersionWhileWriting(t *testing.T) {
	ix, err := New(Options{Dim: 64, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	attachHashingEmbedder(t, ix, 64)
	type version struct {
		text  string
		entry DocumentEntry
	}
	versions := [2]version{}
	for i, v := range []struct {
		letter string
		n      int
	}{{"a", 3000}, {"b", 5000}} {
		versions[i] = version{
			text:  "version " + v.letter + " of the document, words " + strings.Repeat(v.letter, 8),
			entry: DocumentEntry{Source: strings.Repeat(v.letter, v.n), Fields: strings.Repeat(strings.ToUpper(v.letter), v.n+1000)},
		}
	}
	metadata := [2][]byte{bytes.Repeat([]byte{'x'}, 700), bytes.Repeat([]byte{'y'}, 4000)}
	must(t, ix.UpsertText(7, versions[0].text, versions[0].entry.Source, versions[0].entry.Fields))
	one := make([]float32, 64)
	for i := range one {
		one[i] = 1
	}
	must(t, ix.Add(1, one))
	must(t, ix.SetMetadata(1, metadata[0]))

	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() || reads.Load() < 200 {
				d, err := ix.GetDocument(7)
				if err != nil || (d != versions[0].entry && d != versions[1].entry) {
					t.Errorf("a torn document: source %d bytes, fields %d bytes (%v)", len(d.Source), len(d.Fields), err)
					return
				}
				m, err := ix.Metadata(1)
				if err != nil || (!bytes.Equal(m, metadata[0]) && !bytes.Equal(m, metadata[1])) {
					t.Errorf("torn metadata: %d bytes (%v)", len(m), err)
					return
				}
				// A hybrid hit's passage and source are copies too.
				hits, err := ix.SearchHybrid("words", 1, nil)
				if err != nil {
					t.Errorf("hybrid: %v", err)
					return
				}
				for _, h := range hits {
					if (h.Source != versions[0].entry.Source && h.Source != versions[1].entry.Source) ||
						(h.Passage != "" && !strings.HasPrefix(h.Passage, "version ")) {
						t.Errorf("a torn hit: source %d bytes, passage %q", len(h.Source), h.Passage)
						return
					}
				}
				reads.Add(1)
			}
		}()
	}
	for i := 1; i <= 200; i++ {
		v := versions[i%2]
		if err := ix.UpsertText(7, v.text, v.entry.Source, v.entry.Fields); err != nil {
			t.Error(err)
			break
		}
		if err := ix.SetMetadata(1, metadata[i%2]); err != nil {
			t.Error(err)
			break
		}
	}
	done.Store(true)
	wg.Wait()
	if d, err := ix.GetDocument(7); err != nil || d != versions[0].entry {
		t.Fatalf("after the writes: %d bytes of source, %v", len(d.Source), err)
	}
	must(t, ix.Remove(1))
	_, err = ix.Metadata(1)
	expectStatus(t, err, NotFound)
}
