package io.quiver;

import io.quiver.internal.QuiverNative;
import io.quiver.internal.QvBytes;
import io.quiver.internal.QvFilter;
import io.quiver.internal.QvIndexConfig;
import io.quiver.internal.QvIndexInfo;
import io.quiver.internal.QvOpenConfig;
import io.quiver.internal.QvSaveConfig;
import io.quiver.internal.QvTextConfig;
import io.quiver.internal.QvTexts;
import io.quiver.internal.SWIGTYPE_p_qv_index;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A Quiver index: vectors of {@code dim} floats under 64-bit keys, searchable by nearest
 * neighbour. Close it (try-with-resources) to release its native memory.
 *
 * <p>Keys are Java longs carrying the 64 bits of Quiver's unsigned keys: a key of 2^63 or more
 * reads as a negative long. Print or parse such keys with {@link Long#toUnsignedString(long)} and
 * {@link Long#parseUnsignedLong(String)}, and compare them with {@link Long#compareUnsigned}.
 * Vectors are float arrays of exactly {@link #dim()} floats; batches are row-major ({@code n * dim}
 * floats).
 *
 * <p>Thread-safety: as the C API. Searches, gets and counts may run from any number of threads at
 * once, also alongside add, addBatch, upsert and remove. {@link #close()} must not run concurrently
 * with any other call on the index.
 */
public final class Index implements AutoCloseable {
  private SWIGTYPE_p_qv_index handle;
  private final int dim;
  private final Object textLock = new Object();
  private Embedder embedder; // the attached embedder, kept alive while attached; guarded by textLock

  private Index(SWIGTYPE_p_qv_index handle) {
    this.handle = handle;
    this.dim = QuiverNative.qvs_index_dim(handle);
  }

  /**
   * Creates an empty index.
   *
   * @throws QuiverException INVALID_ARGUMENT (dim outside 1..65536, hnswM outside 2..256, B1
   *     storage under L2), OUT_OF_MEMORY
   */
  public static Index create(IndexOptions options) {
    if (options == null) throw new QuiverException(Status.INVALID_ARGUMENT, "options is null");
    Metric metric = options.metric == null ? Metric.L2 : options.metric;
    Storage storage = options.storage == null ? Storage.F32 : options.storage;
    if (storage == Storage.B1 && metric == Metric.L2) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          "Storage.B1 keeps only the signs of the elements, which say nothing of L2 distances; use"
              + " it with Metric.COSINE or Metric.IP, or use Storage.I8 for L2");
    }
    // Checked here so that the messages name the options as Java spells them
    // (the library checks them too, for HNSW only, naming them hnsw_m ...).
    boolean hnsw = options.kind == null || options.kind == IndexKind.HNSW;
    if (hnsw && options.hnswM != null && (options.hnswM < 2 || options.hnswM > 256)) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          "hnswM is " + options.hnswM + "; it must be between 2 and 256 (16 is a good default)");
    }
    if (hnsw && options.hnswEfConstruction != null && options.hnswEfConstruction < 1) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          "hnswEfConstruction is "
              + options.hnswEfConstruction
              + "; it must be at least 1 (200 is a good default)");
    }
    if (hnsw && options.hnswEfSearch != null && options.hnswEfSearch < 1) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          "hnswEfSearch is " + options.hnswEfSearch + "; it must be at least 1 (64 is a good default)");
    }
    QvIndexConfig c = new QvIndexConfig();
    try {
      c.setDim(options.dim);
      if (options.metric != null) c.setMetric(options.metric.code);
      if (options.kind != null) c.setKind(options.kind.code);
      if (options.hnswM != null) c.setHnsw_m(options.hnswM);
      if (options.hnswEfConstruction != null) c.setHnsw_ef_construction(options.hnswEfConstruction);
      if (options.hnswEfSearch != null) c.setHnsw_ef_search(options.hnswEfSearch);
      if (options.seed != null) c.setSeed(options.seed);
      if (options.threads != null) c.setThreads(options.threads);
      if (options.storage != null) c.setStorage(options.storage.code);
      if (options.keepOriginals != null) c.setKeep_originals(options.keepOriginals);
      SWIGTYPE_p_qv_index h = QuiverNative.qvs_index_create(c);
      if (h == null) throw error(QuiverNative.qvs_last_status());
      return new Index(h);
    } finally {
      c.delete();
    }
  }

  /**
   * Opens an index written by {@link #save}, checking every checksum and value first. MMAP gives a
   * read-only index searched in place (its mutations fail with UNSUPPORTED).
   *
   * @throws QuiverException NOT_FOUND (no file), CORRUPT (not an index or damaged: the message names
   *     the section), UNSUPPORTED (a newer format), IO, OUT_OF_MEMORY
   */
  public static Index open(String path, OpenMode mode) {
    if (mode == null) throw new QuiverException(Status.INVALID_ARGUMENT, "mode is null");
    return open(path, new OpenOptions().mode(mode));
  }

  public static Index open(Path path, OpenMode mode) {
    return open(path.toString(), mode);
  }

  /**
   * Opens an index with options: {@code verify(VerifyMode.DEFERRED)} with MMAP opens a trusted file
   * without reading its vectors; call {@link #verify()} later. Errors: as {@link #open(String,
   * OpenMode)}.
   */
  public static Index open(String path, OpenOptions options) {
    if (path == null) throw new QuiverException(Status.INVALID_ARGUMENT, "path is null");
    if (options == null) options = new OpenOptions();
    QvOpenConfig c = new QvOpenConfig();
    try {
      c.setMode(options.mode.code);
      c.setVerify(options.verify.code);
      c.setThreads(options.threads);
      SWIGTYPE_p_qv_index h = QuiverNative.qvs_index_open_with_options(path, c);
      if (h == null) throw error(QuiverNative.qvs_last_status());
      return new Index(h);
    } finally {
      c.delete();
    }
  }

  public static Index open(Path path, OpenOptions options) {
    return open(path.toString(), options);
  }

  /**
   * Checks again the file sections an MMAP index searches in place (checksums, then values): the
   * point of {@link VerifyMode#DEFERRED}. An index held in memory has nothing to check. May run
   * alongside searches.
   *
   * @throws QuiverException CORRUPT (the message names the file and the section, or says the file
   *     changed size: close the index, searching it would crash)
   */
  public void verify() {
    check(QuiverNative.qvs_index_verify(live()));
  }

  /**
   * The heap bytes the index holds (codes, originals in memory, graph, keys, metadata); pages of a
   * file opened with MMAP are not counted.
   */
  public long memoryBytes() {
    long[] out = new long[1];
    check(QuiverNative.qvs_index_memory_bytes(live(), out));
    return out[0];
  }

  /** The vector dimension. */
  public int dim() {
    return dim;
  }

  /** Adds one vector under {@code key}; fails with DUPLICATE_KEY when the key is live. */
  public void add(long key, float[] vector) {
    checkVector(vector, "vector");
    check(QuiverNative.qvs_index_add(live(), key, vector));
  }

  /**
   * Adds {@code keys.length} vectors ({@code vectors} row-major, keys.length * dim floats) on all
   * cores. All-or-nothing: a rejected batch adds nothing. An HNSW batch that at least doubles an
   * index of 8 MiB or more ends by renumbering the graph for memory locality.
   */
  public void addBatch(long[] keys, float[] vectors) {
    checkRows(vectors, keys.length, "vectors");
    if (keys.length == 0) return;
    check(QuiverNative.qvs_index_add_batch(live(), keys.length, keys, vectors));
  }

  /**
   * Adds {@code vector} under {@code key}, or replaces the vector {@code key} already has (its
   * metadata stays). A search running alongside finds the key with its old vector or its new one,
   * never both and never neither. Fails as {@link #add} does, except that a live key is no error.
   */
  public void upsert(long key, float[] vector) {
    checkVector(vector, "vector");
    check(QuiverNative.qvs_index_upsert(live(), key, vector));
  }

  /** Removes the vector under {@code key}; fails with NOT_FOUND when there is none. */
  public void remove(long key) {
    check(QuiverNative.qvs_index_remove(live(), key));
  }

  /** The number of live vectors. */
  public long count() {
    long[] out = new long[1];
    check(QuiverNative.qvs_index_count(live(), out));
    return out[0];
  }

  /** A copy of the vector stored under {@code key}; fails with NOT_FOUND. */
  public float[] get(long key) {
    float[] out = new float[dim];
    check(QuiverNative.qvs_index_get(live(), key, out));
    return out;
  }

  /** The k nearest vectors to {@code query}, nearest first. */
  public List<Hit> search(float[] query, int k) {
    return search(query, k, null);
  }

  /** The k nearest vectors to {@code query} that pass the options' filter, nearest first. */
  public List<Hit> search(float[] query, int k, SearchOptions options) {
    checkVector(query, "query");
    checkK(k);
    long[] keys = new long[k];
    float[] dist = new float[k];
    long[] found = new long[1];
    FilterBridge bridge = bridge(options);
    try {
      int s =
          QuiverNative.qvs_index_search(
              live(),
              query,
              k,
              options == null ? 0 : options.ef,
              options == null ? 0 : options.rerank,
              bridge,
              keys,
              dist,
              found);
      if (bridge != null) bridge.rethrow();
      check(s);
    } finally {
      if (bridge != null) bridge.delete();
    }
    List<Hit> hits = new ArrayList<>((int) found[0]);
    for (int i = 0; i < found[0]; i++) hits.add(new Hit(keys[i], dist[i]));
    return hits;
  }

  /** Searches {@code queries.length / dim} queries (row-major) in parallel. */
  public List<List<Hit>> searchBatch(float[] queries, int k) {
    return searchBatch(queries, k, null);
  }

  /** Searches {@code queries.length / dim} queries (row-major) in parallel. */
  public List<List<Hit>> searchBatch(float[] queries, int k, SearchOptions options) {
    if (queries.length % dim != 0) {
      throw new QuiverException(
          Status.DIMENSION_MISMATCH,
          "queries has "
              + queries.length
              + " floats, which is not a multiple of the index dim "
              + dim
              + "; pass nq * dim floats, row-major");
    }
    checkK(k);
    int nq = queries.length / dim;
    long[] keys = new long[nq * k];
    float[] dist = new float[nq * k];
    long[] found = new long[nq];
    FilterBridge bridge = bridge(options);
    try {
      int s =
          QuiverNative.qvs_index_search_batch(
              live(),
              nq,
              queries,
              k,
              options == null ? 0 : options.ef,
              options == null ? 0 : options.rerank,
              bridge,
              options == null ? 0 : options.threads,
              keys,
              dist,
              found);
      if (bridge != null) bridge.rethrow();
      check(s);
    } finally {
      if (bridge != null) bridge.delete();
    }
    List<List<Hit>> all = new ArrayList<>(nq);
    for (int q = 0; q < nq; q++) {
      List<Hit> hits = new ArrayList<>((int) found[q]);
      for (int i = 0; i < found[q]; i++) hits.add(new Hit(keys[q * k + i], dist[q * k + i]));
      all.add(hits);
    }
    return all;
  }

  /** Saves crash-safely to {@code path} with the default options. */
  public void save(String path) {
    check(QuiverNative.qvs_index_save(live(), path, null));
  }

  public void save(Path path) {
    save(path.toString());
  }

  /** Saves crash-safely to {@code path}. */
  public void save(String path, SaveOptions options) {
    QvSaveConfig c = new QvSaveConfig();
    try {
      if (options.compressVectors != null) c.setCompress_vectors(options.compressVectors);
      if (options.compressGraph != null) c.setCompress_graph(options.compressGraph);
      if (options.zstdLevel != null) c.setZstd_level(options.zstdLevel);
      check(QuiverNative.qvs_index_save(live(), path, c));
    } finally {
      c.delete();
    }
  }

  /** Writes the live vectors and their keys as .npy files (float32 (n, dim), uint64 (n,)). */
  public void exportNpy(String vectorsPath, String keysPath) {
    check(QuiverNative.qvs_index_export_npy(live(), vectorsPath, keysPath));
  }

  /** Adds the vectors of a .npy file; keys from a .npy file, or 0..n-1 when keysPath is null. */
  public void importNpy(String vectorsPath, String keysPath) {
    check(QuiverNative.qvs_index_import_npy(live(), vectorsPath, keysPath));
  }

  /** Attaches bytes to the live vector under {@code key}; empty removes the metadata. */
  public void setMetadata(long key, byte[] data) {
    check(QuiverNative.qvs_index_set_metadata(live(), key, data, data.length));
  }

  /** Attaches a string (stored as UTF-8) to the live vector under {@code key}. */
  public void setMetadata(long key, String text) {
    setMetadata(key, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A copy of the metadata of {@code key}; fails with NOT_FOUND when it has none. */
  public byte[] getMetadata(long key) {
    QvBytes b = new QvBytes();
    try {
      check(QuiverNative.qvs_index_get_metadata(live(), key, b));
      byte[] out = new byte[(int) b.size()];
      b.copy_to(out);
      return out;
    } finally {
      b.delete();
    }
  }

  /** The metadata of {@code key} decoded as UTF-8. */
  public String getMetadataString(long key) {
    return new String(getMetadata(key), StandardCharsets.UTF_8);
  }

  /**
   * Rebuilds the index without its removed vectors and renumbers an HNSW graph for memory locality
   * (no result changes). Must not run alongside other calls.
   */
  public void compact() {
    check(QuiverNative.qvs_index_compact(live()));
  }

  /** A description of the index. */
  public IndexInfo info() {
    QvIndexInfo i = new QvIndexInfo();
    try {
      check(QuiverNative.qvs_index_get_info(live(), i));
      return new IndexInfo(
          IndexKind.fromCode(i.getKind()),
          Metric.fromCode(i.getMetric()),
          i.getDim(),
          i.getCount(),
          i.getDeleted(),
          i.getMetadata_count(),
          i.getHnsw_m(),
          i.getHnsw_ef_construction(),
          i.getHnsw_ef_search(),
          i.getSeed(),
          i.getRead_only(),
          Storage.fromCode(i.getStorage()),
          i.getKeeps_originals());
    } finally {
      i.delete();
    }
  }

  // --- text ------------------------------------------------------------------

  /** The largest document key: 2^48 - 1 (a chunk key keeps 16 bits for the chunk's number). */
  public static final long MAX_DOC_KEY = (1L << 48) - 1;

  /** The key of chunk {@code n} of document {@code docKey}: {@code (docKey << 16) | n}. */
  public static long chunkKey(long docKey, int n) {
    return (docKey << 16) | (n & 0xFFFFL);
  }

  /** The document a chunk key belongs to. */
  public static long docKey(long chunkKey) {
    return chunkKey >>> 16;
  }

  /**
   * Attaches the embedder that turns text into vectors for this index (null detaches). The index
   * keeps the embedder, and a callback embedder's Java function, alive until it is closed or given
   * another one: closing the Embedder right after this call is fine. Not saved with the index:
   * attach it again after {@link #open}. Fails with DIMENSION_MISMATCH when the dims differ.
   */
  public void setEmbedder(Embedder e) {
    SWIGTYPE_p_qv_index h = live();
    synchronized (textLock) {
      if (e == null) {
        check(QuiverNative.qvs_index_set_embedder(h, null));
      } else {
        e.attachTo(h);
      }
      Embedder old = embedder;
      embedder = e;
      if (old != null) old.release();
    }
  }

  /** Sets how later {@link #addText} calls chunk documents (null = the defaults). */
  public void setTextOptions(TextOptions options) {
    SWIGTYPE_p_qv_index h = live();
    if (options == null) {
      check(QuiverNative.qvs_index_set_text_options(h, null));
      return;
    }
    QvTextConfig c = options.toNative();
    try {
      check(QuiverNative.qvs_index_set_text_options(h, c));
    } finally {
      c.delete();
    }
  }

  /**
   * Adds a document: splits it into chunks, embeds them and stores each under {@link
   * #chunkKey}(docKey, n) with its text as metadata. docKey must be below 2^48.
   */
  public void addText(long docKey, String text) {
    addTexts(new long[] {docKey}, List.of(text));
  }

  /** Adds documents texts[i] under docKeys[i], embedded in one call; all or nothing. */
  public void addTexts(long[] docKeys, List<String> texts) {
    if (docKeys.length != texts.size()) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          docKeys.length + " keys for " + texts.size() + " texts; pass one key per text");
    }
    if (docKeys.length == 0) return;
    SWIGTYPE_p_qv_index h = live();
    QvTexts t = new QvTexts();
    try {
      for (int i = 0; i < docKeys.length; i++) {
        byte[] b = textBytes(texts.get(i), "text " + i);
        t.add(b, b.length);
      }
      withEmbedder(() -> check(QuiverNative.qvs_index_add_texts(h, docKeys, t)));
    } finally {
      t.delete();
    }
  }

  /** Removes every chunk of a document; fails with NOT_FOUND when it is not in the index. */
  public void removeText(long docKey) {
    check(QuiverNative.qvs_index_remove_text(live(), docKey));
  }

  // --- documents -------------------------------------------------------------

  /**
   * Adds the document, or replaces it if it is in the index, with no source and no fields. See
   * {@link #upsertText(long, String, String, String)}.
   */
  public void upsertText(long docKey, String text) {
    upsertText(docKey, text, null, null);
  }

  /**
   * Adds the document, or replaces it if it is already in the index: chunks and embeds {@code text}
   * as {@link #addText} does and records {@code source} (a path or URI, at most 8192 bytes of
   * UTF-8) and {@code fields} (any text of yours, e.g. JSON, at most 1 MiB of UTF-8) in the
   * document's entry; null means none (""). The replacement is atomic for text searches: a search
   * that overlaps it finds the old version or the new one, never a mix and never neither. After an
   * upsert a document's chunk numbers no longer start at 0: list them with {@link
   * #documentChunks}. On failure the document is as it was.
   *
   * @throws QuiverException INVALID_ARGUMENT (text null, empty or whitespace only, or holding a NUL
   *     character; source or fields too long or holding a NUL character; docKey above 2^48 - 1; no
   *     embedder attached; the old and the new version together above 65536 chunks), UNSUPPORTED
   *     (read-only index), EMBEDDING (the embedder failed), OUT_OF_MEMORY
   */
  public void upsertText(long docKey, String text, String source, String fields) {
    byte[] t = textBytes(text, "text");
    byte[] s = source == null ? null : textBytes(source, "source");
    byte[] f = fields == null ? null : textBytes(fields, "fields");
    SWIGTYPE_p_qv_index h = live();
    withEmbedder(
        () ->
            check(
                QuiverNative.qvs_index_upsert_text(
                    h, docKey, t, t.length, s, s == null ? 0 : s.length, f,
                    f == null ? 0 : f.length)));
  }

  /**
   * The chunk keys of a document's current version, in text order; each key's metadata is the
   * chunk's text ({@link #getMetadataString}).
   *
   * @throws QuiverException NOT_FOUND (no such document), INVALID_ARGUMENT (docKey above 2^48 - 1)
   */
  public long[] documentChunks(long docKey) {
    SWIGTYPE_p_qv_index h = live();
    long[] keys = new long[16];
    long[] count = new long[1];
    while (true) {
      check(QuiverNative.qvs_index_document_chunks(h, docKey, keys, keys.length, count));
      // An upsert running alongside may have made the document longer: ask again with room.
      if (count[0] <= keys.length) return Arrays.copyOf(keys, (int) count[0]);
      keys = new long[(int) count[0]];
    }
  }

  /**
   * A document's source and fields (copied: they stay valid whatever happens to the document).
   * Documents added with {@link #addText} have an entry with neither ("" and "").
   *
   * @throws QuiverException NOT_FOUND (no such document, or one added by an older version of the
   *     library and not upserted since), INVALID_ARGUMENT (docKey above 2^48 - 1)
   */
  public Document getDocument(long docKey) {
    QvBytes source = new QvBytes();
    QvBytes fields = new QvBytes();
    try {
      check(QuiverNative.qvs_index_get_document(live(), docKey, source, fields));
      return new Document(utf8(source), utf8(fields));
    } finally {
      source.delete();
      fields.delete();
    }
  }

  /**
   * The keys of every document in the document table, ascending (read in pages of 1024; a document
   * added or removed meanwhile may or may not be listed). Documents of an older file are listed
   * once upserted.
   */
  public long[] listDocuments() {
    SWIGTYPE_p_qv_index h = live();
    final int page = 1024;
    long[] buf = new long[page];
    long[] found = new long[1];
    long[] out = new long[0];
    long next = 0;
    while (true) {
      check(QuiverNative.qvs_index_list_documents(h, next, buf, page, found));
      int n = (int) found[0];
      int at = out.length;
      out = Arrays.copyOf(out, at + n);
      System.arraycopy(buf, 0, out, at, n);
      if (n < page) return out;
      next = buf[n - 1] + 1;
    }
  }

  /** The number of documents in the document table (those {@link #listDocuments} lists). */
  public long documentCount() {
    long[] out = new long[1];
    check(QuiverNative.qvs_index_document_count(live(), out));
    return out[0];
  }

  /** UTF-8 bytes from the raw layer as a String (invalid bytes become U+FFFD). */
  private static String utf8(QvBytes b) {
    byte[] out = new byte[(int) b.size()];
    b.copy_to(out);
    return new String(out, StandardCharsets.UTF_8);
  }

  /** The k documents nearest to {@code query}, each with its best chunk, nearest first. */
  public List<TextHit> searchText(String query, int k) {
    return searchText(query, k, null);
  }

  /**
   * The k documents nearest to {@code query}, each with its best chunk, nearest first. The
   * options' filter is called with chunk keys ({@link #docKey} gives the document).
   */
  public List<TextHit> searchText(String query, int k, SearchOptions options) {
    return searchTextImpl(query, k, options, false);
  }

  /** The k chunks nearest to {@code query} (several may belong to one document). */
  public List<TextHit> searchTextChunks(String query, int k) {
    return searchTextChunks(query, k, null);
  }

  public List<TextHit> searchTextChunks(String query, int k, SearchOptions options) {
    return searchTextImpl(query, k, options, true);
  }

  private List<TextHit> searchTextImpl(String query, int k, SearchOptions options, boolean chunks) {
    byte[] q = textBytes(query, "the query");
    checkK(k);
    SWIGTYPE_p_qv_index h = live();
    long[] keys = new long[k];
    long[] chunkKeys = new long[k];
    float[] dist = new float[k];
    long[] found = new long[1];
    FilterBridge bridge = bridge(options);
    int ef = options == null ? 0 : options.ef;
    long rerank = options == null ? 0 : options.rerank;
    try {
      withEmbedder(
          () -> {
            int s =
                chunks
                    ? QuiverNative.qvs_index_search_text_chunks(
                        h, q, q.length, k, ef, rerank, bridge, chunkKeys, dist, found)
                    : QuiverNative.qvs_index_search_text(
                        h, q, q.length, k, ef, rerank, bridge, keys, chunkKeys, dist, found);
            if (bridge != null) bridge.rethrow();
            check(s);
          });
    } finally {
      if (bridge != null) bridge.delete();
    }
    List<TextHit> hits = new ArrayList<>((int) found[0]);
    Map<Long, String> sources = new HashMap<>();
    for (int i = 0; i < found[0]; i++) {
      long doc = chunks ? docKey(chunkKeys[i]) : keys[i];
      hits.add(
          new TextHit(doc, chunkKeys[i], dist[i], passage(chunkKeys[i]), source(h, doc, sources)));
    }
    return hits;
  }

  /**
   * Keyword search (BM25) over every key's metadata read as text: up to k keys (chunk keys for text
   * added with {@link #addText}) whose text best matches the words of {@code query}, highest score
   * first. Words are Unicode letters and digits, case and accents folded; a query without words
   * finds nothing. No embedder is needed.
   */
  public List<KeywordHit> searchKeywords(String query, int k) {
    return searchKeywords(query, k, null);
  }

  /** As {@link #searchKeywords(String, int)}; the options' filter applies (ef and rerank do not). */
  public List<KeywordHit> searchKeywords(String query, int k, SearchOptions options) {
    byte[] q = textBytes(query, "the query");
    checkK(k);
    SWIGTYPE_p_qv_index h = live();
    long[] keys = new long[k];
    float[] scores = new float[k];
    long[] found = new long[1];
    FilterBridge bridge = bridge(options);
    try {
      int s =
          QuiverNative.qvs_index_search_keywords(h, q, q.length, k, bridge, keys, scores, found);
      if (bridge != null) bridge.rethrow();
      check(s);
    } finally {
      if (bridge != null) bridge.delete();
    }
    List<KeywordHit> hits = new ArrayList<>((int) found[0]);
    for (int i = 0; i < found[0]; i++) hits.add(new KeywordHit(keys[i], scores[i]));
    return hits;
  }

  /**
   * Hybrid search for documents: reciprocal rank fusion of {@link #searchText} (meaning, through
   * the embedder) and {@link #searchKeywords} (exact words: names, codes), each document with its
   * best chunk, highest score first. Needs an embedder (INVALID_ARGUMENT without).
   */
  public List<HybridHit> searchHybrid(String query, int k) {
    return searchHybrid(query, k, null);
  }

  /**
   * As {@link #searchHybrid(String, int)}; ef applies as in searchText, the filter is called
   * with chunk keys, in both rankings, and keywordWeight weighs the keyword ranking
   * (INVALID_ARGUMENT when negative, not finite or above 1000).
   */
  public List<HybridHit> searchHybrid(String query, int k, SearchOptions options) {
    byte[] q = textBytes(query, "the query");
    checkK(k);
    SWIGTYPE_p_qv_index h = live();
    long[] docs = new long[k];
    long[] chunkKeys = new long[k];
    float[] scores = new float[k];
    long[] found = new long[1];
    FilterBridge bridge = bridge(options);
    int ef = options == null ? 0 : options.ef;
    float keywordWeight = options == null ? 0 : options.keywordWeight;
    try {
      withEmbedder(
          () -> {
            int s =
                QuiverNative.qvs_index_search_hybrid(
                    h, q, q.length, k, ef, keywordWeight, bridge, docs, chunkKeys, scores, found);
            if (bridge != null) bridge.rethrow();
            check(s);
          });
    } finally {
      if (bridge != null) bridge.delete();
    }
    List<HybridHit> hits = new ArrayList<>((int) found[0]);
    Map<Long, String> sources = new HashMap<>();
    for (int i = 0; i < found[0]; i++) {
      hits.add(
          new HybridHit(
              docs[i], chunkKeys[i], scores[i], passage(chunkKeys[i]), source(h, docs[i], sources)));
    }
    return hits;
  }

  /**
   * A document's source for a search hit, looked up once per document of one search: "" when it
   * has none, null when the document has no entry (an older file's, or removed since the search).
   */
  private static String source(SWIGTYPE_p_qv_index h, long docKey, Map<Long, String> seen) {
    if (seen.containsKey(docKey)) return seen.get(docKey);
    QvBytes b = new QvBytes();
    try {
      int s = QuiverNative.qvs_index_get_document(h, docKey, b, null);
      String source = null;
      if (s == Status.OK.code()) {
        source = utf8(b);
      } else if (s != Status.NOT_FOUND.code()) {
        throw error(s);
      }
      seen.put(docKey, source);
      return source;
    } finally {
      b.delete();
    }
  }

  /** A chunk's text, or null when the chunk is gone (removed since the search). */
  private String passage(long chunkKey) {
    try {
      return getMetadataString(chunkKey);
    } catch (QuiverException e) {
      if (e.status() == Status.NOT_FOUND) return null;
      throw e;
    }
  }

  /** Runs a text call with the attached embedder (if any) counted as in use. */
  private void withEmbedder(Runnable call) {
    Embedder e;
    synchronized (textLock) {
      e = embedder;
      if (e != null) e.acquire();
    }
    try {
      call.run();
    } finally {
      if (e != null) e.release();
    }
  }

  /** UTF-8 bytes of a text for the C API, which reads texts up to a NUL byte. */
  private static byte[] textBytes(String text, String what) {
    if (text == null) throw new QuiverException(Status.INVALID_ARGUMENT, what + " is null");
    if (text.indexOf('\0') >= 0) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          what + " contains a NUL character (U+0000); remove it: text is stored as C strings");
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Releases the native index. Safe to call twice. An embedder attached to it is released too (it
   * stays usable if its own handle is open).
   */
  @Override
  public void close() {
    if (handle != null) {
      QuiverNative.qvs_index_free(handle);
      handle = null;
      synchronized (textLock) {
        if (embedder != null) embedder.release();
        embedder = null;
      }
    }
  }

  // --- internals -----------------------------------------------------------

  private SWIGTYPE_p_qv_index live() {
    if (handle == null) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "the index is closed; open or create a new one");
    }
    return handle;
  }

  static void check(int status) {
    if (status != 0) throw error(status);
  }

  static QuiverException error(int status) {
    return new QuiverException(Status.fromCode(status), status, QuiverNative.qv_last_error());
  }

  private void checkVector(float[] v, String what) {
    if (v == null) throw new QuiverException(Status.INVALID_ARGUMENT, what + " is null");
    if (v.length != dim) {
      throw new QuiverException(
          Status.DIMENSION_MISMATCH,
          what
              + " has "
              + v.length
              + " floats but the index has dim "
              + dim
              + "; pass exactly dim floats");
    }
  }

  private void checkRows(float[] v, int rows, String what) {
    if (v == null) throw new QuiverException(Status.INVALID_ARGUMENT, what + " is null");
    if ((long) rows * dim != v.length) {
      throw new QuiverException(
          Status.DIMENSION_MISMATCH,
          what
              + " has "
              + v.length
              + " floats but "
              + rows
              + " keys x dim "
              + dim
              + " need "
              + ((long) rows * dim)
              + "; pass n * dim floats, row-major");
    }
  }

  private static void checkK(int k) {
    if (k < 0) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "k is " + k + "; ask for at least one neighbour");
    }
  }

  private static FilterBridge bridge(SearchOptions options) {
    return options == null || options.filter == null ? null : new FilterBridge(options.filter);
  }

  /** Runs a LongPredicate as the native filter; keeps its first exception for the caller. */
  private static final class FilterBridge extends QvFilter {
    private final LongPredicate predicate;
    private volatile Throwable failure;

    FilterBridge(LongPredicate predicate) {
      this.predicate = predicate;
    }

    @Override
    public boolean keep(long key) {
      if (failure != null) return false;
      try {
        return predicate.test(key);
      } catch (Throwable t) {
        synchronized (this) {
          if (failure == null) failure = t;
        }
        return false;
      }
    }

    void rethrow() {
      Throwable t = failure;
      if (t == null) return;
      if (t instanceof RuntimeException) throw (RuntimeException) t;
      if (t instanceof Error) throw (Error) t;
      throw new RuntimeException("search filter failed", t);
    }
  }
}
