package io.quiver;

/** Quiver's result codes ({@code qv_status}); the values are fixed and only ever grow. */
public enum Status {
  OK(0),
  INVALID_ARGUMENT(1),
  DIMENSION_MISMATCH(2),
  NOT_FOUND(3),
  DUPLICATE_KEY(4),
  IO(5),
  CORRUPT(6),
  UNSUPPORTED(7),
  OUT_OF_MEMORY(8),
  EMBEDDING(9),
  INTERNAL(10),
  /** A code this version of the binding does not know (a newer library). */
  UNKNOWN(-1);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The C value of the status. */
  public int code() {
    return code;
  }

  /** The status for a C value; {@link #UNKNOWN} for a value this binding does not know. */
  public static Status fromCode(int code) {
    for (Status s : values()) {
      if (s.code == code) return s;
    }
    return UNKNOWN;
  }
}
