package io.quiver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Error messages speak Java: a read-only index, a text call without an embedder and a bad option
 * value give messages that name no C identifier (no qv_ call, no QV_ constant, no NULL) and name
 * the option as Java spells it.
 */
class MessagesTest {
  static final int DIM = 8;

  static void check(boolean cond, String what) {
    if (!cond)
      throw new AssertionError(what);
  }

  /** The message of the QuiverException with `status` that r throws, checked for C names. */
  static String messageOf(Status status, Runnable r) {
    try {
      r.run();
    } catch (QuiverException e) {
      String m = e.getMessage();
      check(e.status() == status, "expected " + status + ", got " + e);
      check(m != null && !m.isEmpty(), "empty message for " + status);
      for (String c : new String[] {"qv_", "QV_", "NULL"})
        check(!m.contains(c), "the message names C (" + c + "): " + m);
      return m;
    }
    throw new AssertionError("expected a QuiverException with " + status);
  }

  @Test
  void testReadOnlyIndexSaysHowToOpenItForChanges() throws IOException {
    Path dir = Files.createTempDirectory("quiver-java-messages");
    Path file = dir.resolve("ro.qv");
    try {
      try (Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT))) {
        ix.add(1, new float[DIM]);
        ix.save(file);
      }
      try (Index mm = Index.open(file, OpenMode.MMAP)) {
        String m = messageOf(Status.UNSUPPORTED, () -> mm.add(2, new float[DIM]));
        check(m.contains("read-only") && m.contains("loading"), m);
        m = messageOf(Status.UNSUPPORTED, () -> mm.remove(1));
        check(m.contains("read-only"), m);
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void testTextCallWithoutEmbedderSaysToAttachOne() {
    try (
        Index ix = Index.create(new IndexOptions(DIM).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      String m = messageOf(Status.INVALID_ARGUMENT, () -> ix.addText(1, "hello"));
      check(m.contains("no embedder is attached"), m);
      m = messageOf(Status.INVALID_ARGUMENT, () -> ix.searchText("hello", 2));
      check(m.contains("no embedder is attached"), m);
    }
  }

  @Test
  void testBadOptionValuesAreNamedAsJavaSpellsThem() {
    String m =
        messageOf(Status.INVALID_ARGUMENT, () -> Index.create(new IndexOptions(DIM).hnswM(1)));
    check(m.contains("hnswM is 1") && m.contains("between 2 and 256"), m);
    m = messageOf(
        Status.INVALID_ARGUMENT, () -> Index.create(new IndexOptions(DIM).hnswEfSearch(0)));
    check(m.contains("hnswEfSearch"), m);
    m = messageOf(Status.INVALID_ARGUMENT, () -> Index.create(new IndexOptions(0)));
    check(m.contains("dim is 0"), m);
    m = messageOf(Status.INVALID_ARGUMENT,
        () -> Index.create(new IndexOptions(DIM).storage(Storage.B1).metric(Metric.L2)));
    check(m.contains("Storage.B1"), m);
  }
}
