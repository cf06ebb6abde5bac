package io.quiver;

/**
 * Options for {@link Index#open(String, OpenOptions)}: the mode (LOAD by default), when to verify
 * (ALL by default) and the threads for checksums and later batch calls (0 = all cores).
 */
public final class OpenOptions {
  OpenMode mode = OpenMode.LOAD;
  VerifyMode verify = VerifyMode.ALL;
  int threads;

  public OpenOptions() {}

  public OpenOptions mode(OpenMode mode) {
    if (mode == null) throw new NullPointerException("mode is null; use OpenMode.LOAD or MMAP");
    this.mode = mode;
    return this;
  }

  public OpenOptions verify(VerifyMode verify) {
    if (verify == null) throw new NullPointerException("verify is null; use VerifyMode.ALL");
    this.verify = verify;
    return this;
  }

  /** Threads for checksums and the index's batch calls; 0 = all cores. */
  public OpenOptions threads(int threads) {
    if (threads < 0) {
      throw new QuiverException(
          Status.INVALID_ARGUMENT, "threads is " + threads + "; use 0 (all cores) or more");
    }
    this.threads = threads;
    return this;
  }
}
