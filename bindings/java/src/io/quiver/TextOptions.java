package io.quiver;

import io.quiver.internal.QvTextConfig;

/**
 * How {@link Index#addText} splits a document into chunks (see quiver.h, qv_text_options). Unset
 * fields keep the library defaults: 800 characters per chunk, 100 of overlap.
 */
public final class TextOptions {
  /** What chunkSize and chunkOverlap count. */
  public enum Unit {
    /** Unicode code points: exact and predictable; a chunk may cut a word. */
    CHARACTERS(1),
    /** Whitespace-separated tokens: a chunk never cuts a word. */
    TOKENS(2);

    final int code;

    Unit(int code) {
      this.code = code;
    }
  }

  Unit unit;
  Integer chunkSize;
  Integer chunkOverlap;

  public TextOptions() {}

  public TextOptions unit(Unit unit) {
    this.unit = unit;
    return this;
  }

  /** Units per chunk, at least 1. */
  public TextOptions chunkSize(int chunkSize) {
    this.chunkSize = chunkSize;
    return this;
  }

  /** Units shared by neighbouring chunks, less than chunkSize. */
  public TextOptions chunkOverlap(int chunkOverlap) {
    this.chunkOverlap = chunkOverlap;
    return this;
  }

  QvTextConfig toNative() {
    // Java ints are signed: a negative count would reach C as a huge unsigned one.
    if (chunkSize != null && chunkSize < 1) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "chunkSize is " + chunkSize + "; it must be at least 1");
    }
    if (chunkOverlap != null && chunkOverlap < 0) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT,
          "chunkOverlap is " + chunkOverlap + "; it must be 0 or more (and less than chunkSize)");
    }
    QvTextConfig c = new QvTextConfig();
    if (unit != null) c.setUnit(unit.code);
    if (chunkSize != null) c.setChunk_size(chunkSize);
    if (chunkOverlap != null) c.setChunk_overlap(chunkOverlap);
    return c;
  }
}
