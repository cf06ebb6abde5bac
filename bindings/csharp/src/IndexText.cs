using System;
using System.Collections.Generic;
using System.Text;
using Quiver.Internal;

namespace Quiver
{
    // Text on an index: attach an embedder (SetEmbedder), add documents as text
    // (AddText), search with text (SearchText). Each document is split into chunks
    // stored under ChunkKey(doc, n) with the chunk's text as metadata (quiver.h, "Text").
    public sealed partial class Index
    {
        private readonly object textLock = new object();
        private Embedder embedder; // the attached embedder, kept alive while attached; guarded by textLock

        /// <summary>The largest document key (48 bits).</summary>
        public const ulong MaxDocKey = (1UL << 48) - 1;

        /// <summary>The key of chunk n of document docKey: (docKey &lt;&lt; 16) | n.</summary>
        public static ulong ChunkKey(ulong docKey, int n) => (docKey << 16) | ((ulong)n & 0xFFFF);

        /// <summary>The document a chunk key belongs to.</summary>
        public static ulong DocKey(ulong chunkKey) => chunkKey >> 16;

        /// <summary>
        /// Attaches the embedder that turns text into vectors for this index (null detaches).
        /// The index keeps the embedder, and a callback embedder's C# function, alive until it is
        /// disposed or given another one: disposing the Embedder right after this call is fine.
        /// Not saved with the index: attach it again after Open. Throws DimensionMismatch when
        /// the dims differ (the attached embedder stays).
        /// </summary>
        public void SetEmbedder(Embedder e)
        {
            var h = Live();
            lock (textLock)
            {
                if (e == null) Check(QuiverNative.qvs_index_set_embedder(h, null));
                else e.AttachTo(h);
                var old = embedder;
                embedder = e;
                old?.Release();
            }
        }

        /// <summary>Sets how later AddText calls chunk documents (null = the defaults).</summary>
        public void SetTextOptions(TextOptions options)
        {
            var h = Live();
            if (options == null)
            {
                Check(QuiverNative.qvs_index_set_text_options(h, null));
                return;
            }
            using (var c = new QvTextConfig())
            {
                if (options.Unit.HasValue) c.unit = (int)options.Unit.Value;
                if (options.ChunkSize.HasValue) c.chunk_size = options.ChunkSize.Value;
                if (options.ChunkOverlap.HasValue) c.chunk_overlap = options.ChunkOverlap.Value;
                Check(QuiverNative.qvs_index_set_text_options(h, c));
            }
        }

        /// <summary>
        /// Adds a document: splits it into chunks, embeds them and stores each under
        /// ChunkKey(docKey, n) with its text as metadata. docKey must be at most MaxDocKey.
        /// </summary>
        public void AddText(ulong docKey, string text) => AddTexts(new[] { docKey }, new[] { text });

        /// <summary>Adds documents texts[i] under docKeys[i], embedded in one call; all or nothing.</summary>
        public void AddTexts(ulong[] docKeys, IReadOnlyList<string> texts)
        {
            if (docKeys.Length != texts.Count)
                throw new QuiverException(Status.InvalidArgument,
                    $"{docKeys.Length} keys for {texts.Count} texts; pass one key per text");
            if (docKeys.Length == 0) return;
            var h = Live();
            using (var t = new QvTexts())
            {
                for (int i = 0; i < texts.Count; i++)
                {
                    var b = TextBytes(texts[i], "text " + i);
                    t.add(b.Length == 0 ? new byte[1] : b, (ulong)b.Length);
                }
                WithEmbedder(() => Check(QuiverNative.qvs_index_add_texts(h, docKeys, t)));
            }
        }

        /// <summary>Removes every chunk of a document; throws NotFound when it is not in the index.</summary>
        public void RemoveText(ulong docKey) => Check(QuiverNative.qvs_index_remove_text(Live(), docKey));

        /// <summary>
        /// The k documents nearest to query, each with its best chunk, nearest first. The
        /// options' filter is called with chunk keys (DocKey gives the document).
        /// </summary>
        public List<TextHit> SearchText(string query, int k, SearchOptions options = null) =>
            SearchTextImpl(query, k, options, false);

        /// <summary>The k chunks nearest to query (several may belong to one document), nearest first.</summary>
        public List<TextHit> SearchTextChunks(string query, int k, SearchOptions options = null) =>
            SearchTextImpl(query, k, options, true);

        private List<TextHit> SearchTextImpl(string query, int k, SearchOptions options, bool chunks)
        {
            var q = TextBytes(query, "the query");
            CheckK(k);
            var h = Live();
            var keys = new ulong[k];
            var chunkKeys = new ulong[k];
            var dist = new float[k];
            var found = new ulong[1];
            var bridge = Bridge(options);
            uint ef = options?.Ef ?? 0;
            ulong rerank = options?.Rerank ?? 0;
            var qarg = q.Length == 0 ? new byte[1] : q;
            try
            {
                WithEmbedder(() =>
                {
                    int s = chunks
                        ? QuiverNative.qvs_index_search_text_chunks(h, qarg, (ulong)q.Length, (ulong)k, ef, rerank,
                                                                    bridge, chunkKeys, dist, found)
                        : QuiverNative.qvs_index_search_text(h, qarg, (ulong)q.Length, (ulong)k, ef, rerank,
                                                             bridge, keys, chunkKeys, dist, found);
                    bridge?.Rethrow();
                    Check(s);
                });
            }
            finally
            {
                bridge?.Dispose();
            }
            return DocumentHits(h, found[0], chunks ? null : keys, chunkKeys, dist,
                                (doc, chunk, distance, passage, source) => new TextHit(doc, chunk, distance, passage, source));
        }

        /// <summary>
        /// The hits of a search for documents, from the native result arrays: found rows of
        /// document (docKeys, or the chunk's document when docKeys is null), chunk and score or
        /// distance, each with its chunk's text and its document's source (read once a document).
        /// </summary>
        private List<T> DocumentHits<T>(SWIGTYPE_p_qv_index h, ulong found, ulong[] docKeys, ulong[] chunkKeys,
                                        float[] values, Func<ulong, ulong, float, string, string, T> hit)
        {
            var hits = new List<T>((int)found);
            var sources = new Dictionary<ulong, string>();
            for (int i = 0; i < (int)found; i++)
            {
                ulong doc = docKeys != null ? docKeys[i] : DocKey(chunkKeys[i]);
                hits.Add(hit(doc, chunkKeys[i], values[i], Passage(chunkKeys[i]), Source(h, doc, sources)));
            }
            return hits;
        }

        /// <summary>A chunk's text, or null when the chunk is gone (removed since the search).</summary>
        private string Passage(ulong chunkKey)
        {
            try
            {
                return GetMetadataString(chunkKey);
            }
            catch (QuiverException e) when (e.Status == Status.NotFound)
            {
                return null;
            }
        }

        /// <summary>Runs a text call with the attached embedder (if any) counted as in use.</summary>
        private void WithEmbedder(Action call)
        {
            Embedder e;
            lock (textLock)
            {
                e = embedder;
                e?.Acquire();
            }
            try
            {
                call();
            }
            finally
            {
                e?.Release();
            }
        }

        private void ReleaseEmbedder()
        {
            lock (textLock)
            {
                embedder?.Release();
                embedder = null;
            }
        }

        /// <summary>UTF-8 bytes of a text for the C API, which reads texts up to a NUL byte.</summary>
        private static byte[] TextBytes(string text, string what)
        {
            if (text == null) throw new QuiverException(Status.InvalidArgument, what + " is null");
            if (text.IndexOf('\0') >= 0)
                throw new QuiverException(Status.InvalidArgument,
                    what + " contains a NUL character (U+0000); remove it: text is stored as C strings");
            return Encoding.UTF8.GetBytes(text);
        }
    }
}
