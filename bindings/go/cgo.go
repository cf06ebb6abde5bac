package quiver

// The native side: libquiver found through pkg-config (quiver.pc, installed
// with Quiver into <prefix>/lib/pkgconfig), so no CGO_* variable is needed.

/*
#cgo pkg-config: quiver
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Status is Quiver's result code (qv_status in quiver.h); the values never
// change and only ever grow. The parity test checks this list against the
// header.
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

// allStatuses lists every Status, in the header's order.
var allStatuses = []Status{OK, InvalidArgument, DimensionMismatch, NotFound, DuplicateKey, IO,
	Corrupt, Unsupported, OutOfMemory, Embedding, Internal}

// String returns the C name of the status, e.g. "QV_ERR_NOT_FOUND".
func (s Status) String() string { return C.GoString(C.qv_status_string(C.qv_status(s))) }

// Error is a failed Quiver call: the status and Quiver's message, which says
// what went wrong and what to do about it. Every error this package returns
// is a *Error.
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

func newError(s Status, format string, args ...interface{}) error {
	return &Error{Status: s, Message: fmt.Sprintf(format, args...)}
}

// call runs a C call that returns a status on one OS thread, so that
// qv_last_error (thread-local in C) describes this call's failure.
func call(f func() C.qv_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if s := f(); s != C.QV_OK {
		return &Error{Status: Status(s), Message: C.GoString(C.qv_last_error())}
	}
	return nil
}

// Version is the version of the libquiver actually linked, e.g. "0.1.0".
func Version() string { return C.GoString(C.qv_version()) }

// VersionNumber is the same as a number: major*10000 + minor*100 + patch.
func VersionNumber() int { return int(C.qv_version_number()) }

// Pointers to the first element of Go slices, for C (which trusts the
// length: the callers check it first). nil for an empty slice.
func f32ptr(v []float32) *C.float {
	if len(v) == 0 {
		return nil
	}
	return (*C.float)(unsafe.Pointer(&v[0]))
}

func bytesPtr(v []byte) unsafe.Pointer {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Pointer(&v[0])
}

func u64ptr(v []uint64) *C.uint64_t {
	if len(v) == 0 {
		return nil
	}
	return (*C.uint64_t)(unsafe.Pointer(&v[0]))
}

// cStrings copies texts into one C allocation: n pointers, n lengths, then
// the bytes, each text NUL-terminated. Free the result with C.free.
type cStrings struct {
	base    unsafe.Pointer
	ptrs    **C.char
	lengths *C.size_t
}

func newCStrings(texts []string) cStrings {
	n := len(texts)
	total := 0
	for _, s := range texts {
		total += len(s) + 1
	}
	ptrSize := int(unsafe.Sizeof((*C.char)(nil)))
	lenSize := int(unsafe.Sizeof(C.size_t(0)))
	base := C.malloc(C.size_t(n*(ptrSize+lenSize) + total + 1))
	if base == nil {
		panic("quiver: out of memory copying texts")
	}
	ptrs := unsafe.Slice((**C.char)(base), n)
	lens := unsafe.Slice((*C.size_t)(unsafe.Add(base, n*ptrSize)), n)
	bytes := unsafe.Slice((*byte)(unsafe.Add(base, n*(ptrSize+lenSize))), total+1)
	off := 0
	for i, s := range texts {
		copy(bytes[off:], s)
		bytes[off+len(s)] = 0
		ptrs[i] = (*C.char)(unsafe.Pointer(&bytes[off]))
		lens[i] = C.size_t(len(s))
		off += len(s) + 1
	}
	return cStrings{base: base, ptrs: (**C.char)(base), lengths: (*C.size_t)(unsafe.Add(base, n*ptrSize))}
}

func (c cStrings) free() { C.free(c.base) }
