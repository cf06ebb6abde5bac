package io.quiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Index.upsert over qv_index_upsert: a new key is added, a live key gets its new vector (found by a
 * search for it, metadata kept, count unchanged), bad vectors and read-only indexes are refused.
 */
class UpsertTest {
  static final int DIM = 16;

  /** Deterministic rows in [0, 1). */
  static float[] vectors(int n) {
    float[] v = new float[n * DIM];
    for (int i = 0; i < v.length; i++) v[i] = ((i * 7919L) % 1013) / 1013f;
    return v;
  }

  static float[] row(float[] data, int r) {
    return Arrays.copyOfRange(data, r * DIM, (r + 1) * DIM);
  }

  static void check(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  static void expectError(Status status, Runnable r) {
    try {
      r.run();
    } catch (QuiverException e) {
      check(e.status() == status, "expected " + status + ", got " + e);
      check(e.getMessage() != null && !e.getMessage().isEmpty(), "empty message for " + status);
      return;
    }
    throw new AssertionError("expected a QuiverException with " + status);
  }

  static Index l2Index(IndexKind kind, float[] data) {
    Index ix = Index.create(new IndexOptions(DIM).kind(kind).metric(Metric.L2));
    long[] keys = new long[data.length / DIM];
    for (int i = 0; i < keys.length; i++) keys[i] = i;
    ix.addBatch(keys, data);
    return ix;
  }

  @Test
  void testUpsertAddsANewKeyAndReplacesALiveOne() {
    for (IndexKind kind : new IndexKind[] {IndexKind.FLAT, IndexKind.HNSW}) {
      float[] data = vectors(200);
      try (Index ix = l2Index(kind, data)) {
        ix.setMetadata(7, "seven");
        float[] fresh = new float[DIM];
        for (int j = 0; j < DIM; j++) fresh[j] = 5 + j;
        ix.upsert(500, fresh); // a new key: added
        check(ix.count() == 201, kind + ": count after a new key");
        check(Arrays.equals(ix.get(500), fresh), kind + ": get of the new key");

        float[] moved = row(data, 7);
        for (int j = 0; j < DIM; j++) moved[j] -= 9; // far from every other vector
        ix.upsert(7, moved); // a live key: replaced
        check(ix.count() == 201, kind + ": count after replacing");
        check(Arrays.equals(ix.get(7), moved), kind + ": get after replacing");
        List<Hit> hits = ix.search(moved, 3);
        check(hits.get(0).key() == 7 && hits.get(0).distance() == 0, kind + ": search " + hits);
        check(ix.getMetadataString(7).equals("seven"), kind + ": metadata kept");
      }
    }
  }

  @Test
  void testUpsertRefusesBadVectors() {
    float[] data = vectors(3);
    try (Index ix = l2Index(IndexKind.HNSW, data);
        Index cos = Index.create(new IndexOptions(DIM).metric(Metric.COSINE))) {
      float[] bad = row(data, 1);
      bad[3] = Float.NaN;
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsert(1, bad));
      bad[3] = Float.POSITIVE_INFINITY;
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsert(9, bad));
      expectError(Status.DIMENSION_MISMATCH, () -> ix.upsert(1, new float[DIM - 1]));
      expectError(Status.INVALID_ARGUMENT, () -> ix.upsert(1, null));
      check(ix.count() == 3, "a refused upsert changed the count");
      check(Arrays.equals(ix.get(1), row(data, 1)), "a refused upsert changed the vector");
      expectError(Status.INVALID_ARGUMENT, () -> cos.upsert(1, new float[DIM]));
    }
  }

  @Test
  void testUpsertOnAReadOnlyIndexIsUnsupported() throws IOException {
    float[] data = vectors(10);
    Path dir = Files.createTempDirectory("quiver-java-upsert");
    Path file = dir.resolve("index.qv");
    try {
      try (Index ix = l2Index(IndexKind.HNSW, data)) {
        ix.save(file);
      }
      try (Index mm = Index.open(file, OpenMode.MMAP)) {
        expectError(Status.UNSUPPORTED, () -> mm.upsert(1, row(data, 0)));
        expectError(Status.UNSUPPORTED, () -> mm.upsert(99, row(data, 0)));
        check(mm.count() == 10, "count after refused upserts");
        check(Arrays.equals(mm.get(1), row(data, 1)), "vector after refused upserts");
      }
      try (Index ld = Index.open(file, OpenMode.LOAD)) {
        ld.upsert(1, row(data, 0));
        check(Arrays.equals(ld.get(1), row(data, 0)), "a loaded index upserts");
      }
    } finally {
      try (var s = Files.list(dir)) {
        s.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }
}
