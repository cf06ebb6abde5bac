// Package quiver is the Go binding of Quiver, an embeddable vector search
// engine: vectors of Dim float32s under uint64 keys, searched by nearest
// neighbour (exact Flat or approximate HNSW).
//
// It calls libquiver's C API directly through cgo; the library and its
// header are found with pkg-config (package "quiver"), so a Quiver installed
// with `cmake --install` is all a build needs. See README.md.
//
// Every failure is returned as a *Error carrying Quiver's status and message.
//
// Thread-safety is the C API's: searches, Get and Count may run from any number
// of goroutines at once, also alongside Add, AddBatch, Upsert and Remove; Close
// and Compact must not run concurrently with any other call on the index
// (Close waits for calls in flight).
package quiver

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Metric is how distance is measured: L2 = squared euclidean, IP = 1 - dot,
// Cosine = 1 - cos (vectors normalised on insert).
type Metric int

const (
	DefaultMetric Metric = 0 // the library default (L2)
	L2            Metric = 1
	IP            Metric = 2
	Cosine        Metric = 3
)

// String is the metric's name: "l2", "ip" or "cosine".
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case IP:
		return "ip"
	case Cosine:
		return "cosine"
	}
	return "default"
}

// Kind is the search structure: Flat scans exactly, HNSW searches a graph.
type Kind int

const (
	DefaultKind Kind = 0 // the library default (HNSW)
	Flat        Kind = 1
	HNSW        Kind = 2
)

// String is the kind's name: "flat" or "hnsw".
func (k Kind) String() string {
	switch k {
	case Flat:
		return "flat"
	case HNSW:
		return "hnsw"
	}
	return "default"
}

// Storage is how an index stores its vectors. The lossy types walk the
// graph on compact codes and re-rank the best candidates on the float32
// originals (kept unless KeepOriginals is false), so distances stay exact.
// HNSW only in this version: a Flat index refuses anything but F32
// (Unsupported).
type Storage int

const (
	DefaultStorage Storage = 0 // the library default (F32)
	F32            Storage = 1 // float32, exact: 4 bytes per dimension
	F16            Storage = 2 // IEEE half: 2 bytes per dimension; Get returns the half values
	I8             Storage = 3 // int8, one scale per vector: 1 byte per dimension + 8
	B1             Storage = 4 // one sign bit per dimension (+ 8 bytes); Cosine and IP only
)

// String is the storage's name: "f32", "f16", "i8" or "b1".
func (s Storage) String() string {
	switch s {
	case F32:
		return "f32"
	case F16:
		return "f16"
	case I8:
		return "i8"
	case B1:
		return "b1"
	}
	return "default"
}

// OpenMode says how Open brings a saved index in.
type OpenMode int

const (
	Load OpenMode = 1 // read everything into memory; the index is mutable
	Mmap OpenMode = 2 // map the file read-only and search it in place
)

// VerifyMode says when OpenWithOptions checks the vectors and the graph.
type VerifyMode int

const (
	// VerifyAll checks everything before the open returns (the default): a
	// damaged file never opens.
	VerifyAll VerifyMode = 1
	// VerifyDeferred (Mmap only) skips the checks of the sections searched in
	// place, so the open reads no vector. Damage there goes unnoticed until
	// Index.Verify: use it only for files you trust, and call Verify when you
	// can. The same as VerifyAll for Load.
	VerifyDeferred VerifyMode = 2
)

// MaxDim is the largest dimension an index accepts.
const MaxDim = 65536

// Options configure New. Only Dim is required; zero values keep the library
// defaults (HNSW, L2, M = 16, ef_construction = 200, ef_search = 64, seed 42,
// all cores).
type Options struct {
	Dim                int
	Metric             Metric
	Kind               Kind
	HnswM              int // 2 .. 256
	HnswEfConstruction int
	HnswEfSearch       int
	Seed               *uint64 // nil = the default seed
	Threads            int     // threads for batch calls; 0 = all cores
	Storage            Storage // how vectors are stored; 0 = F32
	KeepOriginals      *bool   // I8 and B1: keep the float32 originals (nil = true)
}

// OpenOptions configure OpenWithOptions; zero values keep the defaults
// (Load, VerifyAll, all cores).
type OpenOptions struct {
	Mode    OpenMode
	Verify  VerifyMode
	Threads int // threads for checksums and for the index's batch calls; 0 = all cores
}

// SearchOptions configure one search. Filter runs on Quiver's searching
// threads (concurrently for batches): it must be safe for concurrent use and
// must not call back into the same index. A panic in Filter fails the search
// and is re-raised in the caller's goroutine.
type SearchOptions struct {
	Ef      int                   // HNSW candidate list size; 0 = the index default
	Filter  func(key uint64) bool // nil = every key
	Threads int                   // threads for batch searches; 0 = all cores
	// Rerank (I8 and B1 with originals): how many of the best candidates are
	// re-ranked on the float32 originals; 0 = all of them (ef).
	Rerank int
	// KeywordWeight (SearchHybrid only): the weight of the keyword ranking
	// against the meaning ranking's 1, score = 1/(60 + meaning rank) +
	// KeywordWeight/(60 + keyword rank). 0 = 1, equal weights; raise it for
	// queries of names and codes, or with a weak embedder. Finite, 0 to 1000:
	// anything else fails the search with InvalidArgument.
	KeywordWeight float32
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
	Storage            Storage
	KeepsOriginals     bool // I8 and B1: the float32 originals are kept
}

// Index is a Quiver index. Close it to release its native memory (a finalizer
// does so too, eventually).
type Index struct {
	mu     sync.RWMutex // guards handle against Close during a call
	handle *C.qv_index
	dim    int

	textMu   sync.Mutex // guards embedder
	embedder *Embedder  // the attached embedder, kept alive while attached
}

func wrap(h *C.qv_index) *Index {
	var d C.uint32_t
	C.qv_index_dim(h, &d)
	ix := &Index{handle: h, dim: int(d)}
	runtime.SetFinalizer(ix, (*Index).Close)
	return ix
}

func checkCount(what string, v, lo, hi int) error {
	if v < lo || v > hi {
		return newError(InvalidArgument, "%s is %d; it must be between %d and %d", what, v, lo, hi)
	}
	return nil
}

// New creates an empty index.
// Errors: InvalidArgument (Dim outside 1..MaxDim, HnswM outside 2..256,
// unknown Metric or Kind), OutOfMemory.
func New(opts Options) (*Index, error) {
	if err := checkCount("Dim", opts.Dim, 1, MaxDim); err != nil {
		return nil, err
	}
	if opts.HnswM != 0 {
		if err := checkCount("HnswM", opts.HnswM, 2, 256); err != nil {
			return nil, err
		}
	}
	for _, v := range []struct {
		name string
		v    int
	}{{"HnswEfConstruction", opts.HnswEfConstruction}, {"HnswEfSearch", opts.HnswEfSearch}, {"Threads", opts.Threads}} {
		if v.v < 0 || v.v > 1<<31 {
			return nil, newError(InvalidArgument, "%s is %d; it must be 0 (the default) or more", v.name, v.v)
		}
	}
	var c C.qv_index_options
	C.qv_index_options_init_sized(&c, C.sizeof_qv_index_options)
	c.dim = C.uint32_t(opts.Dim)
	if opts.Metric != DefaultMetric {
		c.metric = C.qv_metric(opts.Metric)
	}
	if opts.Kind != DefaultKind {
		c.kind = C.qv_index_kind(opts.Kind)
	}
	if opts.HnswM != 0 {
		c.hnsw_m = C.uint32_t(opts.HnswM)
	}
	if opts.HnswEfConstruction != 0 {
		c.hnsw_ef_construction = C.uint32_t(opts.HnswEfConstruction)
	}
	if opts.HnswEfSearch != 0 {
		c.hnsw_ef_search = C.uint32_t(opts.HnswEfSearch)
	}
	if opts.Seed != nil {
		c.seed = C.uint64_t(*opts.Seed)
	}
	c.threads = C.uint32_t(opts.Threads)
	if opts.Storage != DefaultStorage {
		c.storage = C.qv_storage(opts.Storage)
	}
	if opts.KeepOriginals != nil && !*opts.KeepOriginals {
		c.keep_originals = 0
	}
	var h *C.qv_index
	if err := call(func() C.qv_status { return C.qv_index_create(&c, &h) }); err != nil {
		return nil, err
	}
	return wrap(h), nil
}

// Open opens an index written by Save, checking every checksum and value
// first. Mmap gives a read-only index that is searched in place; its
// mutations fail with Unsupported.
// Errors: NotFound (no file), Corrupt (not an index, damaged: the message
// names the section), Unsupported (a newer format), IO, OutOfMemory.
func Open(path string, mode OpenMode) (*Index, error) {
	return OpenWithOptions(path, OpenOptions{Mode: mode})
}

// OpenWithOptions is Open with options: VerifyDeferred opens a trusted file
// by Mmap without reading its vectors (see VerifyMode and Index.Verify).
// Errors: as Open, and InvalidArgument for an unknown Mode or Verify.
func OpenWithOptions(path string, opts OpenOptions) (*Index, error) {
	var o C.qv_open_options
	C.qv_open_options_init(&o)
	if opts.Mode != 0 {
		o.mode = C.qv_open_mode(opts.Mode)
	}
	if opts.Verify != 0 {
		o.verify = C.qv_verify_mode(opts.Verify)
	}
	if opts.Threads < 0 {
		return nil, newError(InvalidArgument, "Threads is %d; it must be 0 (all cores) or more", opts.Threads)
	}
	o.threads = C.uint32_t(opts.Threads)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var h *C.qv_index
	if err := call(func() C.qv_status { return C.qv_index_open_with_options(cpath, &o, &h) }); err != nil {
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
		C.qv_index_free(ix.handle)
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
func (ix *Index) with(f func(h *C.qv_index) C.qv_status) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.handle == nil {
		return newError(InvalidArgument, "the index is closed; open or create a new one")
	}
	return call(func() C.qv_status { return f(ix.handle) })
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

// Add adds one vector under key.
// Errors: DimensionMismatch (not Dim floats), InvalidArgument (NaN or Inf,
// a zero vector under Cosine), DuplicateKey (the key is live), Unsupported
// (read-only index), OutOfMemory.
func (ix *Index) Add(key uint64, vector []float32) error {
	if err := ix.checkVector(vector, "vector"); err != nil {
		return err
	}
	return ix.with(func(h *C.qv_index) C.qv_status {
		return C.qv_index_add(h, C.uint64_t(key), f32ptr(vector))
	})
}

// AddBatch adds len(keys) vectors (row-major, len(keys)*Dim floats) on all
// cores. All-or-nothing: a rejected batch adds nothing. An HNSW batch that at
// least doubles an index of 8 MiB or more ends by renumbering the graph for
// memory locality (docs/storage.md).
// Errors: as Add (DuplicateKey also for a key twice in keys).
func (ix *Index) AddBatch(keys []uint64, vectors []float32) error {
	if len(vectors) != len(keys)*ix.dim {
		return newError(DimensionMismatch, "vectors has %d floats but %d keys x dim %d need %d; pass n * dim floats, row-major",
			len(vectors), len(keys), ix.dim, len(keys)*ix.dim)
	}
	if len(keys) == 0 {
		return nil
	}
	return ix.with(func(h *C.qv_index) C.qv_status {
		return C.qv_index_add_batch(h, C.size_t(len(keys)), u64ptr(keys), f32ptr(vectors))
	})
}

// Upsert adds vector under key, or replaces the vector key already has (its
// metadata stays). A search running alongside finds the key with its old
// vector or its new one, never both and never neither.
// Errors: as Add, except that a live key is no error.
func (ix *Index) Upsert(key uint64, vector []float32) error {
	if err := ix.checkVector(vector, "vector"); err != nil {
		return err
	}
	return ix.with(func(h *C.qv_index) C.qv_status {
		return C.qv_index_upsert(h, C.uint64_t(key), f32ptr(vector))
	})
}

// Remove removes the vector under key.
// Errors: NotFound (no live vector under key), Unsupported (read-only index).
func (ix *Index) Remove(key uint64) error {
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_remove(h, C.uint64_t(key)) })
}

// Count is the number of live vectors.
func (ix *Index) Count() (int, error) {
	var n C.size_t
	err := ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_count(h, &n) })
	return int(n), err
}

// Get returns a copy of the vector stored under key.
// Errors: NotFound.
func (ix *Index) Get(key uint64) ([]float32, error) {
	v := make([]float32, ix.dim)
	if err := ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_get(h, C.uint64_t(key), f32ptr(v)) }); err != nil {
		return nil, err
	}
	return v, nil
}

// filterBridge is a Go filter seen from C (through a cgo.Handle); it keeps
// the first panic for the caller.
type filterBridge struct {
	keep  func(uint64) bool
	mu    sync.Mutex
	panic interface{}
}

//export qvgoFilter
func qvgoFilter(handle C.uintptr_t, key C.uint64_t) (keep C.int) {
	b := cgo.Handle(handle).Value().(*filterBridge)
	defer func() {
		if r := recover(); r != nil {
			b.mu.Lock()
			if b.panic == nil {
				b.panic = r
			}
			b.mu.Unlock()
			keep = 0
		}
	}()
	if b.keep(uint64(key)) {
		return 1
	}
	return 0
}

// withParams runs f with search parameters for opts (a Go filter included),
// then re-raises a panic of the filter.
func withParams(opts *SearchOptions, f func(p *C.qv_search_params) error) error {
	var ef, threads, rerank int
	var keywordWeight float32
	var keep func(uint64) bool
	if opts != nil {
		ef, threads, rerank, keep = opts.Ef, opts.Threads, opts.Rerank, opts.Filter
		keywordWeight = opts.KeywordWeight
	}
	if ef < 0 || threads < 0 || rerank < 0 {
		return newError(InvalidArgument, "Ef is %d, Threads %d and Rerank %d; none may be negative (0 = the default)", ef, threads, rerank)
	}
	var handle cgo.Handle
	var b *filterBridge
	if keep != nil {
		b = &filterBridge{keep: keep}
		handle = cgo.NewHandle(b)
		defer handle.Delete()
	}
	// In C memory: filter_user holds the handle, an integer no Go pointer.
	p := (*C.qv_search_params)(C.malloc(C.sizeof_qv_search_params))
	defer C.free(unsafe.Pointer(p))
	C.qvgo_search_params(p, C.uint32_t(ef), C.uint32_t(threads), C.uintptr_t(handle))
	p.rerank = C.size_t(rerank)
	p.keyword_weight = C.float(keywordWeight) // the library checks the range
	err := f(p)
	if b != nil && b.panic != nil {
		panic(b.panic)
	}
	return err
}

func checkK(k int) error {
	if k < 1 {
		return newError(InvalidArgument, "k is %d; ask for at least one neighbour", k)
	}
	return nil
}

// Search returns the k nearest vectors to query (that pass opts.Filter),
// nearest first. opts may be nil.
// Errors: DimensionMismatch (not Dim floats), InvalidArgument (k < 1, NaN
// or Inf in the query, a zero query under Cosine).
func (ix *Index) Search(query []float32, k int, opts *SearchOptions) ([]Hit, error) {
	if err := ix.checkVector(query, "query"); err != nil {
		return nil, err
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	keys := make([]uint64, k)
	dist := make([]float32, k)
	var found C.size_t
	err := withParams(opts, func(p *C.qv_search_params) error {
		return ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_search(h, f32ptr(query), C.size_t(k), p, u64ptr(keys), f32ptr(dist), &found)
		})
	})
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, int(found))
	for i := range hits {
		hits[i] = Hit{Key: keys[i], Distance: dist[i]}
	}
	return hits, nil
}

// SearchBatch searches len(queries)/Dim queries (row-major) in parallel.
// Errors: as Search, and DimensionMismatch when len(queries) is not a
// multiple of Dim.
func (ix *Index) SearchBatch(queries []float32, k int, opts *SearchOptions) ([][]Hit, error) {
	if ix.dim == 0 || len(queries)%ix.dim != 0 {
		return nil, newError(DimensionMismatch, "queries has %d floats, which is not a multiple of the index dim %d; pass nq * dim floats, row-major",
			len(queries), ix.dim)
	}
	if err := checkK(k); err != nil {
		return nil, err
	}
	nq := len(queries) / ix.dim
	if nq == 0 {
		return [][]Hit{}, nil
	}
	keys := make([]uint64, nq*k)
	dist := make([]float32, nq*k)
	found := make([]C.size_t, nq)
	err := withParams(opts, func(p *C.qv_search_params) error {
		return ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_search_batch(h, C.size_t(nq), f32ptr(queries), C.size_t(k), p,
				u64ptr(keys), f32ptr(dist), &found[0])
		})
	})
	if err != nil {
		return nil, err
	}
	all := make([][]Hit, nq)
	for q := range all {
		hits := make([]Hit, int(found[q]))
		for i := range hits {
			hits[i] = Hit{Key: keys[q*k+i], Distance: dist[q*k+i]}
		}
		all[q] = hits
	}
	return all, nil
}

// Save writes the index to path crash-safely (a temporary file renamed over
// path). opts may be nil.
// Errors: NotFound (no such directory), IO (the message names the file),
// Corrupt (an Mmap index whose file was damaged or changed), InvalidArgument
// (ZstdLevel out of range), OutOfMemory.
func (ix *Index) Save(path string, opts *SaveOptions) error {
	var o C.qv_save_options
	C.qv_save_options_init(&o)
	if opts != nil {
		if opts.CompressVectors {
			o.compress_vectors = 1
		}
		if opts.CompressGraph {
			o.compress_graph = 1
		}
		o.zstd_level = C.int(opts.ZstdLevel)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_save_with_options(h, cpath, &o) })
}

// Verify checks again the file sections an Mmap index searches in place:
// the point of opening with VerifyDeferred. For an index in memory there is
// nothing to check. Safe alongside searches.
// Errors: Corrupt (the message names the file and the section, or says the
// file changed size since the open: close the index then).
func (ix *Index) Verify() error {
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_verify(h) })
}

// ExportNpy writes the live vectors and their keys as .npy files.
// Errors: NotFound (no such directory), IO, Corrupt (as Save), OutOfMemory.
func (ix *Index) ExportNpy(vectorsPath, keysPath string) error {
	cv, ck := C.CString(vectorsPath), C.CString(keysPath)
	defer C.free(unsafe.Pointer(cv))
	defer C.free(unsafe.Pointer(ck))
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_export_npy(h, cv, ck) })
}

// ImportNpy adds the vectors of a .npy file; keys from keysPath, or 0..n-1
// when keysPath is "". All-or-nothing like AddBatch.
// Errors: NotFound (missing file), Corrupt (not a .npy file), DimensionMismatch,
// Unsupported (another dtype, read-only index), DuplicateKey, InvalidArgument
// (key count differs, NaN or Inf), IO, OutOfMemory.
func (ix *Index) ImportNpy(vectorsPath, keysPath string) error {
	cv := C.CString(vectorsPath)
	defer C.free(unsafe.Pointer(cv))
	var ck *C.char
	if keysPath != "" {
		ck = C.CString(keysPath)
		defer C.free(unsafe.Pointer(ck))
	}
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_import_npy(h, cv, ck) })
}

// SetMetadata attaches bytes to the live vector under key; empty removes them.
// Errors: NotFound (no live vector under key), Unsupported (read-only index).
func (ix *Index) SetMetadata(key uint64, data []byte) error {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return ix.with(func(h *C.qv_index) C.qv_status {
		return C.qv_index_set_metadata(h, C.uint64_t(key), p, C.size_t(len(data)))
	})
}

// metadataGuess is the room Metadata offers at first: most metadata (a
// chunk's text) fits, longer ones take a second call.
const metadataGuess = 1024

// Metadata returns a copy of the metadata of key, made by the library under
// its lock: whole even while another goroutine sets or removes the key.
// Errors: NotFound (the key has none, or is not in the index).
func (ix *Index) Metadata(key uint64) ([]byte, error) {
	buf := make([]byte, metadataGuess)
	for {
		var n C.size_t
		err := ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_copy_metadata(h, C.uint64_t(key), bytesPtr(buf), C.size_t(len(buf)), &n)
		})
		if err != nil {
			return nil, err
		}
		if int(n) <= len(buf) {
			return append([]byte{}, buf[:n]...), nil // no spare room kept alive
		}
		buf = make([]byte, int(n)) // longer than the room, or grew since: again
	}
}

// MetadataString returns the metadata of key as a string.
// Errors: NotFound, InvalidArgument (the bytes are not UTF-8).
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

// Compact rebuilds the index without its removed vectors and renumbers an
// HNSW graph for memory locality (no result changes). It must not run
// alongside any other call on the index.
// Errors: Unsupported (read-only index), OutOfMemory (unchanged on failure).
func (ix *Index) Compact() error {
	return ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_compact(h) })
}

// Info describes the index.
func (ix *Index) Info() (Info, error) {
	var i C.qv_index_info
	C.qv_index_info_init_sized(&i, C.sizeof_qv_index_info)
	if err := ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_get_info(h, &i) }); err != nil {
		return Info{}, err
	}
	return Info{
		Kind:               Kind(i.kind),
		Metric:             Metric(i.metric),
		Dim:                int(i.dim),
		Count:              uint64(i.count),
		Deleted:            uint64(i.deleted),
		MetadataCount:      uint64(i.metadata_count),
		HnswM:              int(i.hnsw_m),
		HnswEfConstruction: int(i.hnsw_ef_construction),
		HnswEfSearch:       int(i.hnsw_ef_search),
		Seed:               uint64(i.seed),
		ReadOnly:           i.read_only != 0,
		Storage:            Storage(i.storage),
		KeepsOriginals:     i.keeps_originals != 0,
	}, nil
}

// MemoryBytes is the heap bytes the index holds (codes, originals in memory,
// graph, key map, metadata); the mapped pages of an Mmap index are not
// counted. A snapshot when writers run alongside.
func (ix *Index) MemoryBytes() (int, error) {
	var n C.size_t
	err := ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_memory_bytes(h, &n) })
	return int(n), err
}
