package io.quiver;

/**
 * How distance is measured: L2 = squared euclidean, IP = 1 - dot, COSINE = 1 - cos (vectors are
 * normalised on insert).
 */
public enum Metric {
  L2(1),
  IP(2),
  COSINE(3);

  final int code;

  Metric(int code) {
    this.code = code;
  }

  static Metric fromCode(int code) {
    for (Metric m : values()) {
      if (m.code == code) return m;
    }
    throw new IllegalArgumentException("unknown metric " + code);
  }
}
