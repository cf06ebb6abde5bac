package io.quiver;

import io.quiver.internal.QuiverNative;

/** Library-wide calls. */
public final class Quiver {
  private Quiver() {}

  /** The version of the native library actually loaded, e.g. "0.1.0". */
  public static String version() {
    return QuiverNative.qv_version();
  }

  /** The same as a number: major * 10000 + minor * 100 + patch. */
  public static int versionNumber() {
    return QuiverNative.qvs_version_number();
  }
}
