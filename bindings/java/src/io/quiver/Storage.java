package io.quiver;

/**
 * How an index stores its vectors ({@code qv_storage}). A lossy type (I8, B1) walks the graph on
 * compact codes, then re-ranks the best candidates on the float32 originals it keeps ({@link
 * IndexOptions#keepOriginals}, {@link SearchOptions#rerank}), so the distances returned are exact.
 * HNSW walks its graph on the codes, FLAT scans them. B1 needs COSINE or IP.
 */
public enum Storage {
  /** float32, exact (the default): 4 bytes per dimension. */
  F32(1),
  /** IEEE half: 2 bytes per dimension; {@link Index#get} returns the half values. */
  F16(2),
  /** int8 scalar quantization, one scale per vector: 1 byte per dimension + 8. */
  I8(3),
  /** One sign bit per dimension (+ 8 bytes); COSINE and IP only. */
  B1(4);

  final int code;

  Storage(int code) {
    this.code = code;
  }

  /** The C value ({@code QV_STORAGE_*}). */
  public int code() {
    return code;
  }

  static Storage fromCode(int code) {
    for (Storage s : values()) {
      if (s.code == code) return s;
    }
    throw new IllegalArgumentException("unknown storage " + code);
  }
}
