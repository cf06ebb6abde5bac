package io.quiver;

import static io.quiver.IndexTest.check;
import static io.quiver.IndexTest.expectError;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keyword search (BM25 over metadata text) and hybrid search (meaning and exact words, RRF). */
class KeywordsTest {
  static final String[] TEXTS = {
    "red apples and green pears",
    "the quick brown fox",
    "apples apples apples everywhere",
    "nothing to see here",
  };

  static final List<String> DOCS =
      List.of(
          "Honeybees make honey from the nectar of flowers inside the hive.",
          "Steam locomotives pulled the first trains across the country.",
          "The violin and the cello are string instruments. Part number ZX4711.",
          "Volcanoes erupt molten rock called lava from deep under the crust.",
          "Glaciers carve valleys as the ice slowly moves downhill.");

  /** Keys 1..4 with TEXTS as their metadata. */
  static Index keywordIndex() {
    Index ix = Index.create(new IndexOptions(4).kind(IndexKind.FLAT).metric(Metric.L2));
    for (int i = 0; i < TEXTS.length; i++) {
      ix.add(i + 1, new float[] {i + 1, 1, 2, 3});
      ix.setMetadata(i + 1, TEXTS[i]);
    }
    return ix;
  }

  static long[] keys(List<KeywordHit> hits) {
    return hits.stream().mapToLong(KeywordHit::key).toArray();
  }

  static void checkDescendingPositive(float[] scores) {
    for (int i = 0; i < scores.length; i++) {
      check(scores[i] > 0, "score " + i + " is " + scores[i]);
      check(i == 0 || scores[i - 1] >= scores[i], "scores not descending at " + i);
    }
  }

  @Test
  void keywordsFindTheWords() {
    try (Index ix = keywordIndex()) {
      List<KeywordHit> hits = ix.searchKeywords("apples", 10);
      check(Arrays.equals(keys(hits), new long[] {3, 1}), "apples: " + hits);
      float[] scores = new float[hits.size()];
      for (int i = 0; i < scores.length; i++) scores[i] = hits.get(i).score();
      checkDescendingPositive(scores);
      check(Arrays.equals(keys(ix.searchKeywords("FOX", 1)), new long[] {2}), "FOX");
      List<KeywordHit> filtered =
          ix.searchKeywords("apples", 4, new SearchOptions().filter(key -> key != 3));
      check(Arrays.equals(keys(filtered), new long[] {1}), "filtered: " + filtered);
    }
  }

  @Test
  void keywordsFollowMetadataChanges() {
    try (Index ix = keywordIndex()) {
      ix.searchKeywords("fox", 1); // builds the keyword index first
      ix.setMetadata(2, "a lazy dog sleeps");
      for (KeywordHit h : ix.searchKeywords("fox", 4)) check(h.key() != 2, "old words find 2");
      List<KeywordHit> hits = ix.searchKeywords("lazy dog", 4);
      check(hits.get(0).key() == 2 && hits.get(0).score() > 0, "new words: " + hits);
    }
  }

  @Test
  void keywordsBlankAndBadArguments() {
    try (Index ix = keywordIndex()) {
      check(ix.searchKeywords(" \t ", 3).isEmpty(), "a blank query found something");
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchKeywords("apples", 0));
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchKeywords(null, 3));
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchKeywords("app\0les", 3));
    }
  }

  @Test
  void hybridPutsTheExactTokenFirst() {
    try (Embedder emb = Embedder.hashing(256);
        Index ix = Index.create(new IndexOptions(256).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchHybrid("ZX4711", 3)); // no embedder
      ix.setEmbedder(emb);
      ix.addTexts(new long[] {1, 2, 3, 4, 5}, DOCS);

      List<HybridHit> hits = ix.searchHybrid("ZX4711", 5);
      check(hits.get(0).docKey() == 3, "ZX4711: " + hits);
      check(Index.docKey(hits.get(0).chunkKey()) == 3, "chunk of document 3");
      check(hits.get(0).passage().contains("ZX4711"), "passage " + hits.get(0).passage());
      Set<Long> docs = new HashSet<>();
      float[] scores = new float[hits.size()];
      for (int i = 0; i < scores.length; i++) {
        check(docs.add(hits.get(i).docKey()), "document twice: " + hits);
        scores[i] = hits.get(i).score();
      }
      checkDescendingPositive(scores);
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchHybrid("   ", 3));
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchHybrid("ZX4711", 0));
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchHybrid(null, 3));

      ix.setEmbedder(null);
      expectError(Status.INVALID_ARGUMENT, () -> ix.searchHybrid("ZX4711", 3));
      List<KeywordHit> kw = ix.searchKeywords("zx4711", 1); // keywords need no embedder
      check(kw.size() == 1 && kw.get(0).key() == Index.chunkKey(3, 0), "keywords: " + kw);
    }
  }
}
