package io.quiver;

/** When {@link Index#open(String, OpenOptions)} checks the vectors and the graph. */
public enum VerifyMode {
  /** Before the open returns (the default): a damaged file never opens. */
  ALL(1),
  /**
   * MMAP only: skip the checks of the sections searched in place, so the open reads no vector.
   * Damage there goes unnoticed until {@link Index#verify()}: searches may return wrong results or,
   * with a damaged graph, crash. Use it only for files you trust, and call {@code verify()} when you
   * can. The same as ALL for LOAD.
   */
  DEFERRED(2);

  final int code;

  VerifyMode(int code) {
    this.code = code;
  }

  /** The C value ({@code QV_VERIFY_*}). */
  public int code() {
    return code;
  }
}
