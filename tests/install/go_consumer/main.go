// A Go program outside the repository, built by check_install.sh against
// the installed Quiver only (pkg-config), as bindings/go/README.md says.
package main

import (
	"errors"
	"fmt"
	"log"

	quiver "github.com/quiver-search/quiver/bindings/go"
)

func main() {
	ix, err := quiver.New(quiver.Options{Dim: 4, Kind: quiver.HNSW, Metric: quiver.Cosine})
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	if err := ix.AddBatch([]uint64{7, 8, 42}, []float32{0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0}); err != nil {
		log.Fatal(err)
	}
	hits, err := ix.Search([]float32{1, 0.1, 0, 0}, 2, &quiver.SearchOptions{Filter: func(k uint64) bool { return k != 8 }})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("quiver", quiver.Version(), "nearest:", hits[0].Key)
	var qe *quiver.Error
	if errors.As(ix.Add(42, []float32{1, 0, 0, 0}), &qe) {
		fmt.Println(qe.Status, qe.Message)
	}
}
