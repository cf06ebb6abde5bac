// Documents (issue 15): UpsertText replaces a document's chunks, GetDocument returns its source
// and fields, ListDocuments and DocumentCount see the document table, text hits carry the source,
// a save keeps it all for both open modes, and the errors are the C API's.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Quiver;
using Index = Quiver.Index;

public static partial class IndexTests
{
    const int DocDim = 256;

    // A cosine index with the hashing embedder, chunking by 4 tokens without overlap.
    static Index DocIndex(Embedder emb)
    {
        var ix = Index.Create(new IndexOptions { Dim = DocDim, Kind = IndexKind.Flat, Metric = Metric.Cosine });
        ix.SetEmbedder(emb);
        ix.SetTextOptions(new TextOptions { Unit = ChunkUnit.Tokens, ChunkSize = 4, ChunkOverlap = 0 });
        return ix;
    }

    // n words: stem0 .. stem(n-1).
    static string Words(string stem, int n) => string.Join(" ", Enumerable.Range(0, n).Select(i => stem + i));

    static HashSet<ulong> KeywordDocs(Index ix, string query) =>
        new HashSet<ulong>(ix.SearchKeywords(query, 50).Select(h => Index.DocKey(h.Key)));

    public static void TestDocumentsUpsertTextReplacesADocument()
    {
        using (var emb = Embedder.Hashing(DocDim))
        using (var ix = DocIndex(emb))
        {
            ix.AddText(1, "an unrelated neighbour document about glaciers");
            ix.UpsertText(7, "walrus " + Words("old", 11)); // 12 tokens: 3 chunks
            var first = ix.DocumentChunks(7);
            Check(first.Length == 3, "chunks of the first version: " + string.Join(",", first));
            Check(first.All(c => Index.DocKey(c) == 7), "a chunk of another document");
            Check(ix.GetMetadataString(first[0]).StartsWith("walrus"), "first chunk's text");
            Check(KeywordDocs(ix, "walrus").SetEquals(new ulong[] { 7 }), "walrus before the upsert");
            Check(ix.Count == 2 + 3, "chunks in the index: " + ix.Count);

            ix.UpsertText(7, "narwhal " + Words("new", 19)); // 20 tokens: 5 chunks, it grows
            var second = ix.DocumentChunks(7);
            Check(second.Length == 5, "chunks of the second version: " + string.Join(",", second));
            Check(!first.Intersect(second).Any(), "an old chunk key is still current");
            foreach (var c in first) ExpectError(Status.NotFound, () => ix.GetMetadata(c)); // gone
            Check(ix.GetMetadataString(second[0]).StartsWith("narwhal"), "text order of the chunks");
            Check(KeywordDocs(ix, "walrus").Count == 0, "the old text is still found by keywords");
            Check(KeywordDocs(ix, "narwhal").SetEquals(new ulong[] { 7 }), "the new text is not found");
            Check(ix.Count == 2 + 5, "chunks after growing: " + ix.Count);
            Check(ix.SearchText("narwhal new0 new1", 2)[0].DocKey == 7, "search by meaning");

            ix.UpsertText(7, "dolphin"); // one chunk: it shrinks
            Check(ix.DocumentChunks(7).Length == 1, "chunks after shrinking");
            Check(KeywordDocs(ix, "narwhal").Count == 0, "the second version is still found");
            Check(KeywordDocs(ix, "dolphin").SetEquals(new ulong[] { 7 }), "the third version is not found");
            Check(ix.Count == 2 + 1, "chunks after shrinking: " + ix.Count);
            Check(ix.DocumentCount == 2, "documents: " + ix.DocumentCount);
        }
    }

    public static void TestDocumentsSourceAndFieldsRoundTrip()
    {
        // Non-ASCII, and beyond the BMP (a surrogate pair in C#).
        var source = "notes/café/Ünïcödé 日本語 \U0001F4CE.md";
        var fields = "{\"title\": \"Grüße aus Köln\", \"tags\": [\"日本\", \"\U0001F680\"]}";
        using (var emb = Embedder.Hashing(DocDim))
        using (var ix = DocIndex(emb))
        {
            ix.UpsertText(3, "a document with a source", source, fields);
            Check(ix.GetDocument(3).Equals(new Document(source, fields)), ix.GetDocument(3).ToString());
            ix.UpsertText(3, "replaced, with no source and no fields");
            Check(ix.GetDocument(3).Equals(new Document("", "")), "none: " + ix.GetDocument(3));
            ix.UpsertText(3, "replaced again", fields: "only fields");
            Check(ix.GetDocument(3).Equals(new Document("", "only fields")), ix.GetDocument(3).ToString());
            ix.AddText(4, "added, not upserted");
            Check(ix.GetDocument(4).Equals(new Document("", "")), "added: " + ix.GetDocument(4));
        }
    }

    public static void TestDocumentsListAndCount()
    {
        using (var emb = Embedder.Hashing(DocDim))
        using (var ix = DocIndex(emb))
        {
            Check(ix.DocumentCount == 0 && ix.ListDocuments().Length == 0, "an empty index");
            // More than one page (1024) of documents, added in an order that is not the keys' order.
            const int n = 1500;
            var keys = Enumerable.Range(0, n).Select(i => (ulong)((i * 7919L) % n) * 3 + 1).ToArray();
            ix.AddTexts(keys, Enumerable.Range(0, n).Select(i => "document number " + i).ToArray());
            ix.UpsertText(Index.MaxDocKey, "the largest key", "max");
            var want = keys.Concat(new[] { Index.MaxDocKey }).OrderBy(k => k).ToArray();
            Check(ix.ListDocuments().SequenceEqual(want), "ListDocuments is not every key, ascending");
            Check(ix.DocumentCount == n + 1, "DocumentCount " + ix.DocumentCount);
            ix.RemoveText(keys[0]);
            Check(ix.DocumentCount == n, "DocumentCount after RemoveText");
            Check(!ix.ListDocuments().Contains(keys[0]), "a removed document is listed");
        }
    }

    static void CheckHitSource(ulong doc, string source)
    {
        var want = doc == 1 ? "docs/bees.md" : doc == 2 ? "https://example.org/trains" : "";
        Check(want == source, $"document {doc} has source {source ?? "null"}");
    }

    public static void TestDocumentsHitsCarryTheSource()
    {
        using (var emb = Embedder.Hashing(DocDim))
        using (var ix = DocIndex(emb))
        {
            ix.UpsertText(1, "honeybees make honey in the hive", "docs/bees.md", "{}");
            ix.UpsertText(2, "steam locomotives pull trains ZX4711", "https://example.org/trains");
            ix.AddText(3, "volcanoes erupt lava"); // an entry with no source
            foreach (var h in ix.SearchText("honey bees trains lava", 3)) CheckHitSource(h.DocKey, h.Source);
            foreach (var h in ix.SearchTextChunks("honey bees trains lava", 10)) CheckHitSource(h.DocKey, h.Source);
            var hybrid = ix.SearchHybrid("ZX4711", 3);
            Check(hybrid[0].DocKey == 2, "hybrid: " + string.Join(", ", hybrid));
            foreach (var h in hybrid) CheckHitSource(h.DocKey, h.Source);
        }
    }

    public static void TestDocumentsSurviveSaveAndOpen()
    {
        var dir = Path.Combine(Path.GetTempPath(), "quiver-cs-docs-" + Guid.NewGuid());
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, "docs.qv");
        var fiveFields = "{\"v\": 2, \"ü\": \"ß\"}";
        try
        {
            ulong[] chunks;
            using (var emb = Embedder.Hashing(DocDim))
            using (var ix = DocIndex(emb))
            {
                ix.UpsertText(5, "first version of five", "five.txt", "v1");
                ix.UpsertText(5, Words("grebe", 10), "five.md", fiveFields);
                ix.UpsertText(9, "nine is here", "nine.txt");
                ix.AddText(11, "eleven was only added");
                chunks = ix.DocumentChunks(5);
                Check(chunks.Length == 3 && chunks[0] != Index.ChunkKey(5, 0), "upserted chunk numbers");
                ix.Save(file);
            }
            foreach (var mode in new[] { OpenMode.Load, OpenMode.Mmap })
            {
                using (var emb = Embedder.Hashing(DocDim))
                using (var ix = Index.Open(file, mode))
                {
                    Check(ix.DocumentCount == 3, mode + ": DocumentCount");
                    Check(ix.ListDocuments().SequenceEqual(new ulong[] { 5, 9, 11 }), mode + ": ListDocuments");
                    Check(ix.DocumentChunks(5).SequenceEqual(chunks), mode + ": DocumentChunks");
                    Check(ix.GetDocument(5).Equals(new Document("five.md", fiveFields)), mode + ": " + ix.GetDocument(5));
                    Check(ix.GetDocument(9).Equals(new Document("nine.txt", "")), mode + ": nine");
                    Check(ix.GetDocument(11).Equals(new Document("", "")), mode + ": eleven");
                    Check(KeywordDocs(ix, "grebe3").SetEquals(new ulong[] { 5 }), mode + ": keywords");
                    ix.SetEmbedder(emb);
                    var hit = ix.SearchText("grebe0 grebe1 grebe2", 1)[0];
                    Check(hit.DocKey == 5 && hit.Source == "five.md", mode + ": " + hit);
                    if (mode == OpenMode.Mmap)
                    {
                        ExpectError(Status.Unsupported, () => ix.UpsertText(5, "read-only", "x", "y"));
                        ExpectError(Status.Unsupported, () => ix.UpsertText(12, "read-only"));
                        Check(ix.GetDocument(5).Source == "five.md", "a refused upsert changed nothing");
                    }
                    else
                    {
                        ix.UpsertText(9, "nine replaced after open", "nine-v2.txt");
                        Check(ix.GetDocument(9).Source == "nine-v2.txt", "upsert after Load");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static void TestDocumentsErrors()
    {
        using (var emb = Embedder.Hashing(DocDim))
        {
            var ix = Index.Create(new IndexOptions { Dim = DocDim, Kind = IndexKind.Flat, Metric = Metric.Cosine });
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, "no embedder yet"));
            ix.SetEmbedder(emb);
            ExpectError(Status.NotFound, () => ix.GetDocument(42));
            ExpectError(Status.NotFound, () => ix.DocumentChunks(42));
            ExpectError(Status.InvalidArgument, () => ix.GetDocument(Index.MaxDocKey + 1));
            ExpectError(Status.InvalidArgument, () => ix.DocumentChunks(ulong.MaxValue));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(Index.MaxDocKey + 1, "too big"));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, null));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, " \n "));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, "text", "a\0b"));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, "text", null, "a\0b"));
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, "text", new string('s', 8193)));
            Check(ix.DocumentCount == 0 && ix.Count == 0, "a refused upsert added something");

            ix.UpsertText(1, "a document", "src");
            ExpectError(Status.InvalidArgument, () => ix.UpsertText(1, "", "other"));
            Check(ix.GetDocument(1).Source == "src", "a refused upsert changed the document");
            ix.RemoveText(1);
            ExpectError(Status.NotFound, () => ix.GetDocument(1));
            ExpectError(Status.NotFound, () => ix.DocumentChunks(1));
            ix.Dispose();
            Expect<ObjectDisposedException>(() => ix.GetDocument(1));
            Expect<ObjectDisposedException>(() => { var _ = ix.DocumentCount; });
        }
    }
}
