package io.quiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Tests of the Java binding (JUnit 5, run by Maven Surefire; CTest runs run-tests.sh). */
class IndexTest {
  static final int DIM = 32;
  static final int N = 3000;
  static final int K = 10;

  // --- fixtures ------------------------------------------------------------

  static float[] randomVectors(int n, int dim, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * dim];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
    return v;
  }

  static long[] keys(int n) {
    long[] k = new long[n];
    for (int i = 0; i < n; i++) k[i] = 1000 + 7L * i;
    return k;
  }

  static float l2(float[] data, int row, float[] q, int qrow, int dim) {
    float s = 0;
    for (int j = 0; j < dim; j++) {
      float d = data[row * dim + j] - q[qrow * dim + j];
      s += d * d;
    }
    return s;
  }

  /** The exact k nearest keys by brute force, nearest first, among rows passing `keep`. */
  static long[] bruteForce(
      float[] data, long[] keys, float[] q, int qrow, int k, java.util.function.LongPredicate keep) {
    int n = keys.length;
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) if (keep == null || keep.test(keys[i])) rows.add(i);
    float[] d = new float[n];
    for (int i : rows) d[i] = l2(data, i, q, qrow, DIM);
    rows.sort(Comparator.comparingDouble(i -> d[i]));
    long[] out = new long[Math.min(k, rows.size())];
    for (int i = 0; i < out.length; i++) out[i] = keys[rows.get(i)];
    return out;
  }

  static long[] hitKeys(List<Hit> hits) {
    return hits.stream().mapToLong(Hit::key).toArray();
  }

  static float[] row(float[] data, int r) {
    return Arrays.copyOfRange(data, r * DIM, (r + 1) * DIM);
  }

  static void check(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  static QuiverException expectError(Status status, Runnable r) {
    try {
      r.run();
    } catch (QuiverException e) {
      check(e.status() == status, "expected " + status + ", got " + e);
      check(e.getMessage() != null && !e.getMessage().isEmpty(), "empty message for " + status);
      return e;
    }
    throw new AssertionError("expected a QuiverException with " + status);
  }

  static Index buildFlat(float[] data, long[] keys) {
    Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT).metric(Metric.L2));
    ix.addBatch(keys, data);
    return ix;
  }

  // --- tests ---------------------------------------------------------------

  @Test
  void testVersion() {
    check(Quiver.version().matches("\\d+\\.\\d+\\.\\d+"), "version " + Quiver.version());
    check(Quiver.versionNumber() >= 100, "version number");
  }

  @Test
  void testFlatSearchIsExact() {
    float[] data = randomVectors(N, DIM, 1);
    long[] keys = keys(N);
    float[] queries = randomVectors(20, DIM, 2);
    try (Index ix = buildFlat(data, keys)) {
      check(ix.count() == N, "count " + ix.count());
      check(ix.dim() == DIM, "dim");
      for (int q = 0; q < 20; q++) {
        List<Hit> hits = ix.search(row(queries, q), K);
        long[] want = bruteForce(data, keys, queries, q, K, null);
        check(Arrays.equals(hitKeys(hits), want), "query " + q + ": " + hits);
        for (int i = 1; i < hits.size(); i++)
          check(hits.get(i - 1).distance() <= hits.get(i).distance(), "sorted");
        int r0 = (int) ((want[0] - 1000) / 7);
        float d0 = l2(data, r0, queries, q, DIM);
        check(Math.abs(hits.get(0).distance() - d0) <= 1e-4f * Math.max(1f, d0), "distance");
      }
    }
  }

  @Test
  void testHnswRecallAndBatch() {
    float[] data = randomVectors(N, DIM, 3);
    long[] keys = keys(N);
    int nq = 50;
    float[] queries = randomVectors(nq, DIM, 4);
    try (Index ix =
        Index.create(new IndexOptions(DIM).kind(IndexKind.HNSW).seed(7).hnswEfSearch(64))) {
      ix.addBatch(keys, data);
      List<List<Hit>> batch = ix.searchBatch(queries, K);
      check(batch.size() == nq, "batch size");
      int hit = 0;
      for (int q = 0; q < nq; q++) {
        Set<Long> want = new HashSet<>();
        for (long k : bruteForce(data, keys, queries, q, K, null)) want.add(k);
        List<Hit> one = ix.search(row(queries, q), K);
        check(Arrays.equals(hitKeys(one), hitKeys(batch.get(q))), "batch == single, query " + q);
        for (Hit h : one) if (want.contains(h.key())) hit++;
      }
      double recall = hit / (double) (nq * K);
      System.out.printf("    HNSW recall@%d = %.3f%n", K, recall);
      check(recall >= 0.9, "recall " + recall);
    }
  }

  @Test
  void testFilterKeepsOnlyAcceptedKeys() {
    float[] data = randomVectors(N, DIM, 5);
    long[] keys = keys(N);
    float[] queries = randomVectors(8, DIM, 6);
    java.util.function.LongPredicate even = k -> k % 2 == 0;
    AtomicInteger calls = new AtomicInteger();
    try (Index ix = buildFlat(data, keys)) {
      SearchOptions opts =
          new SearchOptions()
              .filter(
                  k -> {
                    calls.incrementAndGet();
                    return even.test(k);
                  });
      for (int q = 0; q < 8; q++) {
        List<Hit> hits = ix.search(row(queries, q), K, opts);
        check(
            Arrays.equals(hitKeys(hits), bruteForce(data, keys, queries, q, K, even)),
            "filtered query " + q);
      }
      check(calls.get() > 0, "filter called");
      List<List<Hit>> batch = ix.searchBatch(queries, K, opts.threads(2));
      for (int q = 0; q < 8; q++)
        check(
            Arrays.equals(hitKeys(batch.get(q)), bruteForce(data, keys, queries, q, K, even)),
            "filtered batch query " + q);
    }
  }

  @Test
  void testFilterExceptionReachesCaller() {
    float[] data = randomVectors(200, DIM, 7);
    try (Index ix = buildFlat(data, keys(200))) {
      try {
        ix.search(
            row(data, 0),
            K,
            new SearchOptions()
                .filter(
                    k -> {
                      throw new IllegalStateException("boom");
                    }));
        throw new AssertionError("no exception");
      } catch (IllegalStateException e) {
        check(e.getMessage().equals("boom"), "message");
      }
    }
  }

  @Test
  void testGetRemoveCount() {
    float[] data = randomVectors(100, DIM, 8);
    long[] keys = keys(100);
    try (Index ix = buildFlat(data, keys)) {
      check(Arrays.equals(ix.get(keys[5]), row(data, 5)), "get");
      ix.remove(keys[5]);
      check(ix.count() == 99, "count after remove");
      List<Hit> hits = ix.search(row(data, 5), 3);
      for (Hit h : hits) check(h.key() != keys[5], "removed key returned");
      expectError(Status.NOT_FOUND, () -> ix.get(keys[5]));
      expectError(Status.NOT_FOUND, () -> ix.remove(keys[5]));
      ix.add(keys[5], row(data, 5));
      check(ix.search(row(data, 5), 1).get(0).key() == keys[5], "re-added");
    }
  }

  @Test
  void testErrorsAreQuiverExceptions() {
    try (Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT))) {
      float[] v = randomVectors(1, DIM, 9);
      ix.add(42, v);
      QuiverException dup = expectError(Status.DUPLICATE_KEY, () -> ix.add(42, v));
      check(dup.getMessage().contains("42"), "duplicate message names the key: " + dup);
      expectError(Status.DIMENSION_MISMATCH, () -> ix.add(43, new float[DIM - 1]));
      expectError(Status.DIMENSION_MISMATCH, () -> ix.search(new float[DIM + 1], 3));
      QuiverException k0 = expectError(Status.INVALID_ARGUMENT, () -> ix.search(v, 0));
      check(k0.getMessage().contains("k"), "k = 0 message: " + k0);
      float[] nan = v.clone();
      nan[3] = Float.NaN;
      expectError(Status.INVALID_ARGUMENT, () -> ix.add(44, nan));
      expectError(Status.NOT_FOUND, () -> Index.open("/nonexistent/quiver/index.qv", OpenMode.LOAD));
    }
    expectError(Status.INVALID_ARGUMENT, () -> Index.create(new IndexOptions(0)));
    Index closed = Index.create(new IndexOptions(4));
    closed.close();
    closed.close();
    expectError(Status.INVALID_ARGUMENT, closed::count);
  }

  @Test
  void testMetadataRoundTrip() {
    try (Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT))) {
      ix.add(1, randomVectors(1, DIM, 10));
      ix.setMetadata(1, "{\"title\": \"caf\u00e9\"}");
      check(ix.getMetadataString(1).equals("{\"title\": \"caf\u00e9\"}"), "metadata");
      byte[] raw = {0, 1, 2, (byte) 255};
      ix.setMetadata(1, raw);
      check(Arrays.equals(ix.getMetadata(1), raw), "binary metadata");
      expectError(Status.NOT_FOUND, () -> ix.setMetadata(2, "x"));
      ix.setMetadata(1, new byte[0]);
      expectError(Status.NOT_FOUND, () -> ix.getMetadata(1));
    }
  }

  @Test
  void testSaveAndMmapGiveSameAnswers() throws IOException {
    float[] data = randomVectors(N, DIM, 11);
    long[] keys = keys(N);
    float[] queries = randomVectors(20, DIM, 12);
    Path dir = Files.createTempDirectory("quiver-java");
    Path file = dir.resolve("index.qv");
    try {
      List<List<Hit>> before;
      try (Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.HNSW).seed(3))) {
        ix.addBatch(keys, data);
        ix.setMetadata(keys[0], "first");
        before = ix.searchBatch(queries, K);
        ix.save(file);
      }
      try (Index mm = Index.open(file, OpenMode.MMAP)) {
        check(mm.count() == N, "count after open");
        check(mm.searchBatch(queries, K).equals(before), "mmap answers");
        check(mm.getMetadataString(keys[0]).equals("first"), "metadata after open");
        check(mm.info().readOnly(), "read-only info");
        expectError(Status.UNSUPPORTED, () -> mm.add(1, row(data, 0)));
        expectError(Status.UNSUPPORTED, () -> mm.remove(keys[1]));
      }
      try (Index ld = Index.open(file, OpenMode.LOAD)) {
        check(ld.searchBatch(queries, K).equals(before), "load answers");
        ld.remove(keys[1]);
        check(ld.count() == N - 1, "load is mutable");
        IndexInfo info = ld.info();
        check(info.kind() == IndexKind.HNSW && info.dim() == DIM && !info.readOnly(), "info");
      }
    } finally {
      try (var s = Files.list(dir)) {
        s.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void testHashingEmbedderFindsTheRightText() {
    List<String> docs =
        List.of(
            "the cat sat on the mat",
            "vector search with hnsw graphs",
            "a recipe for apple pie",
            "rust borrow checker explained");
    try (Embedder emb = Embedder.hashing(256);
        Index ix = Index.create(new IndexOptions(256).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      check(emb.dim() == 256, "embedder dim");
      float[][] vecs = emb.embed(docs);
      for (int i = 0; i < vecs.length; i++) ix.add(i, vecs[i]);
      float[] q = emb.embed("searching vectors in an HNSW graph", Embedder.Task.QUERY);
      check(ix.search(q, 1).get(0).key() == 1, "nearest document");
      check(Arrays.equals(emb.embed(List.of(docs.get(2)))[0], vecs[2]), "deterministic");
    }
  }

  @Test
  void testCallbackEmbedderRunsJavaCode() {
    List<String> seen = new ArrayList<>();
    Embedder.Function fn =
        texts -> {
          float[][] out = new float[texts.size()][4];
          for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            seen.add(t);
            out[i] = new float[] {t.length(), t.isEmpty() ? 0 : t.charAt(0), 1, 0};
          }
          return out;
        };
    try (Embedder emb = Embedder.callback(4, fn)) {
      float[][] v = emb.embed(List.of("abc", "caf\u00e9"));
      check(Arrays.equals(v[0], new float[] {3, 'a', 1, 0}), "row 0 " + Arrays.toString(v[0]));
      check(v[1][0] == 4 && seen.get(1).equals("caf\u00e9"), "utf-8 text");
    }
    try (Embedder bad =
        Embedder.callback(
            4,
            texts -> {
              throw new IllegalStateException("model not loaded");
            })) {
      QuiverException e = expectError(Status.EMBEDDING, () -> bad.embed(List.of("x")));
      check(e.getMessage().contains("model not loaded"), "callback message: " + e);
    }
    try (Embedder wrong = Embedder.callback(4, texts -> new float[][] {{1, 2}})) {
      expectError(Status.EMBEDDING, () -> wrong.embed(List.of("x")));
    }
    expectError(Status.INVALID_ARGUMENT, () -> Embedder.hashing(0));
  }

  @Test
  void testGeminiOptionsAreChecked() {
    GeminiOptions good = new GeminiOptions().apiKey("test-key").outputDim(256).maxRetries(0);
    Embedder made;
    try {
      made = Embedder.gemini(good);
    } catch (QuiverException e) {
      if (e.status() != Status.UNSUPPORTED) throw e;
      // A libquiver built with QV_WITH_GEMINI=OFF refuses every Gemini
      // embedder, and says how it was built.
      QuiverException refusal = expectError(Status.UNSUPPORTED, () -> Embedder.gemini(good));
      check(
          refusal.getMessage().contains("without the Gemini embedder"),
          "the refusal does not say why: " + refusal);
      expectError(
          Status.UNSUPPORTED,
          () -> Embedder.gemini(new GeminiOptions().apiKey("k").baseUrl("ftp://example.invalid")));
      org.junit.jupiter.api.Assumptions.abort("libquiver built without Gemini");
      return;
    }
    try (Embedder g = made) {
      check(g.dim() == 256, "gemini dim");
    }
    expectError(
        Status.INVALID_ARGUMENT,
        () -> Embedder.gemini(new GeminiOptions().apiKey("k").baseUrl("ftp://example.invalid")));
  }

  // --- text ------------------------------------------------------------------

  static final List<String> DOCS =
      List.of(
          "The cat sat on the mat and watched the birds in the garden.",
          "Vector search finds nearest neighbours in HNSW graphs quickly.",
          "A recipe for apple pie: flour, butter, apples, sugar and cinnamon.",
          "The Rust borrow checker explained with lifetimes and references.",
          "Trains leave the central station every ten minutes on weekdays.");

  /** A deterministic toy embedder: letter histogram (a..p folded into 16 bins), unnormalised. */
  static float[] letters(String t) {
    float[] v = new float[16];
    for (char c : t.toLowerCase().toCharArray()) if (c >= 'a' && c <= 'z') v[(c - 'a') % 16] += 1;
    v[15] += 0.5f; // never the zero vector
    return v;
  }

  static float cosineDistance(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return (float) (1 - dot / Math.sqrt(na * nb));
  }

  @Test
  void testTextSearchFindsDocumentsAndPassages() throws IOException {
    long[] docKeys = {10, 20, 30, 40, 50};
    Path dir = Files.createTempDirectory("quiver-java-text");
    Path file = dir.resolve("text.qv");
    try (Embedder emb = Embedder.hashing(256);
        Index ix =
            Index.create(new IndexOptions(256).kind(IndexKind.HNSW).metric(Metric.COSINE))) {
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchText("cat", 3)); // no embedder yet
      ix.setEmbedder(emb);
      ix.setTextOptions(new TextOptions().unit(TextOptions.Unit.TOKENS).chunkSize(6).chunkOverlap(2));
      ix.addTexts(docKeys, DOCS);
      check(ix.count() > DOCS.size(), "documents are split into chunks: " + ix.count());

      List<TextHit> hits = ix.searchText("apple pie with cinnamon", 3);
      check(hits.size() == 3, "three documents");
      check(hits.get(0).docKey() == 30, "best document " + hits);
      check(Index.docKey(hits.get(0).chunkKey()) == 30, "chunk belongs to the document");
      check(hits.get(0).passage().contains("apple"), "passage " + hits.get(0).passage());
      Set<Long> distinct = new HashSet<>();
      for (TextHit h : hits) check(distinct.add(h.docKey()), "distinct documents " + hits);

      List<TextHit> chunks = ix.searchTextChunks("apple pie with cinnamon", 4);
      check(chunks.size() == 4 && chunks.get(0).docKey() == 30, "chunks " + chunks);
      check(
          chunks.get(0).passage().equals(ix.getMetadataString(chunks.get(0).chunkKey())),
          "a chunk's passage is its metadata");

      List<TextHit> filtered =
          ix.searchText(
              "apple pie with cinnamon", 2, new SearchOptions().filter(k -> Index.docKey(k) != 30));
      check(filtered.stream().noneMatch(h -> h.docKey() == 30), "filter sees chunk keys");

      List<TextHit> before = ix.searchText("trains at the station", 3);
      check(before.get(0).docKey() == 50, "train document " + before);
      ix.save(file);

      ix.removeText(30);
      check(ix.searchText("apple pie with cinnamon", 5).stream().noneMatch(h -> h.docKey() == 30),
          "removed document is not found");
      expectError(Status.NOT_FOUND, () -> ix.removeText(30));
      expectError(Status.DUPLICATE_KEY, () -> ix.addText(10, "again"));
      QuiverException nul = expectError(Status.INVALID_ARGUMENT, () -> ix.addText(60, "a\0b"));
      check(nul.getMessage().contains("NUL"), "NUL message: " + nul);
      expectError(Status.INVALID_ARGUMENT, () -> ix.addText(1L << 48, "key too large"));
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchText("   ", 3));
      expectError(Status.INVALID_ARGUMENT, () -> ix.addTexts(new long[] {1, 2}, List.of("one")));
      expectError(Status.INVALID_ARGUMENT, () -> ix.setTextOptions(new TextOptions().chunkSize(-1)));
      expectError(
          Status.INVALID_ARGUMENT,
          () -> ix.setTextOptions(new TextOptions().chunkSize(4).chunkOverlap(4)));
      try (Embedder small = Embedder.hashing(64)) {
        expectError(Status.DIMENSION_MISMATCH, () -> ix.setEmbedder(small));
      }
      check(ix.searchText("trains at the station", 3).get(0).docKey() == 50,
          "a failed setEmbedder keeps the attached one");

      try (Index mm = Index.open(file, OpenMode.MMAP)) {
        expectError(Status.INVALID_ARGUMENT, () -> mm.searchText("trains", 3));
        mm.setEmbedder(emb);
        check(mm.searchText("trains at the station", 3).equals(before), "same answers after mmap");
        expectError(Status.UNSUPPORTED, () -> mm.addText(99, "read-only"));
      }
    } finally {
      try (var s = Files.list(dir)) {
        s.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void testTextSearchMatchesBruteForce() {
    AtomicInteger calls = new AtomicInteger();
    Embedder.Function fn =
        texts -> {
          calls.incrementAndGet();
          float[][] out = new float[texts.size()][];
          for (int i = 0; i < out.length; i++) out[i] = letters(texts.get(i));
          return out;
        };
    Random r = new Random(5);
    String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"};
    int n = 2000;
    long[] docKeys = new long[n];
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      docKeys[i] = 3L * i + 1;
      StringBuilder b = new StringBuilder();
      for (int w = 0; w < 6; w++) b.append(words[r.nextInt(words.length)]).append(' ');
      texts.add(b.toString().trim());
    }
    try (Index ix = Index.create(new IndexOptions(16).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      // The index must keep the callback alive after its Embedder handle is closed.
      try (Embedder emb = Embedder.callback(16, fn)) {
        ix.setEmbedder(emb);
      }
      for (int i = 0; i < 3; i++) System.gc();
      ix.addTexts(docKeys, texts);
      check(ix.count() == n, "one chunk per short document");
      String query = "delta echo golf hotel";
      float[] q = letters(query);
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      float[] d = new float[n];
      for (int i = 0; i < n; i++) d[i] = cosineDistance(letters(texts.get(i)), q);
      Arrays.sort(order, Comparator.comparingDouble(i -> d[i]));
      List<TextHit> hits = ix.searchText(query, K);
      check(hits.size() == K, "k hits");
      for (int i = 0; i < K; i++) {
        TextHit h = hits.get(i);
        // Ties may order differently; the distance at each rank must match brute force.
        check(Math.abs(h.distance() - d[order[i]]) < 1e-4f, "rank " + i + ": " + h + " vs " + d[order[i]]);
        int row = (int) ((h.docKey() - 1) / 3);
        check(Math.abs(d[row] - h.distance()) < 1e-4f, "distance of document " + h.docKey());
        check(h.chunkKey() == Index.chunkKey(h.docKey(), 0), "chunk key");
        check(h.passage().equals(texts.get(row)), "passage");
      }
      check(calls.get() >= 2, "the Java function embedded documents and the query");

      try (Embedder bad =
          Embedder.callback(
              16,
              t -> {
                throw new IllegalStateException("model offline");
              })) {
        ix.setEmbedder(bad);
      }
      QuiverException e = expectError(Status.EMBEDDING, () -> ix.addText(999_999, "new words"));
      check(e.getMessage().contains("model offline"), "callback message: " + e);
      check(ix.count() == n, "a failed addText adds nothing");
      expectError(Status.EMBEDDING, () -> ix.searchText("delta", 3));
      ix.setEmbedder(null);
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchText("delta", 3));
    }
  }

  // --- storage, open options, memory ------------------------------------------

  static float dot(float[] a, int ra, float[] b, int rb, int dim) {
    float s = 0;
    for (int j = 0; j < dim; j++) s += a[ra * dim + j] * b[rb * dim + j];
    return s;
  }

  @Test
  void testI8RecallAndExactDistancesAgainstBruteForce() {
    for (IndexKind kind : IndexKind.values()) i8RecallAndExactDistances(kind);
  }

  static void i8RecallAndExactDistances(IndexKind kind) {
    float[] data = randomVectors(N, DIM, 31);
    long[] keys = keys(N);
    int nq = 50;
    float[] queries = randomVectors(nq, DIM, 32);
    try (Index ix =
        Index.create(
            new IndexOptions(DIM).kind(kind).storage(Storage.I8).seed(7).hnswEfSearch(96))) {
      ix.addBatch(keys, data);
      IndexInfo info = ix.info();
      check(info.storage() == Storage.I8 && info.keepsOriginals(), "info " + info);
      int hit = 0;
      for (int q = 0; q < nq; q++) {
        Set<Long> want = new HashSet<>();
        for (long k : bruteForce(data, keys, queries, q, K, null)) want.add(k);
        List<Hit> hits = ix.search(row(queries, q), K, new SearchOptions().rerank(4 * K));
        check(hits.size() == K, "k hits");
        for (Hit h : hits) {
          if (want.contains(h.key())) hit++;
          // Re-ranked on the kept originals: the exact float32 distance.
          float exact = l2(data, (int) ((h.key() - 1000) / 7), queries, q, DIM);
          check(
              Math.abs(h.distance() - exact) <= 1e-4f * Math.max(1f, exact),
              "exact distance " + h + " vs " + exact);
        }
        check(Arrays.equals(ix.get(keys[q]), row(data, q)), "get returns the original");
      }
      double recall = hit / (double) (nq * K);
      System.out.printf("    %s I8 recall@%d = %.3f%n", kind, K, recall);
      check(recall >= 0.9, kind + " I8 recall " + recall);
    }
  }

  @Test
  void testMemoryBytesFollowsStorage() {
    float[] data = randomVectors(N, DIM, 33);
    long[] keys = keys(N);
    long f32, i8codes;
    try (Index ix = Index.create(new IndexOptions(DIM).metric(Metric.COSINE))) {
      check(ix.memoryBytes() >= 0, "empty index");
      ix.addBatch(keys, data);
      f32 = ix.memoryBytes();
    }
    try (Index ix =
        Index.create(
            new IndexOptions(DIM).metric(Metric.COSINE).storage(Storage.I8).keepOriginals(false))) {
      ix.addBatch(keys, data);
      i8codes = ix.memoryBytes();
      check(!ix.info().keepsOriginals(), "codes only");
    }
    check(f32 >= (long) N * DIM * 4, "f32 holds the vectors: " + f32);
    check(i8codes < f32, "i8 codes only " + i8codes + " < f32 " + f32);
  }

  @Test
  void testStorageSaveOpenMmapRoundTrip() throws IOException {
    float[] data = randomVectors(N, DIM, 34);
    long[] keys = keys(N);
    float[] queries = randomVectors(10, DIM, 35);
    Path dir = Files.createTempDirectory("quiver-java-storage");
    try {
      for (IndexKind kind : IndexKind.values())
      for (Storage st : Storage.values()) {
        Path file = dir.resolve(kind + "-" + st + ".qv");
        List<List<Hit>> before;
        long heapBuilt;
        try (Index ix =
            Index.create(
                new IndexOptions(DIM).kind(kind).metric(Metric.COSINE).storage(st).seed(9))) {
          ix.addBatch(keys, data);
          before = ix.searchBatch(queries, K);
          heapBuilt = ix.memoryBytes();
          ix.save(file);
        }
        try (Index mm =
            Index.open(
                file, new OpenOptions().mode(OpenMode.MMAP).verify(VerifyMode.DEFERRED).threads(2))) {
          IndexInfo info = mm.info();
          check(
              info.storage() == st && info.kind() == kind && info.readOnly(), st + ": info " + info);
          check(info.keepsOriginals() == (st == Storage.I8 || st == Storage.B1), st + " originals");
          check(mm.searchBatch(queries, K).equals(before), st + ": mmap answers");
          mm.verify();
          check(mm.memoryBytes() < heapBuilt, st + ": mapped pages are not heap");
        }
        try (Index ld = Index.open(file, OpenMode.LOAD)) {
          check(ld.searchBatch(queries, K).equals(before), st + ": load answers");
          check(ld.info().storage() == st, st + ": load info");
          ld.verify();
        }
      }
    } finally {
      try (var s = Files.list(dir)) {
        s.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void testVerifyFindsDamageADeferredOpenSkipped() throws IOException {
    float[] data = randomVectors(N, DIM, 36);
    Path dir = Files.createTempDirectory("quiver-java-verify");
    Path file = dir.resolve("index.qv");
    try {
      try (Index ix = Index.create(new IndexOptions(DIM).seed(5))) {
        ix.addBatch(keys(N), data);
        ix.save(file);
      }
      byte[] b = Files.readAllBytes(file);
      b[b.length / 2] ^= (byte) 0xFF; // vectors take most of the file
      Files.write(file, b);
      expectError(Status.CORRUPT, () -> Index.open(file, OpenMode.MMAP));
      try (Index mm =
          Index.open(file, new OpenOptions().mode(OpenMode.MMAP).verify(VerifyMode.DEFERRED))) {
        QuiverException e = expectError(Status.CORRUPT, mm::verify);
        check(e.getMessage().contains(file.toString()), "the message names the file: " + e);
      }
      Index closed = Index.create(new IndexOptions(4));
      closed.close();
      expectError(Status.INVALID_ARGUMENT, closed::verify);
      expectError(Status.INVALID_ARGUMENT, closed::memoryBytes);
    } finally {
      try (var s = Files.list(dir)) {
        s.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void testStorageErrorsNameJavaTerms() {
    QuiverException b1 =
        expectError(
            Status.INVALID_ARGUMENT,
            () -> Index.create(new IndexOptions(DIM).storage(Storage.B1).metric(Metric.L2)));
    check(b1.getMessage().contains("Storage.B1"), "B1 message: " + b1);
    check(!b1.getMessage().contains("QV_"), "no C names: " + b1);
    expectError(
        Status.INVALID_ARGUMENT, () -> Index.create(new IndexOptions(DIM).storage(Storage.B1)));
    try (Index flat = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT).storage(Storage.B1)
        .metric(Metric.COSINE))) {
      check(flat.info().storage() == Storage.B1 && flat.info().kind() == IndexKind.FLAT, "FLAT B1");
    }
    expectError(Status.INVALID_ARGUMENT, () -> new SearchOptions().rerank(-1));
    expectError(Status.INVALID_ARGUMENT, () -> new OpenOptions().threads(-1));
    try (Index ok = Index.create(new IndexOptions(DIM).storage(Storage.B1).metric(Metric.IP))) {
      check(ok.info().storage() == Storage.B1 && ok.info().metric() == Metric.IP, "B1 under IP");
    }
    try (Index f = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT))) {
      check(f.info().storage() == Storage.F32 && !f.info().keepsOriginals(), "FLAT is F32");
    }
  }

  @Test
  void testUnsignedKeysCrossAsLongs() {
    long big = Long.parseUnsignedLong("18446744073709551000"); // > 2^63: a negative long
    check(big < 0, "reads as negative");
    try (Index ix = Index.create(new IndexOptions(4).kind(IndexKind.FLAT))) {
      ix.add(big, new float[] {1, 2, 3, 4});
      Hit h = ix.search(new float[] {1, 2, 3, 4}, 1).get(0);
      check(h.key() == big, "the same 64 bits back");
      check(Long.toUnsignedString(h.key()).equals("18446744073709551000"), "unsigned text");
    }
  }
}
