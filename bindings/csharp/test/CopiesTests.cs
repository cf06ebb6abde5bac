// Reads of metadata and documents while another thread changes them: the raw layer copies
// through qv_index_copy_metadata / qv_index_copy_document (under the index's locks), so every
// read is one whole version, never bytes of a version being freed.
using System;
using System.Linq;
using System.Threading;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    // Runs change() in a loop on another thread while read() runs `reads` times here; at least
    // `minChanges` changes must have overlapped the reads.
    static void WhileChanging(Action change, Action read, int reads, int minChanges)
    {
        int changes = 0;
        Exception failure = null;
        var stop = new ManualResetEventSlim(false);
        var writer = new Thread(() =>
        {
            try
            {
                while (!stop.IsSet)
                {
                    change();
                    Interlocked.Increment(ref changes);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        writer.Start();
        try
        {
            for (int i = 0; i < reads || Volatile.Read(ref changes) < minChanges; i++)
            {
                if (failure != null) break;
                read();
            }
        }
        finally
        {
            stop.Set();
            writer.Join();
        }
        if (failure != null) throw new Exception("the changing thread failed", failure);
        Check(changes >= minChanges, $"only {changes} changes overlapped the reads");
    }

    public static void TestCopiesDocumentReadsAlongsideUpsertsAreWhole()
    {
        // Two versions told apart by source and fields; the long fields are beyond the raw
        // layer's first guess, so reads of them take the "call again with room" path.
        string[] sources = { "alpha.txt", "omega.txt" };
        string[] fields = { new string('a', 200000), new string('o', 40) };
        using (var emb = Embedder.Hashing(DocDim))
        using (var ix = DocIndex(emb))
        {
            ix.UpsertText(1, "alpha version text", sources[0], fields[0]);
            int next = 1, reads = 0;
            WhileChanging(
                () =>
                {
                    ix.UpsertText(1, next == 0 ? "alpha version text" : "omega version text", sources[next],
                                  fields[next]);
                    next ^= 1;
                },
                () =>
                {
                    var d = ix.GetDocument(1);
                    int v = Array.IndexOf(sources, d.Source);
                    Check(v >= 0, "a torn source: " + d.Source.Substring(0, Math.Min(40, d.Source.Length)));
                    Check(d.Fields == fields[v], $"the fields of another version than {d.Source} " +
                                                 $"({d.Fields.Length} chars)");
                    if (++reads % 16 != 0) return;
                    var hit = ix.SearchHybrid("version", 1)[0]; // its source is looked up too
                    Check(hit.Source == null || sources.Contains(hit.Source), "a torn hit source: " + hit.Source);
                },
                20000, 200);
        }
    }

    public static void TestCopiesMetadataReadsAlongsideSetsAreWhole()
    {
        byte[][] values = { Enumerable.Repeat((byte)'x', 100000).ToArray(), Enumerable.Repeat((byte)'y', 10).ToArray() };
        using (var ix = Index.Create(new IndexOptions { Dim = 4, Kind = IndexKind.Flat, Metric = Metric.L2 }))
        {
            ix.Add(1, new float[] { 1, 2, 3, 4 });
            ix.SetMetadata(1, values[0]);
            int next = 1;
            WhileChanging(
                () =>
                {
                    ix.SetMetadata(1, values[next]);
                    next ^= 1;
                },
                () =>
                {
                    var m = ix.GetMetadata(1);
                    Check(m.SequenceEqual(values[0]) || m.SequenceEqual(values[1]),
                          $"torn metadata: {m.Length} bytes");
                },
                5000, 200);
        }
    }
}
