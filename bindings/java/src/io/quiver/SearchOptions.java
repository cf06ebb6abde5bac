package io.quiver;

import java.util.function.LongPredicate;

/**
 * Per-search options: HNSW candidate list size, a key filter and (for batches) the thread count.
 *
 * <p>The filter is called from Quiver's searching threads, concurrently for batch searches: it must
 * be thread-safe and must not call back into the same index. If it throws, the search returns
 * nothing and the exception is rethrown to the caller.
 */
public final class SearchOptions {
  int ef;
  LongPredicate filter;
  int threads;
  long rerank;
  float keywordWeight;

  public SearchOptions() {}

  /** HNSW candidate list size; 0 = the index default. */
  public SearchOptions ef(int ef) {
    this.ef = ef;
    return this;
  }

  /** Only keys for which {@code filter.test(key)} is true are returned. */
  public SearchOptions filter(LongPredicate filter) {
    this.filter = filter;
    return this;
  }

  /**
   * I8 and B1 with originals: how many of the best candidates on the codes are re-ranked on the
   * float32 originals. 0 (default): HNSW all the graph search found (ef); FLAT 4 k (at least 40)
   * for I8, 20 k (at least 200) for B1. Raised to k when smaller. Ignored by F32 and F16.
   */
  public SearchOptions rerank(long rerank) {
    if (rerank < 0) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "rerank is " + rerank + "; use 0 (all candidates) or more");
    }
    this.rerank = rerank;
    return this;
  }

  /**
   * {@link Index#searchHybrid} only: the weight of the keyword ranking against the meaning
   * ranking's 1 in the fused score (1 / (60 + meaning rank) + keywordWeight / (60 + keyword
   * rank)). 0 (default) = 1, equal weights; 2 counts exact words twice as much, 0.5 half. Finite,
   * 0 to 1000: searchHybrid throws INVALID_ARGUMENT otherwise.
   */
  public SearchOptions keywordWeight(float keywordWeight) {
    this.keywordWeight = keywordWeight;
    return this;
  }

  /** Threads for batch searches; 0 = all cores. */
  public SearchOptions threads(int threads) {
    this.threads = threads;
    return this;
  }
}
