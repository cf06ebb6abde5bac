package io.quiver;

import io.quiver.internal.QuiverNative;
import io.quiver.internal.QvEmbedBatch;
import io.quiver.internal.QvEmbedFunction;
import io.quiver.internal.QvGeminiConfig;
import io.quiver.internal.QvTexts;
import io.quiver.internal.SWIGTYPE_p_qv_embedder;
import io.quiver.internal.SWIGTYPE_p_qv_index;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into vectors of {@link #dim()} floats: the offline hashing embedder, Google's Gemini
 * API, or a Java function of your own (e.g. a local model). Close it to release native memory.
 *
 * <p>Thread-safety: {@link #embed} may be called from any number of threads at once; a callback
 * embedder's function is never called from two threads at once.
 */
public final class Embedder implements AutoCloseable {
  /** What a text is for: stored documents or search queries (asymmetric models embed them differently). */
  public enum Task {
    DOCUMENT(1),
    QUERY(2);

    final int code;

    Task(int code) {
      this.code = code;
    }
  }

  /**
   * A Java embedding function: one vector of dim floats per text, in order. Called for documents
   * and queries alike (the C callback is not told which).
   */
  @FunctionalInterface
  public interface Function {
    float[][] embed(List<String> texts) throws Exception;
  }

  private SWIGTYPE_p_qv_embedder handle; // guarded by this
  private final int dim;
  // The Java side of a callback embedder. An index that holds this embedder
  // (Index.setEmbedder) keeps the native embedder alive after close(), and the
  // native embedder calls the bridge: it is deleted only once the embedder is
  // closed and no index holds it and no text call of an index is using it.
  private Bridge bridge; // guarded by this
  private int users; // indexes holding this embedder + their text calls in flight; guarded by this

  private Embedder(SWIGTYPE_p_qv_embedder handle, Bridge bridge) {
    this.handle = handle;
    this.bridge = bridge;
    this.dim = QuiverNative.qvs_embedder_dim(handle);
  }

  /**
   * The offline embedder: feature hashing of words and character n-grams, L2-normalised. Fast and
   * deterministic, no model, no network; matches shared words and spellings, not meaning.
   */
  public static Embedder hashing(int dim) {
    SWIGTYPE_p_qv_embedder h = QuiverNative.qvs_embedder_create_hashing(dim);
    if (h == null) throw Index.error(QuiverNative.qvs_last_status());
    return new Embedder(h, null);
  }

  /**
   * An embedder over a Java function. An exception thrown by the function fails the embed call
   * with status EMBEDDING and the exception's message.
   */
  public static Embedder callback(int dim, Function function) {
    Bridge b = new Bridge(function);
    SWIGTYPE_p_qv_embedder h = QuiverNative.qvs_embedder_create_callback(dim, b);
    if (h == null) {
      int status = QuiverNative.qvs_last_status();
      b.delete();
      throw Index.error(status);
    }
    return new Embedder(h, b);
  }

  /** An embedder over Google's Gemini embedding API (makes no network call until used). */
  public static Embedder gemini(GeminiOptions options) {
    QvGeminiConfig c = new QvGeminiConfig();
    try {
      if (options.apiKey != null) c.set_api_key(options.apiKey);
      if (options.baseUrl != null) c.set_base_url(options.baseUrl);
      if (options.model != null) c.set_model(options.model);
      if (options.outputDim != null) c.setOutput_dim(options.outputDim);
      if (options.batchSize != null) c.setBatch_size(options.batchSize);
      if (options.requestsPerMinute != null) c.setRequests_per_minute(options.requestsPerMinute);
      if (options.maxRetries != null) c.setMax_retries(options.maxRetries);
      if (options.timeoutMs != null) c.setTimeout_ms(options.timeoutMs);
      if (options.connectTimeoutMs != null) c.setConnect_timeout_ms(options.connectTimeoutMs);
      if (options.maxConcurrentRequests != null)
        c.setMax_concurrent_requests(options.maxConcurrentRequests);
      if (options.initialBackoffMs != null) c.setInitial_backoff_ms(options.initialBackoffMs);
      if (options.maxBackoffMs != null) c.setMax_backoff_ms(options.maxBackoffMs);
      if (options.maxRetryDelayMs != null) c.setMax_retry_delay_ms(options.maxRetryDelayMs);
      SWIGTYPE_p_qv_embedder h = QuiverNative.qvs_embedder_create_gemini(c);
      if (h == null) throw Index.error(QuiverNative.qvs_last_status());
      return new Embedder(h, null);
    } finally {
      c.delete();
    }
  }

  /** The dimension of every vector this embedder produces. */
  public int dim() {
    return dim;
  }

  /** Embeds documents: one vector per text, in order. */
  public float[][] embed(List<String> texts) {
    return embed(texts, Task.DOCUMENT);
  }

  /** Embeds texts for the given task: one vector per text, in order. */
  public float[][] embed(List<String> texts, Task task) {
    SWIGTYPE_p_qv_embedder handle = liveHandle();
    QvTexts t = new QvTexts();
    try {
      for (String s : texts) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.add(b, b.length);
      }
      float[] flat = new float[Math.max(1, texts.size() * dim)];
      Index.check(QuiverNative.qvs_embedder_embed(handle, task.code, t, flat));
      float[][] out = new float[texts.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
      }
      return out;
    } finally {
      t.delete();
    }
  }

  private synchronized SWIGTYPE_p_qv_embedder liveHandle() {
    if (handle == null) {
      throw new QuiverException(Status.INVALID_ARGUMENT, "the embedder is closed");
    }
    return handle;
  }

  /** Embeds one text. */
  public float[] embed(String text, Task task) {
    return embed(List.of(text), task)[0];
  }

  /**
   * Releases the native embedder. Safe to call twice. An index it is attached to keeps using it
   * (and its Java function) until the index is closed or given another embedder.
   */
  @Override
  public synchronized void close() {
    if (handle != null) {
      QuiverNative.qvs_embedder_free(handle);
      handle = null;
      deleteBridgeIfUnused();
    }
  }

  /** Attaches this embedder to a native index and counts the index as a user. */
  synchronized void attachTo(SWIGTYPE_p_qv_index index) {
    if (handle == null) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "the embedder is closed; attach an open embedder");
    }
    Index.check(QuiverNative.qvs_index_set_embedder(index, handle));
    users++;
  }

  /** Counts a user (a text call in flight) that may reach the bridge through an index. */
  synchronized void acquire() {
    users++;
  }

  synchronized void release() {
    users--;
    deleteBridgeIfUnused();
  }

  private void deleteBridgeIfUnused() {
    if (handle == null && users == 0 && bridge != null) {
      bridge.delete();
      bridge = null;
    }
  }

  /** Runs a Function as the native qv_embed_fn (a SWIG director). */
  private static final class Bridge extends QvEmbedFunction {
    private final Function function;

    Bridge(Function function) {
      this.function = function;
    }

    @Override
    public void embed(QvEmbedBatch batch) {
      try {
        int n = (int) batch.size();
        int dim = batch.dim();
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          byte[] b = new byte[(int) batch.text_length(i)];
          if (b.length > 0) batch.copy_text(i, b);
          texts.add(new String(b, StandardCharsets.UTF_8));
        }
        float[][] rows = function.embed(texts);
        if (rows == null || rows.length != n) {
          batch.fail(
              "the embedding function returned "
                  + (rows == null ? "null" : rows.length + " vectors")
                  + " for "
                  + n
                  + " texts; return one vector per text");
          return;
        }
        for (int i = 0; i < n; i++) {
          if (rows[i] == null || rows[i].length != dim) {
            batch.fail(
                "the embedding function returned a vector of "
                    + (rows[i] == null ? 0 : rows[i].length)
                    + " floats for text "
                    + i
                    + "; the embedder has dim "
                    + dim);
            return;
          }
          batch.set(i, rows[i]);
        }
      } catch (Throwable t) {
        String m = t.getMessage();
        batch.fail(t.getClass().getSimpleName() + (m == null ? "" : ": " + m));
      }
    }
  }
}
