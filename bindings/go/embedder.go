package quiver

import (
	"fmt"
	"runtime"
	"sync"

	"quiver/internal/qvraw"
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
	handle qvraw.Qv_embedder
	dim    int
	// fn is the director of a callback embedder, or nil. An index that holds
	// this embedder (Index.SetEmbedder) keeps the native embedder alive after
	// Close, and the native embedder calls fn: it is deleted only once the
	// embedder is closed, no index holds it and no text call uses it.
	fn    qvraw.QvEmbedFunction
	users int // attached indexes + their text calls in flight (guarded by mu)
}

func newEmbedder(create func() qvraw.Qv_embedder, fn qvraw.QvEmbedFunction) (*Embedder, error) {
	var h qvraw.Qv_embedder
	err := call(func() int {
		h = create()
		if h.Swigcptr() == 0 {
			return qvraw.Qvs_last_status()
		}
		return 0
	})
	if err != nil {
		return nil, err
	}
	e := &Embedder{handle: h, dim: int(qvraw.Qvs_embedder_dim(h)), fn: fn}
	runtime.SetFinalizer(e, (*Embedder).Close)
	return e, nil
}

// NewHashingEmbedder is the offline embedder: feature hashing of words and
// character n-grams, L2-normalised. Fast, deterministic, no model and no
// network; it matches shared words and spellings, not meaning.
func NewHashingEmbedder(dim int) (*Embedder, error) {
	if dim < 0 {
		return nil, newError(InvalidArgument, "dim is %d; it must be between 1 and 65536", dim)
	}
	return newEmbedder(func() qvraw.Qv_embedder { return qvraw.Qvs_embedder_create_hashing(uint(dim)) }, nil)
}

// NewCallbackEmbedder is an embedder over a Go function (e.g. a local model).
func NewCallbackEmbedder(dim int, fn EmbedFunc) (*Embedder, error) {
	if dim < 0 {
		return nil, newError(InvalidArgument, "dim is %d; it must be between 1 and 65536", dim)
	}
	d := qvraw.NewDirectorQvEmbedFunction(&embedBridge{fn: fn})
	e, err := newEmbedder(func() qvraw.Qv_embedder { return qvraw.Qvs_embedder_create_callback(uint(dim), d) }, d)
	if err != nil {
		qvraw.DeleteDirectorQvEmbedFunction(d)
	}
	return e, err
}

// NewGeminiEmbedder is an embedder over Google's Gemini embedding API. It
// makes no network call until used.
func NewGeminiEmbedder(opts GeminiOptions) (*Embedder, error) {
	c := qvraw.NewQvGeminiConfig()
	defer qvraw.DeleteQvGeminiConfig(c)
	c.Set_api_key(opts.APIKey)
	c.Set_base_url(opts.BaseURL)
	c.Set_model(opts.Model)
	if opts.OutputDim != 0 {
		c.SetOutput_dim(uint(opts.OutputDim))
	}
	if opts.BatchSize != 0 {
		c.SetBatch_size(uint(opts.BatchSize))
	}
	if opts.RequestsPerMinute != 0 {
		c.SetRequests_per_minute(uint(opts.RequestsPerMinute))
	}
	if opts.MaxRetries != nil {
		c.SetMax_retries(uint(*opts.MaxRetries))
	}
	if opts.TimeoutMs != 0 {
		c.SetTimeout_ms(uint(opts.TimeoutMs))
	}
	if opts.ConnectTimeoutMs != 0 {
		c.SetConnect_timeout_ms(uint(opts.ConnectTimeoutMs))
	}
	if opts.MaxConcurrentRequests != 0 {
		c.SetMax_concurrent_requests(uint(opts.MaxConcurrentRequests))
	}
	return newEmbedder(func() qvraw.Qv_embedder { return qvraw.Qvs_embedder_create_gemini(c) }, nil)
}

// Dim is the dimension of every vector the embedder produces.
func (e *Embedder) Dim() int { return e.dim }

// Embed embeds texts for task: one vector per text, in order.
func (e *Embedder) Embed(texts []string, task EmbedTask) ([][]float32, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.handle == nil {
		return nil, newError(InvalidArgument, "the embedder is closed")
	}
	t := qvraw.NewQvTexts()
	defer qvraw.DeleteQvTexts(t)
	for _, s := range texts {
		b := []byte(s)
		n := len(b)
		if n == 0 {
			b = make([]byte, 1)
		}
		t.Add(b, uint64(n))
	}
	flat := make([]float32, len(texts)*e.dim+1)
	if err := call(func() int { return qvraw.Qvs_embedder_embed(e.handle, int(task), t, flat) }); err != nil {
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
		qvraw.Qvs_embedder_free(e.handle)
		e.handle = nil
		e.deleteFnIfUnused()
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// attachTo attaches the embedder to a native index and counts the index as a user.
func (e *Embedder) attachTo(ix qvraw.Qv_index) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.handle == nil {
		return newError(InvalidArgument, "the embedder is closed; attach an open embedder")
	}
	if err := call(func() int { return qvraw.Qvs_index_set_embedder(ix, e.handle) }); err != nil {
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
	if e.handle == nil && e.users == 0 && e.fn != nil {
		qvraw.DeleteDirectorQvEmbedFunction(e.fn)
		e.fn = nil
	}
}

// embedBridge runs an EmbedFunc as the native qv_embed_fn (a SWIG director).
type embedBridge struct{ fn EmbedFunc }

func (b *embedBridge) Embed(batch qvraw.QvEmbedBatch) {
	defer func() {
		if r := recover(); r != nil {
			batch.Fail(fmt.Sprintf("panic: %v", r))
		}
	}()
	n := int(batch.Size())
	dim := int(batch.Dim())
	texts := make([]string, n)
	for i := range texts {
		buf := make([]byte, batch.Text_length(uint64(i))+1)
		batch.Copy_text(uint64(i), buf)
		texts[i] = string(buf[:len(buf)-1])
	}
	rows, err := b.fn(texts)
	if err != nil {
		batch.Fail(err.Error())
		return
	}
	if len(rows) != n {
		batch.Fail(fmt.Sprintf("the embedding function returned %d vectors for %d texts; return one vector per text", len(rows), n))
		return
	}
	for i, r := range rows {
		if len(r) != dim {
			batch.Fail(fmt.Sprintf("the embedding function returned a vector of %d floats for text %d; the embedder has dim %d", len(r), i, dim))
			return
		}
		batch.Set(uint64(i), r)
	}
}
