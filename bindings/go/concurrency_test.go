package quiver

import (
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
