// A C# program outside the repository, built by check_install.sh against the
// installed Quiver only: mcs -r:<prefix>/lib/quiver/csharp/Quiver.dll, then the
// files of that folder copied next to the program, as bindings/csharp/README.md
// says (no MONO_PATH, no LD_LIBRARY_PATH).
using System;
using Quiver;
using Index = Quiver.Index; // System.Index exists too

class Hello
{
    static int Main()
    {
        using (var ix = Index.Create(new IndexOptions { Dim = 4, Metric = Metric.Cosine, Storage = Storage.I8 }))
        {
            ix.AddBatch(new ulong[] { 7, 8, 42 }, new float[] { 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0 });
            var hits = ix.Search(new float[] { 1, 0.1f, 0, 0 }, 2, new SearchOptions { Filter = k => k != 8 });
            Console.WriteLine($"quiver {QuiverLibrary.Version} nearest: {hits[0].Key}");
            var info = ix.Info;
            Console.WriteLine($"{info.Kind} {info.Metric} {info.Storage}");
            try
            {
                ix.Add(42, new float[] { 1, 0, 0, 0 });
            }
            catch (QuiverException e)
            {
                Console.WriteLine($"{e.Status} {e.Message}");
            }
        }
        return 0;
    }
}
