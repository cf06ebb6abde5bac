package io.quiver;

import static io.quiver.IndexTest.check;
import static io.quiver.IndexTest.expectError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

  /**
   * The fused score of each document by the formula of quiver.h: 1 / (60 + meaning rank) + weight
   * / (60 + keyword rank), ranks from 1 (keyword hits are chunks: a document ranks by its first).
   */
  static Map<Long, Double> fusedScores(Index ix, String query, double weight) {
    Map<Long, Double> fused = new HashMap<>();
    List<TextHit> meaning = ix.searchText(query, 50);
    for (int r = 0; r < meaning.size(); r++) fused.put(meaning.get(r).docKey(), 1.0 / (60 + r + 1));
    List<Long> words = new ArrayList<>();
    for (KeywordHit h : ix.searchKeywords(query, 50)) {
      if (!words.contains(Index.docKey(h.key()))) words.add(Index.docKey(h.key()));
    }
    for (int r = 0; r < words.size(); r++) {
      fused.merge(words.get(r), weight / (60 + r + 1), Double::sum);
    }
    return fused;
  }

  @Test
  void hybridKeywordWeightFollowsTheFormula() {
    try (Embedder emb = Embedder.hashing(256);
        Index ix = Index.create(new IndexOptions(256).kind(IndexKind.FLAT).metric(Metric.COSINE))) {
      ix.setEmbedder(emb);
      ix.addTexts(new long[] {1, 2, 3, 4, 5}, DOCS);
      String query = "the lava of ZX4711";
      long byMeaning = ix.searchText(query, 1).get(0).docKey();
      long byWords = Index.docKey(ix.searchKeywords(query, 1).get(0).key());
      check(byMeaning != byWords, "the rankings agree on " + byMeaning + ": pick another query");

      for (float weight : new float[] {0, 3, 0.25f, 1000}) {
        Map<Long, Double> want = fusedScores(ix, query, weight == 0 ? 1.0 : weight);
        List<HybridHit> hits = ix.searchHybrid(query, 5, new SearchOptions().keywordWeight(weight));
        check(hits.size() == want.size(), "weight " + weight + ": " + hits + " vs " + want);
        float[] scores = new float[hits.size()];
        for (int i = 0; i < scores.length; i++) {
          HybridHit h = hits.get(i);
          check(
              Math.abs(h.score() - want.get(h.docKey())) < 1e-6,
              "weight " + weight + ", document " + h.docKey() + ": score " + h.score()
                  + ", formula " + want.get(h.docKey()));
          scores[i] = h.score();
        }
        checkDescendingPositive(scores);
      }
      // A heavy keyword ranking puts its first document first, a light one the meaning's.
      check(
          ix.searchHybrid(query, 1, new SearchOptions().keywordWeight(1000)).get(0).docKey()
              == byWords,
          "weight 1000 does not put the keyword ranking's first document first");
      check(
          ix.searchHybrid(query, 1, new SearchOptions().keywordWeight(0.001f)).get(0).docKey()
              == byMeaning,
          "weight 0.001 does not put the meaning ranking's first document first");

      for (float bad : new float[] {-1, 1001, Float.NaN, Float.POSITIVE_INFINITY}) {
        QuiverException e =
            expectError(
                Status.INVALID_ARGUMENT,
                () -> ix.searchHybrid(query, 3, new SearchOptions().keywordWeight(bad)));
        check(e.getMessage().contains("keyword_weight"), "not named: " + e.getMessage());
      }
    }
  }
}
