package quiver

import (
	"path/filepath"
	"strings"
	"testing"
)

// Error messages speak Go: a read-only index, a text call without an embedder
// and bad option values give messages that name no C identifier (no qv_ call,
// no QV_ constant, no NULL) and name options as Options spells them.

func messageOf(t *testing.T, err error, s Status) string {
	t.Helper()
	m := expectStatus(t, err, s).Message
	for _, c := range []string{"qv_", "QV_", "NULL"} {
		if strings.Contains(m, c) {
			t.Fatalf("the message names C (%s): %s", c, m)
		}
	}
	return m
}

func TestMessageReadOnlyIndexSaysHowToOpenItForChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.qv")
	ix, err := New(Options{Dim: 8, Kind: Flat})
	must(t, err)
	must(t, ix.Add(1, make([]float32, 8)))
	must(t, ix.Save(path, nil))
	ix.Close()
	mm, err := Open(path, Mmap)
	must(t, err)
	defer mm.Close()
	if m := messageOf(t, mm.Add(2, make([]float32, 8)), Unsupported); !strings.Contains(m, "read-only") || !strings.Contains(m, "loading") {
		t.Fatalf("add on a mapped index: %s", m)
	}
	if m := messageOf(t, mm.Remove(1), Unsupported); !strings.Contains(m, "read-only") {
		t.Fatalf("remove on a mapped index: %s", m)
	}
}

func TestMessageTextCallWithoutEmbedderSaysToAttachOne(t *testing.T) {
	ix, err := New(Options{Dim: 8, Kind: Flat, Metric: Cosine})
	must(t, err)
	defer ix.Close()
	if m := messageOf(t, ix.AddText(1, "hello"), InvalidArgument); !strings.Contains(m, "no embedder is attached") {
		t.Fatalf("AddText without an embedder: %s", m)
	}
	_, err = ix.SearchText("hello", 2, nil)
	if m := messageOf(t, err, InvalidArgument); !strings.Contains(m, "no embedder is attached") {
		t.Fatalf("SearchText without an embedder: %s", m)
	}
}

func TestMessageBadOptionValuesAreNamedAsOptionsSpellsThem(t *testing.T) {
	_, err := New(Options{Dim: 8, HnswM: 1})
	if m := messageOf(t, err, InvalidArgument); !strings.HasPrefix(m, "HnswM is 1; it must be between 2 and 256") {
		t.Fatalf("HnswM 1: %s", m)
	}
	_, err = New(Options{Dim: 8, HnswEfSearch: -1})
	if m := messageOf(t, err, InvalidArgument); !strings.HasPrefix(m, "HnswEfSearch is -1") {
		t.Fatalf("HnswEfSearch -1: %s", m)
	}
	_, err = New(Options{Dim: 0})
	if m := messageOf(t, err, InvalidArgument); !strings.HasPrefix(m, "Dim is 0") {
		t.Fatalf("Dim 0: %s", m)
	}
}
