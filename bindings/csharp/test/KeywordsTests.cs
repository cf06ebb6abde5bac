// Tests of keyword search (BM25 over metadata text) and hybrid search (meaning and
// exact words by reciprocal rank fusion); part of the IndexTests runner.
using System;
using System.Collections.Generic;
using System.Linq;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static readonly string[] KeywordTexts =
    {
        "red apples and green pears",
        "the quick brown fox",
        "apples apples apples everywhere",
        "nothing to see here",
    };

    static readonly string[] HybridDocs =
    {
        "Honeybees make honey from the nectar of flowers inside the hive.",
        "Steam locomotives pulled the first trains across the country.",
        "The violin and the cello are string instruments. Part number ZX4711.",
        "Volcanoes erupt molten rock called lava from deep under the crust.",
        "Glaciers carve valleys as the ice slowly moves downhill.",
    };

    // Keys 1..4 with KeywordTexts as their metadata.
    static Index KeywordIndex()
    {
        var ix = Index.Create(new IndexOptions { Dim = 4, Kind = IndexKind.Flat, Metric = Metric.L2 });
        for (int i = 0; i < KeywordTexts.Length; i++)
        {
            ix.Add((ulong)i + 1, new float[] { i + 1, 1, 2, 3 });
            ix.SetMetadata((ulong)i + 1, KeywordTexts[i]);
        }
        return ix;
    }

    static void CheckDescendingPositive(IList<float> scores)
    {
        for (int i = 0; i < scores.Count; i++)
        {
            Check(scores[i] > 0, $"score {i} is {scores[i]}");
            Check(i == 0 || scores[i - 1] >= scores[i], $"scores not descending at {i}");
        }
    }

    public static void TestKeywordsFindTheWords()
    {
        using (var ix = KeywordIndex())
        {
            var hits = ix.SearchKeywords("apples", 10);
            Check(hits.Select(h => h.Key).SequenceEqual(new ulong[] { 3, 1 }), "apples: " + string.Join(" ", hits));
            CheckDescendingPositive(hits.Select(h => h.Score).ToList());
            Check(ix.SearchKeywords("FOX", 1).Select(h => h.Key).SequenceEqual(new ulong[] { 2 }), "FOX");
            var filtered = ix.SearchKeywords("apples", 4, new SearchOptions { Filter = key => key != 3 });
            Check(filtered.Select(h => h.Key).SequenceEqual(new ulong[] { 1 }), "filtered");
        }
    }

    public static void TestKeywordsFollowMetadataChanges()
    {
        using (var ix = KeywordIndex())
        {
            ix.SearchKeywords("fox", 1); // builds the keyword index first
            ix.SetMetadata(2, "a lazy dog sleeps");
            Check(ix.SearchKeywords("fox", 4).All(h => h.Key != 2), "old words still find key 2");
            var hits = ix.SearchKeywords("lazy dog", 4);
            Check(hits[0].Key == 2 && hits[0].Score > 0, "new words: " + string.Join(" ", hits));
        }
    }

    public static void TestKeywordsBlankAndBadArguments()
    {
        using (var ix = KeywordIndex())
        {
            Check(ix.SearchKeywords(" \t ", 3).Count == 0, "a blank query found something");
            Expect<ArgumentOutOfRangeException>(() => ix.SearchKeywords("apples", 0)); // as Search does
            ExpectError(Status.InvalidArgument, () => ix.SearchKeywords(null, 3));
            ExpectError(Status.InvalidArgument, () => ix.SearchKeywords("app\0les", 3));
        }
    }

    public static void TestHybridPutsTheExactTokenFirst()
    {
        using (var emb = Embedder.Hashing(256))
        using (var ix = Index.Create(new IndexOptions { Dim = 256, Kind = IndexKind.Flat, Metric = Metric.Cosine }))
        {
            ExpectError(Status.InvalidArgument, () => ix.SearchHybrid("ZX4711", 3)); // no embedder yet
            ix.SetEmbedder(emb);
            ix.AddTexts(new ulong[] { 1, 2, 3, 4, 5 }, HybridDocs);

            var hits = ix.SearchHybrid("ZX4711", 5);
            Check(hits[0].DocKey == 3, "ZX4711: " + string.Join(" ", hits));
            Check(Index.DocKey(hits[0].ChunkKey) == 3, "chunk of document 3");
            Check(hits[0].Passage.Contains("ZX4711"), "passage " + hits[0].Passage);
            Check(hits.Select(h => h.DocKey).Distinct().Count() == hits.Count, "documents repeat");
            CheckDescendingPositive(hits.Select(h => h.Score).ToList());
            ExpectError(Status.InvalidArgument, () => ix.SearchHybrid("   ", 3));
            Expect<ArgumentOutOfRangeException>(() => ix.SearchHybrid("ZX4711", 0));
            ExpectError(Status.InvalidArgument, () => ix.SearchHybrid(null, 3));

            ix.SetEmbedder(null);
            ExpectError(Status.InvalidArgument, () => ix.SearchHybrid("ZX4711", 3));
            var kw = ix.SearchKeywords("zx4711", 1); // keywords need no embedder
            Check(kw.Count == 1 && kw[0].Key == Index.ChunkKey(3, 0), "keywords: " + string.Join(" ", kw));
        }
    }

    // The fused score of each document by the formula of quiver.h: 1 / (60 + meaning rank) +
    // weight / (60 + keyword rank), ranks from 1 (keyword hits are chunks: a document ranks by
    // its first).
    static Dictionary<ulong, double> FusedScores(Index ix, string query, double weight)
    {
        var fused = new Dictionary<ulong, double>();
        var meaning = ix.SearchText(query, 50).Select(h => h.DocKey).ToList();
        var words = ix.SearchKeywords(query, 50).Select(h => Index.DocKey(h.Key)).Distinct().ToList();
        for (int r = 0; r < meaning.Count; r++)
            fused[meaning[r]] = 1.0 / (60 + r + 1);
        for (int r = 0; r < words.Count; r++)
            fused[words[r]] = (fused.TryGetValue(words[r], out var m) ? m : 0) + weight / (60 + r + 1);
        return fused;
    }

    public static void TestHybridKeywordWeightFollowsTheFormula()
    {
        using (var emb = Embedder.Hashing(256))
        using (var ix = Index.Create(new IndexOptions { Dim = 256, Kind = IndexKind.Flat, Metric = Metric.Cosine }))
        {
            ix.SetEmbedder(emb);
            ix.AddTexts(new ulong[] { 1, 2, 3, 4, 5 }, HybridDocs);
            const string query = "the lava of ZX4711";
            var byMeaning = ix.SearchText(query, 1)[0].DocKey;
            var byWords = Index.DocKey(ix.SearchKeywords(query, 1)[0].Key);
            Check(byMeaning != byWords, $"the rankings agree on {byMeaning}: pick another query");

            foreach (var weight in new float[] { 0, 3, 0.25f, 1000 })
            {
                var want = FusedScores(ix, query, weight == 0 ? 1.0 : weight);
                var hits = ix.SearchHybrid(query, 5, new SearchOptions { KeywordWeight = weight });
                Check(hits.Count == want.Count, $"weight {weight}: {hits.Count} hits, {want.Count} documents");
                foreach (var h in hits)
                    Check(Math.Abs(h.Score - want[h.DocKey]) < 1e-6,
                          $"weight {weight}, document {h.DocKey}: score {h.Score}, formula {want[h.DocKey]}");
                CheckDescendingPositive(hits.Select(h => h.Score).ToList());
            }
            // A heavy keyword ranking puts its first document first, a light one the meaning's.
            Check(ix.SearchHybrid(query, 1, new SearchOptions { KeywordWeight = 1000 })[0].DocKey == byWords,
                  "weight 1000 does not put the keyword ranking's first document first");
            Check(ix.SearchHybrid(query, 1, new SearchOptions { KeywordWeight = 0.001f })[0].DocKey == byMeaning,
                  "weight 0.001 does not put the meaning ranking's first document first");

            foreach (var bad in new[] { -1f, 1001f, float.NaN, float.PositiveInfinity })
            {
                var e = ExpectError(Status.InvalidArgument,
                                    () => ix.SearchHybrid(query, 3, new SearchOptions { KeywordWeight = bad }));
                Check(e.Message.Contains("keyword_weight"), "the error does not name keyword_weight: " + e.Message);
            }
        }
    }
}
