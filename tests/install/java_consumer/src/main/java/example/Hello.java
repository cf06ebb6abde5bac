// A Java program outside the repository, built by check_install.sh against the
// installed Quiver only (the jar, from Maven's local repository or on the
// class path), as bindings/java/README.md says: no -Djava.library.path.
package example;

import io.quiver.Index;
import io.quiver.IndexInfo;
import io.quiver.IndexOptions;
import io.quiver.Metric;
import io.quiver.Quiver;
import io.quiver.QuiverException;
import io.quiver.SearchOptions;
import io.quiver.Storage;

public class Hello {
  public static void main(String[] args) {
    try (Index ix = Index.create(new IndexOptions(4).metric(Metric.COSINE).storage(Storage.I8))) {
      ix.addBatch(new long[] {7, 8, 42}, new float[] {0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0});
      var hits = ix.search(new float[] {1, 0.1f, 0, 0}, 2, new SearchOptions().filter(k -> k != 8));
      System.out.println("quiver " + Quiver.version() + " nearest: " + hits.get(0).key());
      IndexInfo info = ix.info();
      System.out.println(info.kind() + " " + info.metric() + " " + info.storage());
      try {
        ix.add(42, new float[] {1, 0, 0, 0});
      } catch (QuiverException e) {
        System.out.println(e.status() + " " + e.getMessage());
      }
    }
  }
}
