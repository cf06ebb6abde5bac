using System;
using System.Collections.Generic;
using System.Text;
using Quiver.Internal;

namespace Quiver
{
    // Documents (quiver.h, "Documents"): each document added or upserted has an entry in the
    // index's document table with its current chunks, a source and fields; UpsertText replaces a
    // document atomically for text searches. Saved with the index, read back by both open modes.
    public sealed partial class Index
    {
        /// <summary>
        /// Adds the document, or replaces it if it is already in the index: chunks and embeds text
        /// as AddText does and records source (a path or URI, at most 8192 bytes of UTF-8) and
        /// fields (any text of yours, e.g. JSON, at most 1 MiB of UTF-8) in the document's entry;
        /// null means none (""). The replacement is atomic for text searches: a search that
        /// overlaps it finds the old version or the new one, never a mix and never neither. After
        /// an upsert a document's chunk numbers no longer start at 0: list them with
        /// DocumentChunks. On failure the document is as it was. Throws QuiverException:
        /// InvalidArgument (text null, empty or whitespace only, or holding a NUL character;
        /// source or fields too long or holding a NUL character; docKey above MaxDocKey; no
        /// embedder attached; the old and the new version together above 65536 chunks),
        /// Unsupported (read-only index), Embedding, OutOfMemory.
        /// </summary>
        public void UpsertText(ulong docKey, string text, string source = null, string fields = null)
        {
            var t = TextBytes(text, "text");
            var s = source == null ? null : TextBytes(source, "source");
            var f = fields == null ? null : TextBytes(fields, "fields");
            var h = Live();
            // An empty array may be passed as a NULL pointer: pass one byte, with length 0.
            WithEmbedder(() => Check(QuiverNative.qvs_index_upsert_text(
                h, docKey, NonEmpty(t), (ulong)t.Length, s == null ? null : NonEmpty(s), (ulong)(s?.Length ?? 0),
                f == null ? null : NonEmpty(f), (ulong)(f?.Length ?? 0))));
        }

        /// <summary>
        /// The chunk keys of a document's current version, in text order; each key's metadata is
        /// the chunk's text (GetMetadataString). Throws QuiverException: NotFound (no such
        /// document), InvalidArgument (docKey above MaxDocKey).
        /// </summary>
        public ulong[] DocumentChunks(ulong docKey)
        {
            var h = Live();
            var keys = new ulong[16];
            var count = new ulong[1];
            while (true)
            {
                Check(QuiverNative.qvs_index_document_chunks(h, docKey, keys, (ulong)keys.Length, count));
                // An upsert running alongside may have made the document longer: ask again with room.
                if (count[0] <= (ulong)keys.Length)
                {
                    Array.Resize(ref keys, (int)count[0]);
                    return keys;
                }
                keys = new ulong[count[0]];
            }
        }

        /// <summary>
        /// A document's source and fields (copied: they stay valid whatever happens to the
        /// document). Documents added with AddText have an entry with neither ("" and ""). Throws
        /// QuiverException: NotFound (no such document, or one added by an older version of the
        /// library and not upserted since), InvalidArgument (docKey above MaxDocKey).
        /// </summary>
        public Document GetDocument(ulong docKey)
        {
            using (var source = new QvBytes())
            using (var fields = new QvBytes())
            {
                Check(QuiverNative.qvs_index_get_document(Live(), docKey, source, fields));
                return new Document(Utf8(source), Utf8(fields));
            }
        }

        /// <summary>
        /// The keys of every document in the document table, ascending (read in pages of 1024; a
        /// document added or removed meanwhile may or may not be listed). Documents of an older
        /// file are listed once upserted.
        /// </summary>
        public ulong[] ListDocuments()
        {
            var h = Live();
            const int page = 1024;
            var buf = new ulong[page];
            var found = new ulong[1];
            var all = new List<ulong>();
            ulong next = 0;
            while (true)
            {
                Check(QuiverNative.qvs_index_list_documents(h, next, buf, page, found));
                int n = (int)found[0];
                for (int i = 0; i < n; i++) all.Add(buf[i]);
                if (n < page) return all.ToArray();
                next = buf[n - 1] + 1;
            }
        }

        /// <summary>The number of documents in the document table (those ListDocuments lists).</summary>
        public long DocumentCount
        {
            get
            {
                var n = new ulong[1];
                Check(QuiverNative.qvs_index_document_count(Live(), n));
                return (long)n[0];
            }
        }

        /// <summary>
        /// A document's source for a search hit, looked up once per document of one search: ""
        /// when it has none, null when the document has no entry (an older file's, or removed
        /// since the search).
        /// </summary>
        private static string Source(SWIGTYPE_p_qv_index h, ulong docKey, Dictionary<ulong, string> seen)
        {
            if (seen.TryGetValue(docKey, out var known)) return known;
            using (var b = new QvBytes())
            {
                int s = QuiverNative.qvs_index_get_document(h, docKey, b, null);
                if (s != (int)Status.Ok && s != (int)Status.NotFound) throw Error(s);
                var source = s == (int)Status.Ok ? Utf8(b) : null;
                seen[docKey] = source;
                return source;
            }
        }

        /// <summary>Bytes from the raw layer decoded as UTF-8 (invalid bytes become U+FFFD).</summary>
        private static string Utf8(QvBytes b)
        {
            var data = new byte[b.size()];
            b.copy_to(data);
            return Encoding.UTF8.GetString(data);
        }

        private static byte[] NonEmpty(byte[] b) => b.Length == 0 ? new byte[1] : b;
    }
}
