package quiver

/*
#include <stdlib.h>
#include <string.h>
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// EmbedTask says what a text is for: stored documents or search queries
// (asymmetric models such as Gemini embed them differently).
type EmbedTask int

const (
	Document EmbedTask = 1
	Query    EmbedTask = 2
)

// EmbedFunc is a Go embedding function: one vector of dim floats per text, in
// order. It is called for documents and queries alike, never from two
// goroutines at once for one embedder. A returned error (or a panic) fails
// the embed call with status Embedding and the error's text.
type EmbedFunc func(texts []string) ([][]float32, error)

// GeminiOptions configure NewGeminiEmbedder; zero values keep the library
// defaults (API key from GEMINI_API_KEY, model gemini-embedding-001, 768
// dimensions, 100 requests per minute, 5 retries ...).
type GeminiOptions struct {
	APIKey                string
	BaseURL               string
	Model                 string
	OutputDim             int
	BatchSize             int
	RequestsPerMinute     int
	MaxRetries            *int // nil = default; 0 = no retries
	TimeoutMs             int
	ConnectTimeoutMs      int
	MaxConcurrentRequests int
}

// Embedder turns text into vectors of Dim floats. Close it to release its
// native memory. Embed may be called from any number of goroutines at once.
type Embedder struct {
	mu     sync.RWMutex
	handle *C.qv_embedder
	dim    int
	// fn is the cgo.Handle of a callback embedder's Go function, or 0. An
	// index that holds this embedder (Index.SetEmbedder) keeps the native
	// embedder alive after Close, and the native embedder calls fn: it is
	// deleted only once the embedder is closed, no index holds it and no
	// text call uses it.
	fn    cgo.Handle
	users int // attached indexes + their text calls in flight (guarded by mu)
}

func newEmbedder(create func(out **C.qv_embedder) C.qv_status, fn cgo.Handle) (*Embedder, error) {
	var h *C.qv_embedder
	if err := call(func() C.qv_status { return create(&h) }); err != nil {
		return nil, err
	}
	var d C.uint32_t
	C.qv_embedder_dim(h, &d)
	e := &Embedder{handle: h, dim: int(d), fn: fn}
	runtime.SetFinalizer(e, (*Embedder).Close)
	return e, nil
}

// NewHashingEmbedder is the offline embedder: feature hashing of words and
// character n-grams, L2-normalised. Fast, deterministic, no model and no
// network; it matches shared words and spellings, not meaning.
// Errors: InvalidArgument (dim outside 1..MaxDim).
func NewHashingEmbedder(dim int) (*Embedder, error) {
	if err := checkCount("dim", dim, 1, MaxDim); err != nil {
		return nil, err
	}
	return newEmbedder(func(out **C.qv_embedder) C.qv_status {
		return C.qv_embedder_create_hashing(C.uint32_t(dim), out)
	}, 0)
}

// NewCallbackEmbedder is an embedder over a Go function (e.g. a local model).
// Errors: InvalidArgument (dim outside 1..MaxDim, nil fn).
func NewCallbackEmbedder(dim int, fn EmbedFunc) (*Embedder, error) {
	if err := checkCount("dim", dim, 1, MaxDim); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, newError(InvalidArgument, "fn is nil; pass the function that embeds texts")
	}
	h := cgo.NewHandle(&embedBridge{fn: fn, dim: dim})
	e, err := newEmbedder(func(out **C.qv_embedder) C.qv_status {
		return C.qvgo_embedder_create_callback(C.uint32_t(dim), C.uintptr_t(h), out)
	}, h)
	if err != nil {
		h.Delete()
	}
	return e, err
}

// NewGeminiEmbedder is an embedder over Google's Gemini embedding API. It
// makes no network call until used.
// Errors: InvalidArgument (no API key, an option out of range, BaseURL not
// http(s)://), Unsupported (libquiver built without Gemini).
func NewGeminiEmbedder(opts GeminiOptions) (*Embedder, error) {
	o := (*C.qv_gemini_options)(C.malloc(C.sizeof_qv_gemini_options))
	defer C.free(unsafe.Pointer(o))
	C.qv_gemini_options_init(o)
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		return C.CString(s)
	}
	o.api_key, o.base_url, o.model = cstr(opts.APIKey), cstr(opts.BaseURL), cstr(opts.Model)
	defer func() {
		C.free(unsafe.Pointer(o.api_key))
		C.free(unsafe.Pointer(o.base_url))
		C.free(unsafe.Pointer(o.model))
	}()
	set := func(field *C.uint32_t, name string, v int) error {
		if v < 0 {
			return newError(InvalidArgument, "%s is %d; it must be 0 (the default) or more", name, v)
		}
		if v != 0 {
			*field = C.uint32_t(v)
		}
		return nil
	}
	for _, f := range []struct {
		field *C.uint32_t
		name  string
		v     int
	}{
		{&o.output_dim, "OutputDim", opts.OutputDim},
		{&o.batch_size, "BatchSize", opts.BatchSize},
		{&o.requests_per_minute, "RequestsPerMinute", opts.RequestsPerMinute},
		{&o.timeout_ms, "TimeoutMs", opts.TimeoutMs},
		{&o.connect_timeout_ms, "ConnectTimeoutMs", opts.ConnectTimeoutMs},
		{&o.max_concurrent_requests, "MaxConcurrentRequests", opts.MaxConcurrentRequests},
	} {
		if err := set(f.field, f.name, f.v); err != nil {
			return nil, err
		}
	}
	if opts.MaxRetries != nil {
		if *opts.MaxRetries < 0 {
			return nil, newError(InvalidArgument, "MaxRetries is %d; it must be 0 or more", *opts.MaxRetries)
		}
		o.max_retries = C.uint32_t(*opts.MaxRetries)
	}
	return newEmbedder(func(out **C.qv_embedder) C.qv_status { return C.qv_embedder_create_gemini(o, out) }, 0)
}

// Dim is the dimension of every vector the embedder produces.
func (e *Embedder) Dim() int { return e.dim }

// Embed embeds texts for task: one vector per text, in order.
// Errors: InvalidArgument (closed embedder, unknown task, an empty text for
// Gemini), Embedding (the function or the service failed; the message says
// why), OutOfMemory.
func (e *Embedder) Embed(texts []string, task EmbedTask) ([][]float32, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.handle == nil {
		return nil, newError(InvalidArgument, "the embedder is closed")
	}
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	cs := newCStrings(texts)
	defer cs.free()
	flat := make([]float32, len(texts)*e.dim)
	err := call(func() C.qv_status {
		return C.qv_embedder_embed_ex(e.handle, C.qv_embed_task(task), C.size_t(len(texts)), cs.ptrs,
			cs.lengths, f32ptr(flat))
	})
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = flat[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	return out, nil
}

// EmbedOne embeds one text.
func (e *Embedder) EmbedOne(text string, task EmbedTask) ([]float32, error) {
	v, err := e.Embed([]string{text}, task)
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

// Close releases the native embedder. Calling it again does nothing. An index
// it is attached to keeps using it (and its Go function) until the index is
// closed or given another embedder.
func (e *Embedder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handle != nil {
		C.qv_embedder_free(e.handle)
		e.handle = nil
		e.deleteFnIfUnused()
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// attachTo attaches the embedder to a native index and counts the index as a user.
func (e *Embedder) attachTo(ix *C.qv_index) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handle == nil {
		return newError(InvalidArgument, "the embedder is closed; attach an open embedder")
	}
	if err := call(func() C.qv_status { return C.qv_index_set_embedder(ix, e.handle) }); err != nil {
		return err
	}
	e.users++
	return nil
}

// acquire counts a user (a text call in flight) that may reach fn through an index.
func (e *Embedder) acquire() {
	e.mu.Lock()
	e.users++
	e.mu.Unlock()
}

func (e *Embedder) release() {
	e.mu.Lock()
	e.users--
	e.deleteFnIfUnused()
	e.mu.Unlock()
}

func (e *Embedder) deleteFnIfUnused() {
	if e.handle == nil && e.users == 0 && e.fn != 0 {
		e.fn.Delete()
		e.fn = 0
	}
}

// embedBridge is an EmbedFunc seen from C (through a cgo.Handle).
type embedBridge struct {
	fn  EmbedFunc
	dim int
}

//export qvgoEmbed
func qvgoEmbed(handle C.uintptr_t, n C.size_t, texts **C.char, lengths *C.size_t, out *C.float,
	errBuf *C.char, errLen C.size_t) (status C.int) {
	b := cgo.Handle(handle).Value().(*embedBridge)
	fail := func(msg string) C.int {
		if errBuf != nil && errLen > 0 {
			m := []byte(msg)
			if len(m) > int(errLen)-1 {
				m = m[:int(errLen)-1]
			}
			dst := unsafe.Slice((*byte)(unsafe.Pointer(errBuf)), int(errLen))
			copy(dst, m)
			dst[len(m)] = 0
		}
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			status = fail(fmt.Sprintf("panic: %v", r))
		}
	}()
	count := int(n)
	ptrs := unsafe.Slice(texts, count)
	lens := unsafe.Slice(lengths, count)
	in := make([]string, count)
	for i := range in {
		in[i] = C.GoStringN(ptrs[i], C.int(lens[i]))
	}
	rows, err := b.fn(in)
	if err != nil {
		return fail(err.Error())
	}
	if len(rows) != count {
		return fail(fmt.Sprintf("the embedding function returned %d vectors for %d texts; return one vector per text", len(rows), count))
	}
	dst := unsafe.Slice((*float32)(unsafe.Pointer(out)), count*b.dim)
	for i, r := range rows {
		if len(r) != b.dim {
			return fail(fmt.Sprintf("the embedding function returned a vector of %d floats for text %d; the embedder has dim %d", len(r), i, b.dim))
		}
		copy(dst[i*b.dim:], r)
	}
	return 0
}
