package io.quiver;

/** The search structure: FLAT = exact scan, HNSW = approximate graph search. */
public enum IndexKind {
  FLAT(1),
  HNSW(2);

  final int code;

  IndexKind(int code) {
    this.code = code;
  }

  static IndexKind fromCode(int code) {
    for (IndexKind k : values()) {
      if (k.code == code) return k;
    }
    throw new IllegalArgumentException("unknown index kind " + code);
  }
}
