// Tests of the C# binding, run by CTest as a plain program: every public static
// method whose name starts with "Test" is one test. Prints one line per test and
// "N passed, N failed".
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Quiver;
using Index = Quiver.Index; // System.Index exists too

public static partial class IndexTests
{
    const int DIM = 32;
    const int N = 3000;
    const int K = 10;

    // --- fixtures ------------------------------------------------------------

    static float[] RandomVectors(int n, int dim, int seed)
    {
        var r = new Random(seed);
        var v = new float[n * dim];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(r.NextDouble() * 2 - 1);
        return v;
    }

    static ulong[] Keys(int n) => Enumerable.Range(0, n).Select(i => 1000UL + 7UL * (ulong)i).ToArray();

    static float L2(float[] data, int row, float[] q, int qrow)
    {
        float s = 0;
        for (int j = 0; j < DIM; j++)
        {
            float d = data[row * DIM + j] - q[qrow * DIM + j];
            s += d * d;
        }
        return s;
    }

    // The exact k nearest keys by brute force, nearest first, among keys passing keep.
    static ulong[] BruteForce(float[] data, ulong[] keys, float[] q, int qrow, int k, Func<ulong, bool> keep = null)
    {
        return Enumerable.Range(0, keys.Length)
            .Where(i => keep == null || keep(keys[i]))
            .Select(i => (i: i, d: L2(data, i, q, qrow)))
            .OrderBy(t => t.d)
            .Take(k)
            .Select(t => keys[t.i])
            .ToArray();
    }

    static float[] Row(float[] data, int r) => data.Skip(r * DIM).Take(DIM).ToArray();

    static ulong[] HitKeys(List<Hit> hits) => hits.Select(h => h.Key).ToArray();

    static void Check(bool cond, string what)
    {
        if (!cond) throw new Exception("check failed: " + what);
    }

    static QuiverException ExpectError(Status status, Action a)
    {
        try
        {
            a();
        }
        catch (QuiverException e)
        {
            Check(e.Status == status, $"expected {status}, got {e}");
            Check(!string.IsNullOrEmpty(e.Message), "empty message for " + status);
            return e;
        }
        throw new Exception("expected a QuiverException with " + status);
    }

    static T Expect<T>(Action a) where T : Exception
    {
        try
        {
            a();
        }
        catch (T e)
        {
            Check(!string.IsNullOrEmpty(e.Message), "empty message for " + typeof(T).Name);
            return e;
        }
        catch (Exception e)
        {
            throw new Exception($"expected {typeof(T).Name}, got {e}");
        }
        throw new Exception("expected " + typeof(T).Name);
    }

    static Index BuildFlat(float[] data, ulong[] keys)
    {
        var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Flat, Metric = Metric.L2 });
        ix.AddBatch(keys, data);
        return ix;
    }

    // --- tests ---------------------------------------------------------------

    public static void TestVersion()
    {
        Check(QuiverLibrary.Version.Split('.').Length == 3, "version " + QuiverLibrary.Version);
        Check(QuiverLibrary.VersionNumber >= 100, "version number");
    }

    public static void TestFlatSearchIsExact()
    {
        var data = RandomVectors(N, DIM, 1);
        var keys = Keys(N);
        var queries = RandomVectors(20, DIM, 2);
        using (var ix = BuildFlat(data, keys))
        {
            Check(ix.Count == N, "count");
            Check(ix.Dim == DIM, "dim");
            for (int q = 0; q < 20; q++)
            {
                var hits = ix.Search(Row(queries, q), K);
                var want = BruteForce(data, keys, queries, q, K);
                Check(HitKeys(hits).SequenceEqual(want), $"query {q}");
                for (int i = 1; i < hits.Count; i++) Check(hits[i - 1].Distance <= hits[i].Distance, "sorted");
                float d0 = L2(data, (int)((want[0] - 1000) / 7), queries, q);
                Check(Math.Abs(hits[0].Distance - d0) <= 1e-4f * Math.Max(1f, d0), "distance");
            }
        }
    }

    public static void TestHnswRecallAndBatch()
    {
        var data = RandomVectors(N, DIM, 3);
        var keys = Keys(N);
        int nq = 50;
        var queries = RandomVectors(nq, DIM, 4);
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Hnsw, Seed = 7 }))
        {
            ix.AddBatch(keys, data);
            var batch = ix.SearchBatch(queries, K);
            Check(batch.Count == nq, "batch size");
            int hit = 0;
            for (int q = 0; q < nq; q++)
            {
                var want = new HashSet<ulong>(BruteForce(data, keys, queries, q, K));
                var one = ix.Search(Row(queries, q), K);
                Check(HitKeys(one).SequenceEqual(HitKeys(batch[q])), $"batch == single, query {q}");
                hit += one.Count(h => want.Contains(h.Key));
            }
            double recall = hit / (double)(nq * K);
            Console.WriteLine($"    HNSW recall@{K} = {recall:F3}");
            Check(recall >= 0.9, "recall " + recall);
        }
    }

    public static void TestFilterKeepsOnlyAcceptedKeys()
    {
        var data = RandomVectors(N, DIM, 5);
        var keys = Keys(N);
        var queries = RandomVectors(8, DIM, 6);
        Func<ulong, bool> even = k => k % 2 == 0;
        int calls = 0;
        using (var ix = BuildFlat(data, keys))
        {
            var opts = new SearchOptions { Filter = k => { Interlocked.Increment(ref calls); return even(k); } };
            for (int q = 0; q < 8; q++)
                Check(HitKeys(ix.Search(Row(queries, q), K, opts)).SequenceEqual(BruteForce(data, keys, queries, q, K, even)),
                      $"filtered query {q}");
            Check(calls > 0, "filter called");
            opts.Threads = 2;
            var batch = ix.SearchBatch(queries, K, opts);
            for (int q = 0; q < 8; q++)
                Check(HitKeys(batch[q]).SequenceEqual(BruteForce(data, keys, queries, q, K, even)), $"filtered batch {q}");
        }
    }

    public static void TestFilterExceptionReachesCaller()
    {
        var data = RandomVectors(200, DIM, 7);
        using (var ix = BuildFlat(data, Keys(200)))
        {
            try
            {
                ix.Search(Row(data, 0), K, new SearchOptions { Filter = k => throw new InvalidOperationException("boom") });
                throw new Exception("no exception");
            }
            catch (InvalidOperationException e)
            {
                Check(e.Message == "boom", "message");
            }
        }
    }

    public static void TestGetRemoveCount()
    {
        var data = RandomVectors(100, DIM, 8);
        var keys = Keys(100);
        using (var ix = BuildFlat(data, keys))
        {
            Check(ix.Get(keys[5]).SequenceEqual(Row(data, 5)), "get");
            ix.Remove(keys[5]);
            Check(ix.Count == 99, "count after remove");
            Check(ix.Search(Row(data, 5), 3).All(h => h.Key != keys[5]), "removed key returned");
            ExpectError(Status.NotFound, () => ix.Get(keys[5]));
            ExpectError(Status.NotFound, () => ix.Remove(keys[5]));
            ix.Add(keys[5], Row(data, 5));
            Check(ix.Search(Row(data, 5), 1)[0].Key == keys[5], "re-added");
        }
    }

    public static void TestErrorsAreQuiverExceptions()
    {
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Flat }))
        {
            var v = RandomVectors(1, DIM, 9);
            ix.Add(42, v);
            var dup = ExpectError(Status.DuplicateKey, () => ix.Add(42, v));
            Check(dup.Message.Contains("42"), "duplicate message names the key: " + dup);
            ExpectError(Status.DimensionMismatch, () => ix.Add(43, new float[DIM - 1]));
            ExpectError(Status.DimensionMismatch, () => ix.Search(new float[DIM + 1], 3));
            var k0 = Expect<ArgumentOutOfRangeException>(() => ix.Search(v, 0));
            Check(k0.ParamName == "k" && k0.Message.Contains("k is 0"), "k = 0 message: " + k0);
            Expect<ArgumentOutOfRangeException>(() => ix.SearchBatch(v, -1));
            Expect<ArgumentNullException>(() => ix.Add(45, null));
            var nan = (float[])v.Clone();
            nan[3] = float.NaN;
            ExpectError(Status.InvalidArgument, () => ix.Add(44, nan));
            ExpectError(Status.NotFound, () => Index.Open("/nonexistent/quiver/index.qv", OpenMode.Load));
        }
        var dim0 = Expect<ArgumentOutOfRangeException>(() => Index.Create(new IndexOptions { Dim = 0 }));
        Check(dim0.Message.Contains("options.Dim"), "dim message names the C# property: " + dim0);
        Expect<ArgumentOutOfRangeException>(() => Index.Create(new IndexOptions { Dim = 4, HnswM = 1 }));
        Expect<ArgumentNullException>(() => Index.Create(null));
        var closed = Index.Create(new IndexOptions { Dim = 4 });
        closed.Dispose();
        closed.Dispose();
        Expect<ObjectDisposedException>(() => { var _ = closed.Count; });
        Expect<ObjectDisposedException>(() => closed.Search(new float[4], 1));
        Expect<ObjectDisposedException>(() => closed.Verify());
        Expect<ObjectDisposedException>(() => { var _ = closed.MemoryBytes; });
        var emb = Embedder.Hashing(8);
        emb.Dispose();
        Expect<ObjectDisposedException>(() => emb.Embed(new[] { "x" }));
    }

    public static void TestMetadataRoundTrip()
    {
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Flat }))
        {
            ix.Add(1, RandomVectors(1, DIM, 10));
            ix.SetMetadata(1, "{\"title\": \"café\"}");
            Check(ix.GetMetadataString(1) == "{\"title\": \"café\"}", "metadata");
            var raw = new byte[] { 0, 1, 2, 255 };
            ix.SetMetadata(1, raw);
            Check(ix.GetMetadata(1).SequenceEqual(raw), "binary metadata");
            ExpectError(Status.NotFound, () => ix.SetMetadata(2, "x"));
            ix.SetMetadata(1, new byte[0]);
            ExpectError(Status.NotFound, () => ix.GetMetadata(1));
        }
    }

    static bool SameAnswers(List<List<Hit>> a, List<List<Hit>> b) =>
        a.Count == b.Count && a.Zip(b, (x, y) => x.SequenceEqual(y)).All(t => t);

    public static void TestSaveAndMmapGiveSameAnswers()
    {
        var data = RandomVectors(N, DIM, 11);
        var keys = Keys(N);
        var queries = RandomVectors(20, DIM, 12);
        var dir = Path.Combine(Path.GetTempPath(), "quiver-cs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "index.qv");
        try
        {
            List<List<Hit>> before;
            using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Hnsw, Seed = 3 }))
            {
                ix.AddBatch(keys, data);
                ix.SetMetadata(keys[0], "first");
                before = ix.SearchBatch(queries, K);
                ix.Save(file);
            }
            using (var mm = Index.Open(file, OpenMode.Mmap))
            {
                Check(mm.Count == N, "count after open");
                Check(SameAnswers(mm.SearchBatch(queries, K), before), "mmap answers");
                Check(mm.GetMetadataString(keys[0]) == "first", "metadata after open");
                Check(mm.Info.ReadOnly, "read-only info");
                ExpectError(Status.Unsupported, () => mm.Add(1, Row(data, 0)));
                ExpectError(Status.Unsupported, () => mm.Remove(keys[1]));
            }
            using (var ld = Index.Open(file, OpenMode.Load))
            {
                Check(SameAnswers(ld.SearchBatch(queries, K), before), "load answers");
                ld.Remove(keys[1]);
                Check(ld.Count == N - 1, "load is mutable");
                var info = ld.Info;
                Check(info.Kind == IndexKind.Hnsw && info.Dim == DIM && !info.ReadOnly, "info");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestHashingEmbedderFindsTheRightText()
    {
        var docs = new[] { "the cat sat on the mat", "vector search with hnsw graphs", "a recipe for apple pie", "rust borrow checker explained" };
        using (var emb = Embedder.Hashing(256))
        using (var ix = Index.Create(new IndexOptions { Dim = 256, Kind = IndexKind.Flat, Metric = Metric.Cosine }))
        {
            Check(emb.Dim == 256, "embedder dim");
            var vecs = emb.Embed(docs);
            for (int i = 0; i < vecs.Length; i++) ix.Add((ulong)i, vecs[i]);
            var q = emb.Embed("searching vectors in an HNSW graph", EmbedTask.Query);
            Check(ix.Search(q, 1)[0].Key == 1, "nearest document");
            Check(emb.Embed(docs[2]).SequenceEqual(vecs[2]), "deterministic");
        }
    }

    public static void TestCallbackEmbedderRunsCSharpCode()
    {
        var seen = new List<string>();
        using (var emb = Embedder.Callback(4, texts =>
        {
            seen.AddRange(texts);
            return texts.Select(t => new float[] { t.Length, t.Length == 0 ? 0 : t[0], 1, 0 }).ToArray();
        }))
        {
            var v = emb.Embed(new[] { "abc", "café" });
            Check(v[0].SequenceEqual(new float[] { 3, 'a', 1, 0 }), "row 0");
            Check(v[1][0] == 4 && seen[1] == "café", "utf-8 text");
        }
        using (var bad = Embedder.Callback(4, texts => throw new InvalidOperationException("model not loaded")))
        {
            var e = ExpectError(Status.Embedding, () => bad.Embed(new[] { "x" }));
            Check(e.Message.Contains("model not loaded"), "callback message: " + e);
        }
        using (var wrong = Embedder.Callback(4, texts => new[] { new float[] { 1, 2 } }))
        {
            ExpectError(Status.Embedding, () => wrong.Embed(new[] { "x" }));
        }
        ExpectError(Status.InvalidArgument, () => Embedder.Hashing(0));
    }

    public static void TestGeminiOptionsAreChecked()
    {
        var good = new GeminiOptions { ApiKey = "test-key", OutputDim = 256, MaxRetries = 0 };
        Embedder made;
        try
        {
            made = Embedder.Gemini(good);
        }
        catch (QuiverException e) when (e.Status == Status.Unsupported)
        {
            // A libquiver built with QV_WITH_GEMINI=OFF refuses every Gemini
            // embedder, and says how it was built.
            var refusal = ExpectError(Status.Unsupported, () => Embedder.Gemini(good));
            Check(refusal.Message.Contains("without the Gemini embedder"), "the refusal does not say why: " + refusal);
            ExpectError(Status.Unsupported, () => Embedder.Gemini(new GeminiOptions { ApiKey = "k", BaseUrl = "ftp://example.invalid" }));
            Console.WriteLine("skip TestGeminiOptionsAreChecked: libquiver built without Gemini");
            return;
        }
        using (var g = made)
        {
            Check(g.Dim == 256, "gemini dim");
        }
        ExpectError(Status.InvalidArgument, () => Embedder.Gemini(new GeminiOptions { ApiKey = "k", BaseUrl = "ftp://example.invalid" }));
    }

    // --- runner --------------------------------------------------------------

    public static int Main()
    {
        int passed = 0, failed = 0;
        var tests = typeof(IndexTests).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name.StartsWith("Test")).OrderBy(m => m.Name);
        foreach (var m in tests)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                m.Invoke(null, null);
                passed++;
                Console.WriteLine($"ok   {m.Name} ({sw.ElapsedMilliseconds} ms)");
            }
            catch (TargetInvocationException e)
            {
                failed++;
                Console.WriteLine($"FAIL {m.Name}: {e.InnerException}");
            }
        }
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
