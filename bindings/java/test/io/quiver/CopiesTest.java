package io.quiver;

import static io.quiver.IndexTest.check;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Reads of metadata and documents while another thread changes them: the raw layer copies through
 * qv_index_copy_metadata / qv_index_copy_document (under the index's locks), so every read is one
 * whole version, never bytes of a version being freed.
 */
class CopiesTest {
  /**
   * Runs change in a loop on another thread while read runs `reads` times here; at least
   * `minChanges` changes must have overlapped the reads.
   */
  static void whileChanging(Runnable change, Runnable read, int reads, int minChanges)
      throws InterruptedException {
    AtomicInteger changes = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  change.run();
                  changes.incrementAndGet();
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            });
    writer.start();
    try {
      for (int i = 0; i < reads || changes.get() < minChanges; i++) {
        if (failure.get() != null) break;
        read.run();
      }
    } finally {
      writer.interrupt();
      writer.join();
    }
    if (failure.get() != null) throw new AssertionError("the changing thread failed", failure.get());
    check(changes.get() >= minChanges, "only " + changes.get() + " changes overlapped the reads");
  }

  @Test
  void documentReadsAlongsideUpsertsAreWhole() throws InterruptedException {
    // Two versions told apart by source and fields; the long fields are beyond the raw layer's
    // first guess, so reads of them take the "call again with room" path.
    List<String> sources = List.of("alpha.txt", "omega.txt");
    List<String> fields = List.of("a".repeat(200000), "o".repeat(40));
    try (Embedder emb = Embedder.hashing(DocumentsTest.DIM);
        Index ix = DocumentsTest.textIndex(emb)) {
      ix.upsertText(1, "alpha version text", sources.get(0), fields.get(0));
      int[] next = {1};
      int[] reads = {0};
      whileChanging(
          () -> {
            int v = next[0];
            ix.upsertText(
                1, v == 0 ? "alpha version text" : "omega version text", sources.get(v),
                fields.get(v));
            next[0] ^= 1;
          },
          () -> {
            Document d = ix.getDocument(1);
            int v = sources.indexOf(d.source());
            check(v >= 0, "a torn source: " + d.source());
            check(
                d.fields().equals(fields.get(v)),
                "the fields of another version than " + d.source() + " (" + d.fields().length()
                    + " chars)");
            if (++reads[0] % 16 != 0) return;
            HybridHit hit = ix.searchHybrid("version", 1).get(0); // its source is looked up too
            check(
                hit.source() == null || sources.contains(hit.source()),
                "a torn hit source: " + hit.source());
          },
          20000,
          200);
    }
  }

  @Test
  void metadataReadsAlongsideSetsAreWhole() throws InterruptedException {
    byte[][] values = {new byte[100000], new byte[10]};
    Arrays.fill(values[0], (byte) 'x');
    Arrays.fill(values[1], (byte) 'y');
    try (Index ix = Index.create(new IndexOptions(4).kind(IndexKind.FLAT).metric(Metric.L2))) {
      ix.add(1, new float[] {1, 2, 3, 4});
      ix.setMetadata(1, values[0]);
      int[] next = {1};
      whileChanging(
          () -> {
            ix.setMetadata(1, values[next[0]]);
            next[0] ^= 1;
          },
          () -> {
            byte[] m = ix.getMetadata(1);
            check(
                Arrays.equals(m, values[0]) || Arrays.equals(m, values[1]),
                "torn metadata: " + m.length + " bytes");
          },
          5000,
          200);
    }
  }
}
