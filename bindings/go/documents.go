package quiver

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import "unsafe"

// Documents: each document written with UpsertText (or AddText) has an entry
// in the index's document table: its current chunks, a source (a path or
// URI) and fields (any text of yours, e.g. JSON). The table is saved with the
// index and read back by both open modes. See quiver.h ("Documents").

// MaxDocSource and MaxDocFields are the most bytes a document's source and
// fields may have.
const (
	MaxDocSource = 8192
	MaxDocFields = 1 << 20
)

// DocumentEntry is a document's entry in the table: where it came from and
// your fields ("" when it has none).
type DocumentEntry struct {
	Source string
	Fields string
}

// listPage is how many keys ListDocuments asks for per call.
const listPage = 1024

// The room GetDocument offers at first for a source and for fields: a
// typical entry fits, longer ones take a second call.
const (
	sourceGuess = 256
	fieldsGuess = 1024
)

// UpsertText adds the document, or replaces it if it is in the index: chunks
// and embeds text as AddText does and records source and fields ("" for
// none) in the document's entry. Text searches running alongside find the old
// version or the new one, whole, never a mix or neither. After an upsert a
// document's chunk numbers no longer start at 0: list them with
// DocumentChunks. On failure the document is as it was.
// Errors: InvalidArgument (no embedder attached, a key above MaxDocKey, an
// empty or blank text, a NUL byte, a source over MaxDocSource or fields over
// MaxDocFields bytes, more chunks than the old version leaves room for),
// Unsupported (read-only index), Embedding (the embedder failed),
// OutOfMemory.
func (ix *Index) UpsertText(doc uint64, text, source, fields string) error {
	for _, s := range []struct{ value, what string }{{text, "text"}, {source, "source"}, {fields, "fields"}} {
		if err := checkText(s.value, s.what, -1); err != nil {
			return err
		}
	}
	ct, cs, cf := C.CString(text), C.CString(source), C.CString(fields)
	defer C.free(unsafe.Pointer(ct))
	defer C.free(unsafe.Pointer(cs))
	defer C.free(unsafe.Pointer(cf))
	return ix.withEmbedder(func(h *C.qv_index) C.qv_status {
		return C.qv_index_upsert_text(h, C.uint64_t(doc), ct, cs, cf)
	})
}

// DocumentChunks returns the chunk keys of the document's current version,
// in text order (their metadata are the chunks' texts).
// Errors: NotFound (no such document), InvalidArgument (a key above MaxDocKey).
func (ix *Index) DocumentChunks(doc uint64) ([]uint64, error) {
	var keys []uint64
	for {
		var n C.size_t
		err := ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_document_chunks(h, C.uint64_t(doc), u64ptr(keys), C.size_t(len(keys)), &n)
		})
		if err != nil {
			return nil, err
		}
		if int(n) <= len(keys) { // else an upsert grew it since the last call: ask again
			return keys[:n], nil
		}
		keys = make([]uint64, int(n))
	}
}

// GetDocument returns the document's source and fields: copies made by the
// library under its lock, one whole version even while another goroutine
// upserts or removes the document.
// Errors: NotFound (no such document), InvalidArgument (a key above MaxDocKey).
func (ix *Index) GetDocument(doc uint64) (DocumentEntry, error) {
	src, fields := make([]byte, sourceGuess), make([]byte, fieldsGuess)
	for {
		var srcLen, fieldsLen C.size_t
		err := ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_copy_document(h, C.uint64_t(doc),
				(*C.char)(bytesPtr(src)), C.size_t(len(src)), &srcLen,
				(*C.char)(bytesPtr(fields)), C.size_t(len(fields)), &fieldsLen)
		})
		if err != nil {
			return DocumentEntry{}, err
		}
		if int(srcLen) <= len(src) && int(fieldsLen) <= len(fields) {
			return DocumentEntry{Source: string(src[:srcLen]), Fields: string(fields[:fieldsLen])}, nil
		}
		// Longer than the room (or grew since the last call): again, with room.
		if int(srcLen) > len(src) {
			src = make([]byte, int(srcLen))
		}
		if int(fieldsLen) > len(fields) {
			fields = make([]byte, int(fieldsLen))
		}
	}
}

// ListDocuments returns the keys of every document in the document table, in
// ascending order. A document added or removed meanwhile may or may not be
// listed. Documents of a file from an older library are listed once upserted.
func (ix *Index) ListDocuments() ([]uint64, error) {
	var all []uint64
	page := make([]uint64, listPage)
	for first := uint64(0); ; {
		var n C.size_t
		err := ix.with(func(h *C.qv_index) C.qv_status {
			return C.qv_index_list_documents(h, C.uint64_t(first), u64ptr(page), C.size_t(len(page)), &n)
		})
		if err != nil {
			return nil, err
		}
		all = append(all, page[:n]...)
		if int(n) < len(page) {
			return all, nil
		}
		first = page[n-1] + 1
	}
}

// DocumentCount is the number of documents in the document table (see
// ListDocuments); Count counts chunks.
func (ix *Index) DocumentCount() (int, error) {
	var n C.uint64_t
	err := ix.with(func(h *C.qv_index) C.qv_status { return C.qv_index_document_count(h, &n) })
	return int(n), err
}

// sources looks up the source of each hit's document once; "" for a
// document with no entry (or one removed since the search).
type sources struct {
	ix   *Index
	seen map[uint64]string
}

func (s *sources) of(doc uint64) string {
	if src, ok := s.seen[doc]; ok {
		return src
	}
	if s.seen == nil {
		s.seen = map[uint64]string{}
	}
	d, _ := s.ix.GetDocument(doc)
	s.seen[doc] = d.Source
	return d.Source
}
