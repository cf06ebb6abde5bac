// Package quiver is the Go binding of Quiver, an embeddable vector search
// engine: vectors of Dim float32s under uint64 keys, searched by nearest
// neighbour (exact FLAT or approximate HNSW).
//
// It is a thin layer over the SWIG-generated package quiver/internal/qvraw
// (from bindings/swig/quiver.i), which calls libquiver through cgo. Build with
// CGO_CPPFLAGS=-I<quiver include dir> and CGO_LDFLAGS=-L<dir of libquiver.so>.
//
// Every failure is returned as a *Error carrying Quiver's status and message.
//
// Thread-safety is the C API's: searches, Get and Count may run from any number
// of goroutines at once, also alongside Add, AddBatch and Remove; Close must
// not run concurrently with any other call on the index.
package quiver

import (
	"fmt"
	"runtime"
	"sync"
	"unicode/utf8"

	"quiver/internal/qvraw"
)

// Status is Quiver's result code (qv_status); the values never change.
type Status int

const (
	OK Status = iota
	InvalidArgument
	DimensionMismatch
	NotFound
	DuplicateKey
	IO
	Corrupt
	Unsupported
	OutOfMemory
	Embedding
	Internal
)

// String returns the C name of the status, e.g. "QV_ERR_NOT_FOUND".
func (s Status) String() string { return qvraw.Qvs_status_string(int(s)) }

// Error is a failed Quiver call: the status and Quiver's message, which says
// what went wrong and what to do about it.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("quiver: %s: %s", e.Status, e.Message) }

// Is makes errors.Is(err, &quiver.Error{Status: quiver.NotFound}) match any
// error of that status.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status && (t.Message == "" || t.Message == e.Message)
}

// Metric is how distance is measured: L2 = squared euclidean, IP = 1 - dot,
// Cosine = 1 - cos (vectors normalised on insert).
type Metric int

const (
	DefaultMetric Metric = 0 // the library default (L2)
	L2            Metric = 1
	IP            Metric = 2
	Cosine        Metric = 3
)

// Kind is the search structure: Flat scans exactly, HNSW searches a graph.
type Kind int

const (
	DefaultKind Kind = 0 // the library default (HNSW)
	Flat        Kind = 1
	HNSW        Kind = 2
)

// OpenMode says how Open brings a saved index in.
type OpenMode int

const (
	Load OpenMode = 1 // read everything into memory; the index is mutable
	Mmap OpenMode = 2 // map the file read-only and search it in place
)

// Options configure New. Only Dim is required; zero values keep the library
// defaults (HNSW, L2, M = 16, ef_construction = 200, ef_search = 64, seed 42,
// all cores).
type Options struct {
	Dim                int
	Metric             Metric
	Kind               Kind
	HnswM              int
	HnswEfConstruction int
	HnswEfSearch       int
	Seed               *uint64 // nil = the default seed
	Threads            int     // threads for batch calls; 0 = all cores
}

// SearchOptions configure one search. Filter runs on Quiver's searching
// threads (concurrently for batches): it must be safe for concurrent use and
// must not call back into the same index. A panic in Filter fails the search
// and is re-raised in the caller's goroutine.
type SearchOptions struct {
	Ef      int                   // HNSW candidate list size; 0 = the index default
	Filter  func(key uint64) bool // nil = every key
	Threads int                   // threads for batch searches; 0 = all cores
}

// SaveOptions configure Save; nil keeps the library defaults.
type SaveOptions struct {
	CompressVectors bool
	CompressGraph   bool
	ZstdLevel       int // 0 = zstd's default
}

// Hit is one search result: a key and its distance to the query.
type Hit struct {
	Key      uint64
	Distance float32
}

// Info describes an index (qv_index_get_info).
type Info struct {
	Kind               Kind
	Metric             Metric
	Dim                int
	Count              uint64
	Deleted            uint64
	MetadataCount      uint64
	HnswM              int
	HnswEfConstruction int
	HnswEfSearch       int
	Seed               uint64
	ReadOnly           bool
}

// Version is the version of the libquiver actually linked, e.g. "0.1.0".
func Version() string { return qvraw.Qv_version() }

// Index is a Quiver index. Close it to release its native memory (a finalizer
// does so too, eventually).
type Index struct {
	mu     sync.RWMutex // guards handle against Close during a call
	handle qvraw.Qv_index
	dim    int

	textMu   sync.Mutex // guards embedder
	embedder *Embedder  // the attached embedder, kept alive while attached
}

// call runs a raw call that returns a status on one OS thread, so that
// qv_last_error (thread-local in C) describes this call's failure.
func call(f func() int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if s := f(); s != 0 {
		return &Error{Status: Status(s), Message: qvraw.Qv_last_error()}
	}
	return nil
}

func newError(s Status, format string, args ...interface{}) error {
	return &Error{Status: s, Message: fmt.Sprintf(format, args...)}
}

func wrap(h qvraw.Qv_index) *Index {
	ix := &Index{handle: h, dim: int(qvraw.Qvs_index_dim(h))}
	runtime.SetFinalizer(ix, (*Index).Close)
	return ix
}

// New creates an empty index.
func New(opts Options) (*Index, error) {
	c := qvraw.NewQvIndexConfig()
	defer qvraw.DeleteQvIndexConfig(c)
	if opts.Dim < 0 {
		return nil, newError(InvalidArgument, "dim is %d; it must be between 1 and 65536", opts.Dim)
	}
	c.SetDim(uint(opts.Dim))
	if opts.Metric != DefaultMetric {
		c.SetMetric(int(opts.Metric))
	}
	if opts.Kind != DefaultKind {
		c.SetKind(int(opts.Kind))
	}
	if opts.HnswM != 0 {
		c.SetHnsw_m(uint(opts.HnswM))
	}
	if opts.HnswEfConstruction != 0 {
		c.SetHnsw_ef_construction(uint(opts.HnswEfConstruction))
	}
	if opts.HnswEfSearch != 0 {
		c.SetHnsw_ef_search(uint(opts.HnswEfSearch))
	}
	if opts.Seed != nil {
		c.SetSeed(*opts.Seed)
	}
	if opts.Threads != 0 {
		c.SetThreads(uint(opts.Threads))
	}
	var h qvraw.Qv_index
	err := call(func() int {
		h = qvraw.Qvs_index_create(c)
		if h.Swigcptr() == 0 {
			return qvraw.Qvs_last_status()
		}
		return 0
	})
	if err != nil {
		return nil, err
	}
	return wrap(h), nil
}

// Open opens an index written by Save. Mmap gives a read-only index that is
// searched in place; its mutations fail with Unsupported.
func Open(path string, mode OpenMode) (*Index, error) {
	var h qvraw.Qv_index
	err := call(func() int {
		h = qvraw.Qvs_index_open(path, int(mode))
		if h.Swigcptr() == 0 {
			return qvraw.Qvs_last_status()
		}
		return 0
	})
	if err != nil {
		return nil, err
	}
	return wrap(h), nil
}

// Close releases the native index. Calling it again does nothing. An
// embedder attached to it is released too (it stays usable if it is open).
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.handle != nil {
		qvraw.Qvs_index_free(ix.handle)
		ix.handle = nil
		runtime.SetFinalizer(ix, nil)
		ix.textMu.Lock()
		if ix.embedder != nil {
			ix.embedder.release()
			ix.embedder = nil
		}
		ix.textMu.Unlock()
	}
	return nil
}

// with runs f with the live handle (read-locked against Close).
func (ix *Index) with(f func(h qvraw.Qv_index) int) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.handle == nil {
		return newError(InvalidArgument, "the index is closed; open or create a new one")
	}
	return call(func() int { return f(ix.handle) })
}

// Dim is the vector dimension.
func (ix *Index) Dim() int { return ix.dim }

func (ix *Index) checkVector(v []float32, what string) error {
	if len(v) != ix.dim {
		return newError(DimensionMismatch, "%s has %d floats but the index has dim %d; pass exactly dim floats",
			what, len(v), ix.dim)
	}
	return nil
}

// Add adds one vector under key; DuplicateKey when the key is live.
func (ix *Index) Add(key uint64, vector []float32) error {
	if err := ix.checkVector(vector, "vector"); err != nil {
		return err
	}
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_add(h, key, vector) })
}

// AddBatch adds len(keys) vectors (row-major, len(keys)*Dim floats) on all
// cores. All-or-nothing: a rejected batch adds nothing.
func (ix *Index) AddBatch(keys []uint64, vectors []float32) error {
	if len(vectors) != len(keys)*ix.dim {
		return newError(DimensionMismatch, "vectors has %d floats but %d keys x dim %d need %d; pass n * dim floats, row-major",
			len(vectors), len(keys), ix.dim, len(keys)*ix.dim)
	}
	if len(keys) == 0 {
		return nil
	}
	return ix.with(func(h qvraw.Qv_index) int {
		return qvraw.Qvs_index_add_batch(h, uint64(len(keys)), keys, vectors)
	})
}

// Remove removes the vector under key; NotFound when there is none.
func (ix *Index) Remove(key uint64) error {
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_remove(h, key) })
}

// Count is the number of live vectors.
func (ix *Index) Count() (int, error) {
	n := make([]uint64, 1)
	err := ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_count(h, n) })
	return int(n[0]), err
}

// Get returns a copy of the vector stored under key; NotFound when there is none.
func (ix *Index) Get(key uint64) ([]float32, error) {
	v := make([]float32, ix.dim)
	if err := ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_get(h, key, v) }); err != nil {
		return nil, err
	}
	return v, nil
}

// filterBridge runs a Go func as the native filter (a SWIG director) and
// keeps the first panic for the caller.
type filterBridge struct {
	keep  func(uint64) bool
	mu    sync.Mutex
	panic interface{}
}

func (b *filterBridge) Keep(key uint64) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			b.mu.Lock()
			if b.panic == nil {
				b.panic = r
			}
			b.mu.Unlock()
			ok = false
		}
	}()
	return b.keep(key)
}

func searchArgs(opts *SearchOptions) (ef uint, threads uint, filter func(uint64) bool) {
	if opts == nil {
		return 0, 0, nil
	}
	return uint(opts.Ef), uint(opts.Threads), opts.Filter
}

// runFiltered runs f with a native filter for keep (or nil), then re-raises a
// panic of keep.
func runFiltered(keep func(uint64) bool, f func(qvraw.QvFilter) error) error {
	if keep == nil {
		return f(nil)
	}
	b := &filterBridge{keep: keep}
	d := qvraw.NewDirectorQvFilter(b)
	err := f(d)
	qvraw.DeleteDirectorQvFilter(d)
	if b.panic != nil {
		panic(b.panic)
	}
	return err
}

func checkK(k int) error {
	if k < 0 {
		return newError(InvalidArgument, "k is %d; ask for at least one neighbour", k)
	}
	return nil
}

// Search returns the k nearest vectors to query (that pass opts.Filter),
// nearest first. opts may be nil.
func (ix *Index) Search(query []float32, k int, opts *SearchOptions) ([]Hit, error) {
	if err := ix.checkVector(query, "query"); err != nil {
		return nil, err
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	keys := make([]uint64, k)
	dist := make([]float32, k)
	found := make([]uint64, 1)
	ef, _, keep := searchArgs(opts)
	err := runFiltered(keep, func(f qvraw.QvFilter) error {
		return ix.with(func(h qvraw.Qv_index) int {
			return qvraw.Qvs_index_search(h, query, uint64(k), ef, f, keys, dist, found)
		})
	})
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, found[0])
	for i := range hits {
		hits[i] = Hit{Key: keys[i], Distance: dist[i]}
	}
	return hits, nil
}

// SearchBatch searches len(queries)/Dim queries (row-major) in parallel.
func (ix *Index) SearchBatch(queries []float32, k int, opts *SearchOptions) ([][]Hit, error) {
	if ix.dim == 0 || len(queries)%ix.dim != 0 {
		return nil, newError(DimensionMismatch, "queries has %d floats, which is not a multiple of the index dim %d; pass nq * dim floats, row-major",
			len(queries), ix.dim)
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	nq := len(queries) / ix.dim
	keys := make([]uint64, nq*k)
	dist := make([]float32, nq*k)
	found := make([]uint64, nq)
	ef, threads, keep := searchArgs(opts)
	err := runFiltered(keep, func(f qvraw.QvFilter) error {
		return ix.with(func(h qvraw.Qv_index) int {
			return qvraw.Qvs_index_search_batch(h, uint64(nq), queries, uint64(k), ef, f, threads, keys, dist, found)
		})
	})
	if err != nil {
		return nil, err
	}
	all := make([][]Hit, nq)
	for q := range all {
		hits := make([]Hit, found[q])
		for i := range hits {
			hits[i] = Hit{Key: keys[q*k+i], Distance: dist[q*k+i]}
		}
		all[q] = hits
	}
	return all, nil
}

// Save writes the index to path crash-safely. opts may be nil.
func (ix *Index) Save(path string, opts *SaveOptions) error {
	if opts == nil {
		return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_save(h, path, nil) })
	}
	c := qvraw.NewQvSaveConfig()
	defer qvraw.DeleteQvSaveConfig(c)
	c.SetCompress_vectors(opts.CompressVectors)
	c.SetCompress_graph(opts.CompressGraph)
	c.SetZstd_level(opts.ZstdLevel)
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_save(h, path, c) })
}

// ExportNpy writes the live vectors and their keys as .npy files.
func (ix *Index) ExportNpy(vectorsPath, keysPath string) error {
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_export_npy(h, vectorsPath, keysPath) })
}

// ImportNpy adds the vectors of a .npy file; keys from keysPath, or 0..n-1
// when keysPath is "".
func (ix *Index) ImportNpy(vectorsPath, keysPath string) error {
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_import_npy(h, vectorsPath, keysPath) })
}

// SetMetadata attaches bytes to the live vector under key; empty removes them.
func (ix *Index) SetMetadata(key uint64, data []byte) error {
	buf := data
	if len(buf) == 0 {
		buf = make([]byte, 1) // a valid pointer; the length says 0
	}
	return ix.with(func(h qvraw.Qv_index) int {
		return qvraw.Qvs_index_set_metadata(h, key, buf, uint64(len(data)))
	})
}

// Metadata returns a copy of the metadata of key; NotFound when it has none.
func (ix *Index) Metadata(key uint64) ([]byte, error) {
	b := qvraw.NewQvBytes()
	defer qvraw.DeleteQvBytes(b)
	if err := ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_get_metadata(h, key, b) }); err != nil {
		return nil, err
	}
	out := make([]byte, b.Size())
	if len(out) > 0 {
		b.Copy_to(out)
	}
	return out, nil
}

// MetadataString returns the metadata of key as a string (it should be UTF-8).
func (ix *Index) MetadataString(key uint64) (string, error) {
	b, err := ix.Metadata(key)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", newError(InvalidArgument, "the metadata of key %d is not UTF-8; use Metadata for bytes", key)
	}
	return string(b), nil
}

// Compact rebuilds the index without its removed vectors. It must not run
// alongside any other call on the index.
func (ix *Index) Compact() error {
	return ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_compact(h) })
}

// Info describes the index.
func (ix *Index) Info() (Info, error) {
	i := qvraw.NewQvIndexInfo()
	defer qvraw.DeleteQvIndexInfo(i)
	if err := ix.with(func(h qvraw.Qv_index) int { return qvraw.Qvs_index_get_info(h, i) }); err != nil {
		return Info{}, err
	}
	return Info{
		Kind:               Kind(i.GetKind()),
		Metric:             Metric(i.GetMetric()),
		Dim:                int(i.GetDim()),
		Count:              i.GetCount(),
		Deleted:            i.GetDeleted(),
		MetadataCount:      i.GetMetadata_count(),
		HnswM:              int(i.GetHnsw_m()),
		HnswEfConstruction: int(i.GetHnsw_ef_construction()),
		HnswEfSearch:       int(i.GetHnsw_ef_search()),
		Seed:               i.GetSeed(),
		ReadOnly:           i.GetRead_only(),
	}, nil
}
