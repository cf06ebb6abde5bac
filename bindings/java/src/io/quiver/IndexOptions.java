package io.quiver;

/**
 * Options for {@link Index#create}. Only {@link #dim} is required; every option left unset keeps the
 * library's default (HNSW, L2, M = 16, ef_construction = 200, ef_search = 64, seed = 42, all cores,
 * F32 storage, originals kept).
 */
public final class IndexOptions {
  int dim;
  Metric metric;
  IndexKind kind;
  Integer hnswM;
  Integer hnswEfConstruction;
  Integer hnswEfSearch;
  Long seed;
  Integer threads;
  Storage storage;
  Boolean keepOriginals;

  public IndexOptions(int dim) {
    this.dim = dim;
  }

  public IndexOptions metric(Metric metric) {
    this.metric = metric;
    return this;
  }

  public IndexOptions kind(IndexKind kind) {
    this.kind = kind;
    return this;
  }

  public IndexOptions hnswM(int m) {
    this.hnswM = m;
    return this;
  }

  public IndexOptions hnswEfConstruction(int ef) {
    this.hnswEfConstruction = ef;
    return this;
  }

  public IndexOptions hnswEfSearch(int ef) {
    this.hnswEfSearch = ef;
    return this;
  }

  public IndexOptions seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** Threads for batch calls; 0 = all cores. */
  public IndexOptions threads(int threads) {
    this.threads = threads;
    return this;
  }

  /** How vectors are stored (default F32); see {@link Storage}. */
  public IndexOptions storage(Storage storage) {
    this.storage = storage;
    return this;
  }

  /**
   * I8 and B1: true (default) keeps the float32 originals for exact re-ranking, distances and
   * {@link Index#get}; false keeps only the codes (smaller; distances are the codes' estimates and
   * get returns decoded codes). Ignored by F32 and F16.
   */
  public IndexOptions keepOriginals(boolean keep) {
    this.keepOriginals = keep;
    return this;
  }
}
