package quiver

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Documents over qv_index_upsert_text, qv_index_document_chunks,
// qv_index_get_document, qv_index_list_documents and qv_index_document_count.

// words is a text of n distinct words, each made of prefix and its number.
func words(prefix string, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return strings.Join(w, " ")
}

// attachHashingEmbedder gives ix a hashing embedder of `dim` (the index
// keeps its own reference, so this one is closed at once).
func attachHashingEmbedder(t *testing.T, ix *Index, dim int) {
	t.Helper()
	emb, err := NewHashingEmbedder(dim)
	must(t, err)
	defer emb.Close()
	must(t, ix.SetEmbedder(emb))
}

// documentIndex is a Cosine index with the hashing embedder that chunks
// every 4 words (no overlap): a text of n words has ceil(n/4) chunks.
func documentIndex(t *testing.T, kind Kind) *Index {
	t.Helper()
	ix, err := New(Options{Dim: 128, Kind: kind, Metric: Cosine})
	must(t, err)
	attachHashingEmbedder(t, ix, 128)
	overlap := 0
	must(t, ix.SetTextOptions(&TextOptions{Unit: Tokens, ChunkSize: 4, ChunkOverlap: &overlap}))
	return ix
}

// chunkTexts are the texts of the document's chunks, in order.
func chunkTexts(t *testing.T, ix *Index, doc uint64) []string {
	t.Helper()
	keys, err := ix.DocumentChunks(doc)
	must(t, err)
	texts := make([]string, len(keys))
	for i, k := range keys {
		if DocKey(k) != doc {
			t.Fatalf("chunk key %x of document %d belongs to %d", k, doc, DocKey(k))
		}
		texts[i], err = ix.MetadataString(k)
		must(t, err)
	}
	return texts
}

func keywordDocs(t *testing.T, ix *Index, query string) []uint64 {
	t.Helper()
	hits, err := ix.SearchKeywords(query, 10, nil)
	must(t, err)
	var docs []uint64
	for _, h := range hits {
		docs = append(docs, DocKey(h.Key))
	}
	return docs
}

func TestUpsertTextReplacesADocument(t *testing.T) {
	for _, kind := range []Kind{Flat, HNSW} {
		ix := documentIndex(t, kind)
		must(t, ix.AddText(1, "zebras and lions roar")) // one chunk

		first := "zeppelin " + words("old", 11) // 12 words: 3 chunks
		must(t, ix.UpsertText(7, first, "notes/a.md", `{"v":1}`))
		if got := chunkTexts(t, ix, 7); len(got) != 3 || strings.Join(got, " ") != first {
			t.Fatalf("%v: chunks of the first version %q", kind, got)
		}
		oldKeys, _ := ix.DocumentChunks(7)
		if d := keywordDocs(t, ix, "zeppelin"); !reflect.DeepEqual(d, []uint64{7}) {
			t.Fatalf("%v: zeppelin before the upsert: %v", kind, d)
		}

		grown := "quokka " + words("new", 23) // 24 words: 6 chunks
		must(t, ix.UpsertText(7, grown, "notes/b.md", `{"v":2}`))
		if got := chunkTexts(t, ix, 7); len(got) != 6 || strings.Join(got, " ") != grown {
			t.Fatalf("%v: chunks after growing %q", kind, got)
		}
		if c, _ := ix.Count(); c != 6+1 {
			t.Fatalf("%v: count after growing %d, want the new chunks and the neighbour", kind, c)
		}
		for _, k := range oldKeys {
			if _, err := ix.Get(k); err == nil {
				t.Fatalf("%v: old chunk %x is still there", kind, k)
			}
		}
		if d := keywordDocs(t, ix, "zeppelin"); len(d) != 0 {
			t.Fatalf("%v: the old text is still found: %v", kind, d)
		}
		if d := keywordDocs(t, ix, "quokka"); !reflect.DeepEqual(d, []uint64{7}) {
			t.Fatalf("%v: the new text is not found: %v", kind, d)
		}
		hits, err := ix.SearchText(grown, 1, nil)
		must(t, err)
		if len(hits) != 1 || hits[0].DocKey != 7 || hits[0].Source != "notes/b.md" {
			t.Fatalf("%v: text search for the new version %+v", kind, hits)
		}
		if d, _ := ix.GetDocument(7); d != (DocumentEntry{"notes/b.md", `{"v":2}`}) {
			t.Fatalf("%v: entry after the upsert %+v", kind, d)
		}

		must(t, ix.UpsertText(7, "wombat burrow", "", "")) // 1 chunk; no source, no fields
		if got := chunkTexts(t, ix, 7); !reflect.DeepEqual(got, []string{"wombat burrow"}) {
			t.Fatalf("%v: chunks after shrinking %q", kind, got)
		}
		if c, _ := ix.Count(); c != 2 {
			t.Fatalf("%v: count after shrinking %d", kind, c)
		}
		if d := keywordDocs(t, ix, "quokka"); len(d) != 0 {
			t.Fatalf("%v: the grown text is still found: %v", kind, d)
		}
		if d, _ := ix.GetDocument(7); d != (DocumentEntry{}) {
			t.Fatalf("%v: source and fields are replaced by none: %+v", kind, d)
		}
		ix.Close()
	}
}

func TestDocumentSourceAndFieldsRoundTrip(t *testing.T) {
	ix := documentIndex(t, Flat)
	defer ix.Close()
	source := "notes/café/naïve – 東京.md"
	fields := `{"title":"Été à Zürich","tags":["日本語","🚀"],"quote":"\"x\""}`
	must(t, ix.UpsertText(3, "Ein Text über Brücken und Flüsse", source, fields))
	d, err := ix.GetDocument(3)
	must(t, err)
	if d.Source != source || d.Fields != fields {
		t.Fatalf("round trip: %+v", d)
	}
	long := strings.Repeat("ü", MaxDocSource/2) // exactly MaxDocSource bytes
	must(t, ix.UpsertText(4, "at the limit", long, ""))
	if d, _ := ix.GetDocument(4); d.Source != long {
		t.Fatalf("a source of MaxDocSource bytes: %d bytes back", len(d.Source))
	}
	// A document added with AddText has an entry without source or fields.
	must(t, ix.AddText(5, "added the old way"))
	if d, err := ix.GetDocument(5); err != nil || d != (DocumentEntry{}) {
		t.Fatalf("AddText document: %+v %v", d, err)
	}
}

func TestListAndCountDocuments(t *testing.T) {
	ix := documentIndex(t, Flat)
	defer ix.Close()
	if n, err := ix.DocumentCount(); err != nil || n != 0 {
		t.Fatalf("empty index: %d %v", n, err)
	}
	if keys, err := ix.ListDocuments(); err != nil || len(keys) != 0 {
		t.Fatalf("empty index lists %v %v", keys, err)
	}
	// More than one page (listPage) of documents, in no particular order.
	const n = listPage + 300
	docs := make([]uint64, n)
	texts := make([]string, n)
	for i := range docs {
		docs[i] = uint64((i*7919)%n)*3 + 2
		texts[i] = fmt.Sprintf("document number %d", i)
	}
	must(t, ix.AddTexts(docs, texts))
	must(t, ix.UpsertText(MaxDocKey, "the largest key", "max", ""))
	must(t, ix.UpsertText(0, "the smallest key", "min", ""))
	want := append([]uint64{0, MaxDocKey}, docs...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })

	got, err := ix.ListDocuments()
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("listed %d keys, want %d (first %v, last %v)", len(got), len(want), got[:3], got[len(got)-3:])
	}
	if c, _ := ix.DocumentCount(); c != n+2 {
		t.Fatalf("count %d, want %d", c, n+2)
	}
	must(t, ix.RemoveText(docs[5]))
	must(t, ix.RemoveText(MaxDocKey))
	if c, _ := ix.DocumentCount(); c != n {
		t.Fatalf("count after removing two %d", c)
	}
	got, _ = ix.ListDocuments()
	if len(got) != n || got[len(got)-1] == MaxDocKey {
		t.Fatalf("list after removing: %d keys, last %d", len(got), got[len(got)-1])
	}
	expectStatus(t, ix.RemoveText(docs[5]), NotFound)
}

func TestHitsCarryTheSource(t *testing.T) {
	ix := documentIndex(t, HNSW)
	defer ix.Close()
	must(t, ix.UpsertText(1, "honeybees make honey from nectar in the hive", "bees.md", ""))
	must(t, ix.UpsertText(2, "steam locomotives pulled the first trains ZX4711", "https://example.org/trains", ""))
	must(t, ix.AddText(3, "volcanoes erupt molten lava from under the crust")) // no source

	check := func(what string, doc uint64, source string) {
		t.Helper()
		want := map[uint64]string{1: "bees.md", 2: "https://example.org/trains", 3: ""}[doc]
		if source != want {
			t.Fatalf("%s: document %d has source %q, want %q", what, doc, source, want)
		}
	}
	text, err := ix.SearchText("honey bees hive", 3, nil)
	must(t, err)
	chunks, err := ix.SearchTextChunks("molten lava volcanoes", 5, nil)
	must(t, err)
	hybrid, err := ix.SearchHybrid("ZX4711 trains", 3, nil)
	must(t, err)
	if len(text) != 3 || text[0].DocKey != 1 || len(hybrid) == 0 || hybrid[0].DocKey != 2 || len(chunks) == 0 || chunks[0].DocKey != 3 {
		t.Fatalf("rankings: %+v %+v %+v", text, chunks, hybrid)
	}
	for _, h := range text {
		check("SearchText", h.DocKey, h.Source)
	}
	for _, h := range chunks {
		check("SearchTextChunks", h.DocKey, h.Source)
	}
	for _, h := range hybrid {
		check("SearchHybrid", h.DocKey, h.Source)
	}
}

func TestDocumentsSurviveSaveAndOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "docs.qv")
	ix := documentIndex(t, HNSW)
	must(t, ix.UpsertText(10, words("alpha", 10), "a.txt", `{"n":1}`))
	must(t, ix.UpsertText(10, "zeppelin "+words("beta", 8), "a2.txt", `{"n":2}`)) // chunks no longer start at 0
	must(t, ix.UpsertText(20, "Größe und Maß", "ß.md", "ä"))
	chunks10, err := ix.DocumentChunks(10)
	must(t, err)
	must(t, ix.Save(file, nil))
	ix.Close()

	emb, err := NewHashingEmbedder(128)
	must(t, err)
	defer emb.Close()
	for _, mode := range []OpenMode{Load, Mmap} {
		op, err := Open(file, mode)
		must(t, err)
		must(t, op.SetEmbedder(emb))
		if keys, _ := op.ListDocuments(); !reflect.DeepEqual(keys, []uint64{10, 20}) {
			t.Fatalf("mode %d: listed %v", mode, keys)
		}
		if c, _ := op.DocumentCount(); c != 2 {
			t.Fatalf("mode %d: count %d", mode, c)
		}
		if got, _ := op.DocumentChunks(10); !reflect.DeepEqual(got, chunks10) {
			t.Fatalf("mode %d: chunks %v, saved %v", mode, got, chunks10)
		}
		if d, _ := op.GetDocument(20); d != (DocumentEntry{"ß.md", "ä"}) {
			t.Fatalf("mode %d: entry %+v", mode, d)
		}
		hits, err := op.SearchHybrid("zeppelin", 1, nil)
		must(t, err)
		if len(hits) != 1 || hits[0].DocKey != 10 || hits[0].Source != "a2.txt" {
			t.Fatalf("mode %d: hybrid hit %+v", mode, hits)
		}
		if mode == Load { // a loaded index takes upserts
			must(t, op.UpsertText(20, "ersetzt", "", ""))
			if d, _ := op.GetDocument(20); d != (DocumentEntry{}) {
				t.Fatalf("upsert after load: %+v", d)
			}
		}
		op.Close()
	}
}

func TestDocumentErrors(t *testing.T) {
	ix := documentIndex(t, Flat)
	must(t, ix.UpsertText(1, "one document", "src", ""))

	_, err := ix.GetDocument(2)
	expectStatus(t, err, NotFound)
	_, err = ix.DocumentChunks(2)
	expectStatus(t, err, NotFound)
	_, err = ix.GetDocument(MaxDocKey + 1)
	expectStatus(t, err, InvalidArgument)
	_, err = ix.DocumentChunks(MaxDocKey + 1)
	expectStatus(t, err, InvalidArgument)
	expectStatus(t, ix.UpsertText(MaxDocKey+1, "text", "", ""), InvalidArgument)
	expectStatus(t, ix.UpsertText(1, "  \n ", "", ""), InvalidArgument)
	expectStatus(t, ix.UpsertText(1, "text", "a\x00b", ""), InvalidArgument)
	expectStatus(t, ix.UpsertText(1, "text", "", "a\x00b"), InvalidArgument)
	expectStatus(t, ix.UpsertText(1, "text", strings.Repeat("s", MaxDocSource+1), ""), InvalidArgument)
	expectStatus(t, ix.UpsertText(1, "text", "", strings.Repeat("f", MaxDocFields+1)), InvalidArgument)
	if d, _ := ix.GetDocument(1); d.Source != "src" { // refused upserts change nothing
		t.Fatalf("after refused upserts: %+v", d)
	}
	if got := chunkTexts(t, ix, 1); !reflect.DeepEqual(got, []string{"one document"}) {
		t.Fatalf("chunks after refused upserts: %q", got)
	}

	bare, err := New(Options{Dim: 128, Metric: Cosine})
	must(t, err)
	defer bare.Close()
	expectStatus(t, bare.UpsertText(1, "no embedder", "", ""), InvalidArgument)

	file := filepath.Join(t.TempDir(), "ro.qv")
	must(t, ix.Save(file, nil))
	ix.Close()
	_, err = ix.GetDocument(1)
	expectStatus(t, err, InvalidArgument) // closed
	_, err = ix.ListDocuments()
	expectStatus(t, err, InvalidArgument)

	mm, err := Open(file, Mmap)
	must(t, err)
	defer mm.Close()
	attachHashingEmbedder(t, mm, 128)
	expectStatus(t, mm.UpsertText(1, "replaced", "", ""), Unsupported)
	expectStatus(t, mm.UpsertText(9, "new", "", ""), Unsupported)
	expectStatus(t, mm.RemoveText(1), Unsupported)
	if d, err := mm.GetDocument(1); err != nil || d.Source != "src" {
		t.Fatalf("read-only index after refused writes: %+v %v", d, err)
	}
}
