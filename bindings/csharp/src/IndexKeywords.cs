using System.Collections.Generic;
using Quiver.Internal;

namespace Quiver
{
    /// <summary>
    /// One keyword search result: a key (a chunk key for text added with Index.AddText) and its
    /// BM25 score; higher is better.
    /// </summary>
    public sealed class KeywordHit
    {
        public ulong Key { get; }
        public float Score { get; }

        public KeywordHit(ulong key, float score)
        {
            Key = key;
            Score = score;
        }

        public override bool Equals(object obj) => obj is KeywordHit o && o.Key == Key && o.Score == Score;

        public override int GetHashCode() => (Key, Score).GetHashCode();

        public override string ToString() => $"({Key}, {Score})";
    }

    /// <summary>
    /// One hybrid search result: the document, its best chunk (Index.ChunkKey(DocKey, n)), the
    /// fused score (higher is better), the chunk's text (null if the chunk was removed while
    /// the search ran) and the document's source (as TextHit.Source).
    /// </summary>
    public sealed class HybridHit
    {
        public ulong DocKey { get; }
        public ulong ChunkKey { get; }
        public float Score { get; }
        public string Passage { get; }
        public string Source { get; }

        public HybridHit(ulong docKey, ulong chunkKey, float score, string passage, string source = null)
        {
            DocKey = docKey;
            ChunkKey = chunkKey;
            Score = score;
            Passage = passage;
            Source = source;
        }

        public override bool Equals(object obj) =>
            obj is HybridHit o && o.DocKey == DocKey && o.ChunkKey == ChunkKey &&
            o.Score == Score && o.Passage == Passage && o.Source == Source;

        public override int GetHashCode() => (DocKey, ChunkKey, Score, Passage, Source).GetHashCode();

        public override string ToString() => $"({DocKey}, chunk {ChunkKey}, {Score}, \"{Passage}\", source \"{Source}\")";
    }

    // Keyword search (BM25 over every key's metadata read as text) and hybrid search
    // (documents by meaning and exact words together); quiver.h has the details.
    public sealed partial class Index
    {
        /// <summary>
        /// Keyword search (BM25) over every key's metadata read as text: up to k keys (chunk keys
        /// for text added with AddText) whose text best matches the words of query, highest score
        /// first. Words are Unicode letters and digits, case and accents folded; a query without
        /// words finds nothing. No embedder is needed. The options' filter applies (Ef and Rerank
        /// do not).
        /// </summary>
        public List<KeywordHit> SearchKeywords(string query, int k, SearchOptions options = null)
        {
            var q = TextBytes(query, "the query");
            CheckK(k);
            var h = Live();
            var keys = new ulong[k];
            var scores = new float[k];
            var found = new ulong[1];
            var bridge = Bridge(options);
            var qarg = q.Length == 0 ? new byte[1] : q;
            try
            {
                int s = QuiverNative.qvs_index_search_keywords(h, qarg, (ulong)q.Length, (ulong)k, bridge,
                                                               keys, scores, found);
                bridge?.Rethrow();
                Check(s);
            }
            finally
            {
                bridge?.Dispose();
            }
            var hits = new List<KeywordHit>((int)found[0]);
            for (int i = 0; i < (int)found[0]; i++) hits.Add(new KeywordHit(keys[i], scores[i]));
            return hits;
        }

        /// <summary>
        /// Hybrid search for documents: reciprocal rank fusion of SearchText (meaning, through the
        /// embedder) and SearchKeywords (exact words: names, codes), each document with its best
        /// chunk, highest score first. Needs an embedder (InvalidArgument without). Ef applies as
        /// in SearchText; the filter is called with chunk keys, in both rankings; KeywordWeight
        /// weighs the keyword ranking (InvalidArgument when negative, not finite or above 1000).
        /// </summary>
        public List<HybridHit> SearchHybrid(string query, int k, SearchOptions options = null)
        {
            var q = TextBytes(query, "the query");
            CheckK(k);
            var h = Live();
            var docs = new ulong[k];
            var chunkKeys = new ulong[k];
            var scores = new float[k];
            var found = new ulong[1];
            var bridge = Bridge(options);
            uint ef = options?.Ef ?? 0;
            float keywordWeight = options?.KeywordWeight ?? 0;
            var qarg = q.Length == 0 ? new byte[1] : q;
            try
            {
                WithEmbedder(() =>
                {
                    int s = QuiverNative.qvs_index_search_hybrid(h, qarg, (ulong)q.Length, (ulong)k, ef, keywordWeight,
                                                                 bridge, docs, chunkKeys, scores, found);
                    bridge?.Rethrow();
                    Check(s);
                });
            }
            finally
            {
                bridge?.Dispose();
            }
            return DocumentHits(h, found[0], docs, chunkKeys, scores,
                                (doc, chunk, score, passage, source) => new HybridHit(doc, chunk, score, passage, source));
        }
    }
}
