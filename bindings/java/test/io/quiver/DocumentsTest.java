package io.quiver;

import static io.quiver.IndexTest.check;
import static io.quiver.IndexTest.expectError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Documents (issue 15): upsertText replaces a document's chunks, getDocument returns its source and
 * fields, listDocuments and documentCount see the document table, text hits carry the source, a
 * save keeps it all for both open modes, and the errors are the C API's.
 */
class DocumentsTest {
  static final int DIM = 256;

  /** A cosine index with the hashing embedder, chunking by 4 tokens without overlap. */
  static Index textIndex(Embedder emb) {
    Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT).metric(Metric.COSINE));
    ix.setEmbedder(emb);
    ix.setTextOptions(new TextOptions().unit(TextOptions.Unit.TOKENS).chunkSize(4).chunkOverlap(0));
    return ix;
  }

  /** n words: word0 .. word(n-1) of `stem`. */
  static String words(String stem, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append(stem).append(i);
    return b.toString();
  }

  static Set<Long> keywordDocs(Index ix, String query) {
    Set<Long> docs = new HashSet<>();
    for (KeywordHit h : ix.searchKeywords(query, 50)) docs.add(Index.docKey(h.key()));
    return docs;
  }

  @Test
  void upsertTextReplacesADocument() {
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = textIndex(emb)) {
      ix.addText(1, "an unrelated neighbour document about glaciers");
      ix.upsertText(7, "walrus " + words("old", 11)); // 12 tokens: 3 chunks
      long[] first = ix.documentChunks(7);
      check(first.length == 3, "chunks of the first version: " + Arrays.toString(first));
      for (long c : first) check(Index.docKey(c) == 7, "chunk of another document: " + c);
      check(ix.getMetadataString(first[0]).startsWith("walrus"), "first chunk's text");
      check(keywordDocs(ix, "walrus").equals(Set.of(7L)), "walrus before the upsert");
      check(ix.count() == 2 + 3, "chunks in the index: " + ix.count());

      ix.upsertText(7, "narwhal " + words("new", 19)); // 20 tokens: 5 chunks, it grows
      long[] second = ix.documentChunks(7);
      check(second.length == 5, "chunks of the second version: " + Arrays.toString(second));
      for (long c : first) {
        for (long d : second) check(c != d, "an old chunk key is still current: " + c);
        expectError(Status.NOT_FOUND, () -> ix.getMetadata(c)); // the old chunks are gone
      }
      check(ix.getMetadataString(second[0]).startsWith("narwhal"), "text order of the chunks");
      check(keywordDocs(ix, "walrus").isEmpty(), "the old text is still found by keywords");
      check(keywordDocs(ix, "narwhal").equals(Set.of(7L)), "the new text is not found");
      check(ix.count() == 2 + 5, "chunks after growing: " + ix.count());
      List<TextHit> hits = ix.searchText("narwhal new0 new1", 2);
      check(hits.get(0).docKey() == 7, "search by meaning: " + hits);

      ix.upsertText(7, "dolphin"); // one chunk: it shrinks
      check(ix.documentChunks(7).length == 1, "chunks after shrinking");
      check(keywordDocs(ix, "narwhal").isEmpty(), "the second version is still found");
      check(keywordDocs(ix, "dolphin").equals(Set.of(7L)), "the third version is not found");
      check(ix.count() == 2 + 1, "chunks after shrinking: " + ix.count());
      check(ix.documentCount() == 2, "documents: " + ix.documentCount());
    }
  }

  @Test
  void sourceAndFieldsRoundTrip() {
    // Non-ASCII, and beyond the BMP (a surrogate pair in Java): UTF-8 both ways, not modified UTF-8.
    String source = "notes/café/Ünïcödé 日本語 \uD83D\uDCCE.md";
    String fields = "{\"title\": \"Grüße aus Köln\", \"tags\": [\"日本\", \"\uD83D\uDE80\"]}";
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = textIndex(emb)) {
      ix.upsertText(3, "a document with a source", source, fields);
      check(ix.getDocument(3).equals(new Document(source, fields)), "" + ix.getDocument(3));
      ix.upsertText(3, "replaced, with no source and no fields");
      check(ix.getDocument(3).equals(new Document("", "")), "none: " + ix.getDocument(3));
      ix.upsertText(3, "replaced again", null, "only fields");
      check(ix.getDocument(3).equals(new Document("", "only fields")), "" + ix.getDocument(3));
      ix.addText(4, "added, not upserted");
      check(ix.getDocument(4).equals(new Document("", "")), "added: " + ix.getDocument(4));
    }
  }

  @Test
  void listAndCountDocuments() {
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = textIndex(emb)) {
      check(ix.documentCount() == 0 && ix.listDocuments().length == 0, "an empty index");
      // More than one page (1024) of documents, added in an order that is not the keys' order.
      int n = 1500;
      long[] keys = new long[n];
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        keys[i] = (long) ((i * 7919L) % n) * 3 + 1;
        texts.add("document number " + i);
      }
      ix.addTexts(keys, texts);
      ix.upsertText(Index.MAX_DOC_KEY, "the largest key", "max", null);
      long[] want = Arrays.copyOf(keys, n + 1);
      want[n] = Index.MAX_DOC_KEY;
      Arrays.sort(want);
      check(Arrays.equals(ix.listDocuments(), want), "listDocuments is not every key, ascending");
      check(ix.documentCount() == n + 1, "documentCount " + ix.documentCount());
      ix.removeText(keys[0]);
      check(ix.documentCount() == n, "documentCount after removeText");
      check(Arrays.binarySearch(ix.listDocuments(), keys[0]) < 0, "a removed document is listed");
    }
  }

  @Test
  void hitsCarryTheSource() {
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = textIndex(emb)) {
      ix.upsertText(1, "honeybees make honey in the hive", "docs/bees.md", "{}");
      ix.upsertText(2, "steam locomotives pull trains ZX4711", "https://example.org/trains", null);
      ix.addText(3, "volcanoes erupt lava"); // an entry with no source
      for (TextHit h : ix.searchText("honey bees trains lava", 3)) checkSource(h.docKey(), h.source());
      for (TextHit h : ix.searchTextChunks("honey bees trains lava", 10))
        checkSource(h.docKey(), h.source());
      List<HybridHit> hybrid = ix.searchHybrid("ZX4711", 3);
      check(hybrid.get(0).docKey() == 2, "hybrid: " + hybrid);
      for (HybridHit h : hybrid) checkSource(h.docKey(), h.source());
    }
  }

  static void checkSource(long doc, String source) {
    String want = doc == 1 ? "docs/bees.md" : doc == 2 ? "https://example.org/trains" : "";
    check(want.equals(source), "document " + doc + " has source " + source);
  }

  @Test
  void saveAndOpenKeepDocuments() throws Exception {
    Path dir = Files.createTempDirectory("quiver-java-docs");
    String file = dir.resolve("docs.qv").toString();
    long[] chunks;
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = textIndex(emb)) {
      ix.upsertText(5, "first version of five", "five.txt", "v1");
      ix.upsertText(5, words("grebe", 10), "five.md", "{\"v\": 2, \"ü\": \"ß\"}");
      ix.upsertText(9, "nine is here", "nine.txt", null);
      ix.addText(11, "eleven was only added");
      chunks = ix.documentChunks(5);
      check(chunks.length == 3 && chunks[0] != Index.chunkKey(5, 0), "upserted chunk numbers");
      ix.save(file);
    }
    for (OpenMode mode : new OpenMode[] {OpenMode.LOAD, OpenMode.MMAP}) {
      try (Embedder emb = Embedder.hashing(DIM);
          Index ix = Index.open(file, mode)) {
        check(ix.documentCount() == 3, mode + ": documentCount");
        check(Arrays.equals(ix.listDocuments(), new long[] {5, 9, 11}), mode + ": listDocuments");
        check(Arrays.equals(ix.documentChunks(5), chunks), mode + ": documentChunks");
        check(
            ix.getDocument(5).equals(new Document("five.md", "{\"v\": 2, \"ü\": \"ß\"}")),
            mode + ": " + ix.getDocument(5));
        check(ix.getDocument(9).equals(new Document("nine.txt", "")), mode + ": nine");
        check(ix.getDocument(11).equals(new Document("", "")), mode + ": eleven");
        check(keywordDocs(ix, "grebe3").equals(Set.of(5L)), mode + ": keywords");
        ix.setEmbedder(emb);
        List<TextHit> hits = ix.searchText("grebe0 grebe1 grebe2", 1);
        check(hits.get(0).docKey() == 5 && "five.md".equals(hits.get(0).source()), mode + ": " + hits);
        if (mode == OpenMode.MMAP) {
          expectError(Status.UNSUPPORTED, () -> ix.upsertText(5, "read-only", "x", "y"));
          expectError(Status.UNSUPPORTED, () -> ix.upsertText(12, "read-only"));
          check(ix.getDocument(5).source().equals("five.md"), "a refused upsert changed nothing");
        } else {
          ix.upsertText(9, "nine replaced after open", "nine-v2.txt", null);
          check(ix.getDocument(9).source().equals("nine-v2.txt"), "upsert after LOAD");
        }
      }
    }
  }

  @Test
  void documentErrors() {
    try (Embedder emb = Embedder.hashing(DIM);
        Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, "no embedder yet"));
      ix.setEmbedder(emb);
      expectError(Status.NOT_FOUND, () -> ix.getDocument(42));
      expectError(Status.NOT_FOUND, () -> ix.documentChunks(42));
      expectError(Status.INVALID_ARGUMENT, () -> ix.getDocument(Index.MAX_DOC_KEY + 1));
      expectError(Status.INVALID_ARGUMENT, () -> ix.documentChunks(-1));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(Index.MAX_DOC_KEY + 1, "too big"));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, null));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, " \n "));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, "text", "a\0b", null));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, "text", null, "a\0b"));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, "text", "s".repeat(8193), null));
      check(ix.documentCount() == 0 && ix.count() == 0, "a refused upsert added something");

      ix.upsertText(1, "a document", "src", null);
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsertText(1, "", "other", null));
      check(ix.getDocument(1).source().equals("src"), "a refused upsert changed the document");
      ix.removeText(1);
      expectError(Status.NOT_FOUND, () -> ix.getDocument(1));
      expectError(Status.NOT_FOUND, () -> ix.documentChunks(1));
      ix.close();
      expectError(Status.INVALID_ARGUMENT, () -> ix.getDocument(1));
      expectError(Status.INVALID_ARGUMENT, ix::documentCount);
    }
  }
}
