namespace Quiver
{
    /// <summary>What TextOptions.ChunkSize and ChunkOverlap count.</summary>
    public enum ChunkUnit
    {
        /// <summary>Unicode code points: exact and predictable; a chunk may cut a word.</summary>
        Characters = 1,
        /// <summary>Whitespace-separated tokens: a chunk never cuts a word.</summary>
        Tokens = 2,
    }

    /// <summary>
    /// How Index.AddText splits a document into chunks; unset options keep the library
    /// defaults (800 characters per chunk, 100 of overlap).
    /// </summary>
    public sealed class TextOptions
    {
        public ChunkUnit? Unit { get; set; }
        /// <summary>Units per chunk, at least 1.</summary>
        public uint? ChunkSize { get; set; }
        /// <summary>Units shared by neighbouring chunks, less than ChunkSize.</summary>
        public uint? ChunkOverlap { get; set; }
    }

    /// <summary>
    /// One text search result: the document, its chunk that matched (Index.ChunkKey(DocKey, n)),
    /// the chunk's distance to the query, its text (null if the chunk was removed while the
    /// search ran) and the document's source (Document.Source: "" when it has none; null when the
    /// document has no entry in the document table: added by an older version of the library and
    /// not upserted since, or removed while the search ran).
    /// </summary>
    public sealed class TextHit
    {
        public ulong DocKey { get; }
        public ulong ChunkKey { get; }
        public float Distance { get; }
        public string Passage { get; }
        public string Source { get; }

        public TextHit(ulong docKey, ulong chunkKey, float distance, string passage, string source = null)
        {
            DocKey = docKey;
            ChunkKey = chunkKey;
            Distance = distance;
            Passage = passage;
            Source = source;
        }

        public override bool Equals(object obj) =>
            obj is TextHit o && o.DocKey == DocKey && o.ChunkKey == ChunkKey &&
            o.Distance == Distance && o.Passage == Passage && o.Source == Source;

        public override int GetHashCode() => (DocKey, ChunkKey, Distance, Passage, Source).GetHashCode();

        public override string ToString() => $"({DocKey}, chunk {ChunkKey}, {Distance}, \"{Passage}\", source \"{Source}\")";
    }

    /// <summary>
    /// A document's entry in the index's document table (Index.GetDocument): its source (a path or
    /// URI, as given to Index.UpsertText) and its fields (any text of yours, e.g. JSON); each is ""
    /// when the document has none.
    /// </summary>
    public sealed class Document
    {
        public string Source { get; }
        public string Fields { get; }

        public Document(string source, string fields)
        {
            Source = source;
            Fields = fields;
        }

        public override bool Equals(object obj) => obj is Document o && o.Source == Source && o.Fields == Fields;

        public override int GetHashCode() => (Source, Fields).GetHashCode();

        public override string ToString() => $"Document(source \"{Source}\", fields \"{Fields}\")";
    }
}
