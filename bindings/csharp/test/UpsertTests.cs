// Index.Upsert over qv_index_upsert: a new key is added, a live key gets its new
// vector (found by a search for it, metadata kept, count unchanged), bad vectors
// and read-only indexes are refused.
using System;
using System.IO;
using System.Linq;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static Index L2Index(IndexKind kind, float[] data)
    {
        var ix = Index.Create(new IndexOptions { Dim = DIM, Kind = kind, Metric = Metric.L2 });
        ix.AddBatch(Enumerable.Range(0, data.Length / DIM).Select(i => (ulong)i).ToArray(), data);
        return ix;
    }

    public static void TestUpsertAddsANewKeyAndReplacesALiveOne()
    {
        foreach (var kind in new[] { IndexKind.Flat, IndexKind.Hnsw })
        {
            var data = RandomVectors(200, DIM, 41);
            using (var ix = L2Index(kind, data))
            {
                ix.SetMetadata(7, "seven");
                var fresh = Enumerable.Range(0, DIM).Select(j => 5f + j).ToArray();
                ix.Upsert(500, fresh); // a new key: added
                Check(ix.Count == 201, kind + ": count after a new key");
                Check(ix.Get(500).SequenceEqual(fresh), kind + ": get of the new key");

                var moved = Row(data, 7).Select(x => x - 9f).ToArray(); // far from every other vector
                ix.Upsert(7, moved); // a live key: replaced
                Check(ix.Count == 201, kind + ": count after replacing");
                Check(ix.Get(7).SequenceEqual(moved), kind + ": get after replacing");
                var hits = ix.Search(moved, 3);
                Check(hits[0].Key == 7 && hits[0].Distance == 0, kind + ": search for the new vector");
                Check(ix.GetMetadataString(7) == "seven", kind + ": metadata kept");
            }
        }
    }

    public static void TestUpsertRefusesBadVectors()
    {
        var data = RandomVectors(3, DIM, 42);
        using (var ix = L2Index(IndexKind.Hnsw, data))
        using (var cos = Index.Create(new IndexOptions { Dim = DIM, Metric = Metric.Cosine }))
        {
            var bad = Row(data, 1);
            bad[3] = float.NaN;
            ExpectError(Status.InvalidArgument, () => ix.Upsert(1, bad));
            bad[3] = float.PositiveInfinity;
            ExpectError(Status.InvalidArgument, () => ix.Upsert(9, bad));
            ExpectError(Status.DimensionMismatch, () => ix.Upsert(1, new float[DIM - 1]));
            Expect<ArgumentNullException>(() => ix.Upsert(1, null));
            Check(ix.Count == 3, "a refused upsert changed the count");
            Check(ix.Get(1).SequenceEqual(Row(data, 1)), "a refused upsert changed the vector");
            ExpectError(Status.InvalidArgument, () => cos.Upsert(1, new float[DIM]));
        }
    }

    public static void TestUpsertOnAReadOnlyIndexIsUnsupported()
    {
        var data = RandomVectors(10, DIM, 43);
        var dir = TempDir("upsert");
        var file = Path.Combine(dir, "index.qv");
        try
        {
            using (var ix = L2Index(IndexKind.Hnsw, data)) ix.Save(file);
            using (var mm = Index.Open(file, OpenMode.Mmap))
            {
                ExpectError(Status.Unsupported, () => mm.Upsert(1, Row(data, 0)));
                ExpectError(Status.Unsupported, () => mm.Upsert(99, Row(data, 0)));
                Check(mm.Count == 10, "count after refused upserts");
                Check(mm.Get(1).SequenceEqual(Row(data, 1)), "vector after refused upserts");
            }
            using (var ld = Index.Open(file, OpenMode.Load))
            {
                ld.Upsert(1, Row(data, 0));
                Check(ld.Get(1).SequenceEqual(Row(data, 0)), "a loaded index upserts");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
