package io.quiver;

/** Options for {@link Index#save(String, SaveOptions)}; unset fields keep the library defaults. */
public final class SaveOptions {
  Boolean compressVectors;
  Boolean compressGraph;
  Integer zstdLevel;

  public SaveOptions compressVectors(boolean on) {
    this.compressVectors = on;
    return this;
  }

  public SaveOptions compressGraph(boolean on) {
    this.compressGraph = on;
    return this;
  }

  public SaveOptions zstdLevel(int level) {
    this.zstdLevel = level;
    return this;
  }
}
