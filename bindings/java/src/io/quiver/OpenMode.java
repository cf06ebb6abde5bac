package io.quiver;

/** How {@link Index#open} brings a saved index in. */
public enum OpenMode {
  /** Read everything into memory; the index is mutable. */
  LOAD(1),
  /** Map the file read-only and search it in place; mutations fail with UNSUPPORTED. */
  MMAP(2);

  final int code;

  OpenMode(int code) {
    this.code = code;
  }
}
