// Tests of the text calls of the C# binding (part of the IndexTests runner).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static readonly string[] Docs =
    {
        "The cat sat on the mat and watched the birds in the garden.",
        "Vector search finds nearest neighbours in HNSW graphs quickly.",
        "A recipe for apple pie: flour, butter, apples, sugar and cinnamon.",
        "The Rust borrow checker explained with lifetimes and references.",
        "Trains leave the central station every ten minutes on weekdays.",
    };

    // A deterministic toy embedder: a letter histogram folded into 16 bins.
    static float[] Letters(string t)
    {
        var v = new float[16];
        foreach (char c in t.ToLowerInvariant())
            if (c >= 'a' && c <= 'z') v[(c - 'a') % 16] += 1;
        v[15] += 0.5f; // never the zero vector
        return v;
    }

    static float CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return (float)(1 - dot / Math.Sqrt(na * nb));
    }

    public static void TestTextSearchFindsDocumentsAndPassages()
    {
        var dir = Path.Combine(Path.GetTempPath(), "quiver-cs-text-" + Guid.NewGuid());
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "text.qv");
        try
        {
            using (var emb = Embedder.Hashing(256))
            using (var ix = Index.Create(new IndexOptions { Dim = 256, Kind = IndexKind.Hnsw, Metric = Metric.Cosine }))
            {
                ExpectError(Status.InvalidArgument, () => ix.SearchText("cat", 3)); // no embedder yet
                ix.SetEmbedder(emb);
                ix.SetTextOptions(new TextOptions { Unit = ChunkUnit.Tokens, ChunkSize = 6, ChunkOverlap = 2 });
                ix.AddTexts(new ulong[] { 10, 20, 30, 40, 50 }, Docs);
                Check(ix.Count > Docs.Length, "documents are split into chunks: " + ix.Count);

                var hits = ix.SearchText("apple pie with cinnamon", 3);
                Check(hits.Count == 3 && hits[0].DocKey == 30, "best document " + string.Join(", ", hits));
                Check(Index.DocKey(hits[0].ChunkKey) == 30, "chunk belongs to the document");
                Check(hits[0].Passage.Contains("apple"), "passage " + hits[0].Passage);
                Check(hits.Select(h => h.DocKey).Distinct().Count() == 3, "distinct documents");

                var chunks = ix.SearchTextChunks("apple pie with cinnamon", 4);
                Check(chunks.Count == 4 && chunks[0].DocKey == 30, "chunks " + string.Join(", ", chunks));
                Check(chunks[0].Passage == ix.GetMetadataString(chunks[0].ChunkKey), "a chunk's passage is its metadata");

                var filtered = ix.SearchText("apple pie with cinnamon", 2,
                    new SearchOptions { Filter = key => Index.DocKey(key) != 30 });
                Check(filtered.All(h => h.DocKey != 30), "filter sees chunk keys");

                var before = ix.SearchText("trains at the station", 3);
                Check(before[0].DocKey == 50, "train document");
                ix.Save(file);

                ix.RemoveText(30);
                Check(ix.SearchText("apple pie with cinnamon", 5).All(h => h.DocKey != 30), "removed document");
                ExpectError(Status.NotFound, () => ix.RemoveText(30));
                ExpectError(Status.DuplicateKey, () => ix.AddText(10, "again"));
                var nul = ExpectError(Status.InvalidArgument, () => ix.AddText(60, "a\0b"));
                Check(nul.Message.Contains("NUL"), "NUL message: " + nul.Message);
                ExpectError(Status.InvalidArgument, () => ix.AddText(Index.MaxDocKey + 1, "key too large"));
                ExpectError(Status.InvalidArgument, () => ix.SearchText("   ", 3));
                ExpectError(Status.InvalidArgument, () => ix.AddTexts(new ulong[] { 1, 2 }, new[] { "one" }));
                ExpectError(Status.InvalidArgument, () => ix.SetTextOptions(new TextOptions { ChunkSize = 4, ChunkOverlap = 4 }));
                using (var small = Embedder.Hashing(64))
                    ExpectError(Status.DimensionMismatch, () => ix.SetEmbedder(small));
                Check(ix.SearchText("trains at the station", 3)[0].DocKey == 50, "a failed SetEmbedder keeps the attached one");

                using (var mm = Index.Open(file, OpenMode.Mmap))
                {
                    ExpectError(Status.InvalidArgument, () => mm.SearchText("trains", 3));
                    mm.SetEmbedder(emb);
                    Check(mm.SearchText("trains at the station", 3).SequenceEqual(before), "same answers after mmap");
                    ExpectError(Status.Unsupported, () => mm.AddText(99, "read-only"));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestTextSearchMatchesBruteForce()
    {
        int calls = 0;
        Func<IReadOnlyList<string>, float[][]> fn = batch =>
        {
            Interlocked.Increment(ref calls);
            return batch.Select(Letters).ToArray();
        };
        var words = new[] { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };
        var r = new Random(5);
        const int n = 2000;
        var docKeys = Enumerable.Range(0, n).Select(i => 3UL * (ulong)i + 1).ToArray();
        var texts = Enumerable.Range(0, n)
            .Select(_ => string.Join(" ", Enumerable.Range(0, 6).Select(w => words[r.Next(words.Length)])))
            .ToArray();
        using (var ix = Index.Create(new IndexOptions { Dim = 16, Kind = IndexKind.Flat, Metric = Metric.Cosine }))
        {
            // The index must keep the C# function alive after its Embedder is disposed.
            using (var emb = Embedder.Callback(16, fn)) ix.SetEmbedder(emb);
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            ix.AddTexts(docKeys, texts);
            Check(ix.Count == n, "one chunk per short document");
            const string query = "delta echo golf hotel";
            var q = Letters(query);
            var d = texts.Select(t => CosineDistance(Letters(t), q)).ToArray();
            var order = Enumerable.Range(0, n).OrderBy(i => d[i]).ToArray();
            var hits = ix.SearchText(query, K);
            Check(hits.Count == K, "k hits");
            for (int i = 0; i < K; i++)
            {
                var h = hits[i];
                // Ties may order differently; the distance at each rank must match brute force.
                Check(Math.Abs(h.Distance - d[order[i]]) < 1e-4f, $"rank {i}: {h} vs {d[order[i]]}");
                int row = (int)((h.DocKey - 1) / 3);
                Check(Math.Abs(d[row] - h.Distance) < 1e-4f, "distance of document " + h.DocKey);
                Check(h.ChunkKey == Index.ChunkKey(h.DocKey, 0) && h.Passage == texts[row], "chunk key and passage");
            }
            Check(calls >= 2, "the C# function embedded documents and the query");

            using (var bad = Embedder.Callback(16, t => throw new InvalidOperationException("model offline")))
                ix.SetEmbedder(bad);
            var e = ExpectError(Status.Embedding, () => ix.AddText(999999, "new words"));
            Check(e.Message.Contains("model offline"), "callback message: " + e.Message);
            Check(ix.Count == n, "a failed AddText adds nothing");
            ExpectError(Status.Embedding, () => ix.SearchText("delta", 3));
            ix.SetEmbedder(null);
            ExpectError(Status.InvalidArgument, () => ix.SearchText("delta", 3));
        }
    }
}
