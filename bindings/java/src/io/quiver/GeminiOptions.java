package io.quiver;

/**
 * Options for {@link Embedder#gemini}; unset fields keep the library defaults (API key from
 * GEMINI_API_KEY, model gemini-embedding-001, 768 dimensions, 100 requests per minute ...).
 */
public final class GeminiOptions {
  String apiKey;
  String baseUrl;
  String model;
  Integer outputDim;
  Integer batchSize;
  Integer requestsPerMinute;
  Integer maxRetries;
  Integer timeoutMs;
  Integer connectTimeoutMs;
  Integer maxConcurrentRequests;
  Integer initialBackoffMs;
  Integer maxBackoffMs;
  Integer maxRetryDelayMs;

  public GeminiOptions apiKey(String v) {
    apiKey = v;
    return this;
  }

  public GeminiOptions baseUrl(String v) {
    baseUrl = v;
    return this;
  }

  public GeminiOptions model(String v) {
    model = v;
    return this;
  }

  public GeminiOptions outputDim(int v) {
    outputDim = v;
    return this;
  }

  public GeminiOptions batchSize(int v) {
    batchSize = v;
    return this;
  }

  public GeminiOptions requestsPerMinute(int v) {
    requestsPerMinute = v;
    return this;
  }

  public GeminiOptions maxRetries(int v) {
    maxRetries = v;
    return this;
  }

  public GeminiOptions timeoutMs(int v) {
    timeoutMs = v;
    return this;
  }

  public GeminiOptions connectTimeoutMs(int v) {
    connectTimeoutMs = v;
    return this;
  }

  public GeminiOptions maxConcurrentRequests(int v) {
    maxConcurrentRequests = v;
    return this;
  }

  /** First retry delay (doubling, with jitter); default 1000. */
  public GeminiOptions initialBackoffMs(int v) {
    initialBackoffMs = v;
    return this;
  }

  /** Cap of the retry delay; default 30000. */
  public GeminiOptions maxBackoffMs(int v) {
    maxBackoffMs = v;
    return this;
  }

  /** Longest server-requested retry delay honoured. */
  public GeminiOptions maxRetryDelayMs(int v) {
    maxRetryDelayMs = v;
    return this;
  }
}
