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
    /// the chunk's distance to the query and its text (null if the chunk was removed while the
    /// search ran).
    /// </summary>
    public sealed class TextHit
    {
        public ulong DocKey { get; }
        public ulong ChunkKey { get; }
        public float Distance { get; }
        public string Passage { get; }

        public TextHit(ulong docKey, ulong chunkKey, float distance, string passage)
        {
            DocKey = docKey;
            ChunkKey = chunkKey;
            Distance = distance;
            Passage = passage;
        }

        public override bool Equals(object obj) =>
            obj is TextHit o && o.DocKey == DocKey && o.ChunkKey == ChunkKey &&
            o.Distance == Distance && o.Passage == Passage;

        public override int GetHashCode() => (DocKey, ChunkKey, Distance, Passage).GetHashCode();

        public override string ToString() => $"({DocKey}, chunk {ChunkKey}, {Distance}, \"{Passage}\")";
    }
}
