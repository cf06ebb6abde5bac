// Error messages speak C#: a read-only index, a text call without an embedder
// and bad option values give messages that name no C identifier (no qv_ call,
// no QV_ constant, no NULL) and name options as IndexOptions spells them.
using System;
using System.IO;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    static string NoCNames(string message)
    {
        Check(!string.IsNullOrEmpty(message), "empty message");
        foreach (var c in new[] { "qv_", "QV_", "NULL" })
            Check(!message.Contains(c), $"the message names C ({c}): {message}");
        return message;
    }

    public static void TestMessageReadOnlyIndexSaysHowToOpenItForChanges()
    {
        var dir = Path.Combine(Path.GetTempPath(), "quiver-cs-messages-" + Guid.NewGuid());
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "ro.qv");
        try
        {
            using (var ix = Index.Create(new IndexOptions { Dim = 8, Kind = IndexKind.Flat }))
            {
                ix.Add(1, new float[] { 1, 1, 1, 1, 1, 1, 1, 1 });
                ix.Save(file);
            }
            using (var mm = Index.Open(file, OpenMode.Mmap))
            {
                var m = NoCNames(ExpectError(Status.Unsupported, () => mm.Add(2, new float[8])).Message);
                Check(m.Contains("read-only") && m.Contains("loading"), m);
                m = NoCNames(ExpectError(Status.Unsupported, () => mm.Remove(1)).Message);
                Check(m.Contains("read-only"), m);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestMessageTextCallWithoutEmbedderSaysToAttachOne()
    {
        using (var ix = Index.Create(new IndexOptions { Dim = 8, Kind = IndexKind.Flat, Metric = Metric.Cosine }))
        {
            var m = NoCNames(ExpectError(Status.InvalidArgument, () => ix.AddText(1, "hello")).Message);
            Check(m.Contains("no embedder is attached"), m);
            m = NoCNames(ExpectError(Status.InvalidArgument, () => ix.SearchText("hello", 2)).Message);
            Check(m.Contains("no embedder is attached"), m);
        }
    }

    public static void TestMessageBadOptionValuesAreNamedAsIndexOptionsSpellsThem()
    {
        var m = NoCNames(Expect<ArgumentOutOfRangeException>(
            () => Index.Create(new IndexOptions { Dim = 8, HnswM = 1 })).Message);
        Check(m.Contains("HnswM is 1; it must be between 2 and 256"), m);
        m = NoCNames(Expect<ArgumentOutOfRangeException>(
            () => Index.Create(new IndexOptions { Dim = 8, HnswEfSearch = 0 })).Message);
        Check(m.Contains("HnswEfSearch is 0"), m);
        m = NoCNames(Expect<ArgumentOutOfRangeException>(
            () => Index.Create(new IndexOptions { Dim = 0 })).Message);
        Check(m.Contains("Dim is 0"), m);
        m = NoCNames(ExpectError(Status.InvalidArgument,
            () => Index.Create(new IndexOptions { Dim = 8, Storage = Storage.B1, Metric = Metric.L2 })).Message);
        Check(m.Contains("Storage.B1"), m);
    }
}
