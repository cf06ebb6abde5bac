// Storage types, open options, verify and memory: the 0.2 API through C#.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static string TempDir(string what)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"quiver-cs-{what}-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void TestI8RecallAndExactDistancesAgainstBruteForce()
    {
        foreach (IndexKind kind in Enum.GetValues(typeof(IndexKind))) I8RecallAndExactDistances(kind);
    }

    static void I8RecallAndExactDistances(IndexKind kind)
    {
        var data = RandomVectors(N, DIM, 31);
        var keys = Keys(N);
        int nq = 50;
        var queries = RandomVectors(nq, DIM, 32);
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = kind, Storage = Storage.I8, Seed = 7, HnswEfSearch = 96 }))
        {
            ix.AddBatch(keys, data);
            var info = ix.Info;
            Check(info.Storage == Storage.I8 && info.KeepsOriginals, "info");
            int hit = 0;
            for (int q = 0; q < nq; q++)
            {
                var want = new HashSet<ulong>(BruteForce(data, keys, queries, q, K));
                var hits = ix.Search(Row(queries, q), K, new SearchOptions { Rerank = 4 * K });
                Check(hits.Count == K, "k hits");
                foreach (var h in hits)
                {
                    if (want.Contains(h.Key)) hit++;
                    // Re-ranked on the kept originals: the exact float32 distance.
                    float exact = L2(data, (int)((h.Key - 1000) / 7), queries, q);
                    Check(Math.Abs(h.Distance - exact) <= 1e-4f * Math.Max(1f, exact), $"exact distance {h} vs {exact}");
                }
                Check(ix.Get(keys[q]).SequenceEqual(Row(data, q)), "Get returns the original");
            }
            double recall = hit / (double)(nq * K);
            Console.WriteLine($"    {kind} I8 recall@{K} = {recall:F3}");
            Check(recall >= 0.9, $"{kind} I8 recall {recall}");
        }
    }

    public static void TestMemoryBytesFollowsStorage()
    {
        var data = RandomVectors(N, DIM, 33);
        var keys = Keys(N);
        long f32, i8codes;
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Metric = Metric.Cosine }))
        {
            ix.AddBatch(keys, data);
            f32 = ix.MemoryBytes;
        }
        using (var ix = Index.Create(new IndexOptions { Dim = DIM, Metric = Metric.Cosine, Storage = Storage.I8, KeepOriginals = false }))
        {
            ix.AddBatch(keys, data);
            i8codes = ix.MemoryBytes;
            Check(!ix.Info.KeepsOriginals, "codes only");
        }
        Check(f32 >= (long)N * DIM * 4, "f32 holds the vectors: " + f32);
        Check(i8codes < f32, $"i8 codes only {i8codes} < f32 {f32}");
    }

    public static void TestStorageSaveOpenMmapRoundTrip()
    {
        var data = RandomVectors(N, DIM, 34);
        var keys = Keys(N);
        var queries = RandomVectors(10, DIM, 35);
        var dir = TempDir("storage");
        try
        {
            foreach (IndexKind kind in Enum.GetValues(typeof(IndexKind)))
            foreach (Storage st in Enum.GetValues(typeof(Storage)))
            {
                var file = Path.Combine(dir, $"{kind}-{st}.qv");
                List<List<Hit>> before;
                long heapBuilt;
                using (var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = kind, Metric = Metric.Cosine, Storage = st, Seed = 9 }))
                {
                    ix.AddBatch(keys, data);
                    before = ix.SearchBatch(queries, K);
                    heapBuilt = ix.MemoryBytes;
                    ix.Save(file);
                }
                using (var mm = Index.Open(file, new OpenOptions { Mode = OpenMode.Mmap, Verify = VerifyMode.Deferred, Threads = 2 }))
                {
                    var info = mm.Info;
                    Check(info.Storage == st && info.Kind == kind && info.ReadOnly, $"{kind} {st}: info");
                    Check(info.KeepsOriginals == (st == Storage.I8 || st == Storage.B1), st + ": originals");
                    Check(SameAnswers(mm.SearchBatch(queries, K), before), st + ": mmap answers");
                    mm.Verify();
                    Check(mm.MemoryBytes < heapBuilt, st + ": mapped pages are not heap");
                }
                using (var ld = Index.Open(file, OpenMode.Load))
                {
                    Check(SameAnswers(ld.SearchBatch(queries, K), before), st + ": load answers");
                    Check(ld.Info.Storage == st, st + ": load info");
                    ld.Verify();
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestVerifyFindsDamageADeferredOpenSkipped()
    {
        var dir = TempDir("verify");
        var file = Path.Combine(dir, "index.qv");
        try
        {
            using (var ix = Index.Create(new IndexOptions { Dim = DIM, Seed = 5 }))
            {
                ix.AddBatch(Keys(N), RandomVectors(N, DIM, 36));
                ix.Save(file);
            }
            var b = File.ReadAllBytes(file);
            b[b.Length / 2] ^= 0xFF; // vectors take most of the file
            File.WriteAllBytes(file, b);
            ExpectError(Status.Corrupt, () => Index.Open(file, OpenMode.Mmap));
            using (var mm = Index.Open(file, new OpenOptions { Mode = OpenMode.Mmap, Verify = VerifyMode.Deferred }))
            {
                var e = ExpectError(Status.Corrupt, () => mm.Verify());
                Check(e.Message.Contains(file), "the message names the file: " + e);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestStorageErrorsNameCSharpTerms()
    {
        var b1 = ExpectError(Status.InvalidArgument,
            () => Index.Create(new IndexOptions { Dim = DIM, Storage = Storage.B1, Metric = Metric.L2 }));
        Check(b1.Message.Contains("Storage.B1") && !b1.Message.Contains("QV_"), "B1 message: " + b1);
        ExpectError(Status.InvalidArgument, () => Index.Create(new IndexOptions { Dim = DIM, Storage = Storage.B1 }));
        using (var flat = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Flat, Metric = Metric.Cosine, Storage = Storage.B1 }))
            Check(flat.Info.Storage == Storage.B1 && flat.Info.Kind == IndexKind.Flat, "Flat B1");
        using (var ok = Index.Create(new IndexOptions { Dim = DIM, Storage = Storage.B1, Metric = Metric.IP }))
            Check(ok.Info.Storage == Storage.B1 && ok.Info.Metric == Metric.IP, "B1 under IP");
        using (var f = Index.Create(new IndexOptions { Dim = DIM, Kind = IndexKind.Flat }))
            Check(f.Info.Storage == Storage.F32 && !f.Info.KeepsOriginals, "Flat is F32");
    }
}
