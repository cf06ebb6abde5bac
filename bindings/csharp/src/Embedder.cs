using System;
using System.Collections.Generic;
using System.Text;
using Quiver.Internal;

namespace Quiver
{
    /// <summary>What a text is for: stored documents or search queries.</summary>
    public enum EmbedTask { Document = 1, Query = 2 }

    /// <summary>Options for Embedder.Gemini; unset options keep the library defaults.</summary>
    public sealed class GeminiOptions
    {
        public string ApiKey { get; set; }
        public string BaseUrl { get; set; }
        public string Model { get; set; }
        public uint? OutputDim { get; set; }
        public uint? BatchSize { get; set; }
        public uint? RequestsPerMinute { get; set; }
        public uint? MaxRetries { get; set; }
        public uint? TimeoutMs { get; set; }
        public uint? ConnectTimeoutMs { get; set; }
        public uint? MaxConcurrentRequests { get; set; }
        /// <summary>First retry delay (doubling, with jitter); default 1000.</summary>
        public uint? InitialBackoffMs { get; set; }
        /// <summary>Cap of the retry delay; default 30000.</summary>
        public uint? MaxBackoffMs { get; set; }
        /// <summary>Longest server-requested retry delay honoured.</summary>
        public uint? MaxRetryDelayMs { get; set; }
    }

    /// <summary>
    /// Turns text into vectors of Dim floats: the offline hashing embedder, Google's Gemini API,
    /// or a C# function of your own. Dispose it to release native memory. Embed may be called
    /// from any number of threads at once; a callback's function never runs on two at once.
    /// </summary>
    public sealed class Embedder : IDisposable
    {
        private SWIGTYPE_p_qv_embedder handle; // guarded by lockObj
        // The C# side of a callback embedder. An index that holds this embedder
        // (Index.SetEmbedder) keeps the native embedder alive after Dispose, and the
        // native embedder calls the bridge: it is disposed only once the embedder is
        // disposed, no index holds it and no text call of an index uses it.
        private Bridge bridge; // guarded by lockObj
        private int users; // attached indexes + their text calls in flight; guarded by lockObj
        private readonly object lockObj = new object();

        public int Dim { get; }

        private Embedder(SWIGTYPE_p_qv_embedder handle, Bridge bridge)
        {
            this.handle = handle;
            this.bridge = bridge;
            Dim = (int)QuiverNative.qvs_embedder_dim(handle);
        }

        /// <summary>The offline hashing embedder: fast, deterministic, matches words, not meaning.</summary>
        public static Embedder Hashing(uint dim)
        {
            var h = QuiverNative.qvs_embedder_create_hashing(dim);
            if (h == null) throw Index.Error(QuiverNative.qvs_last_status());
            return new Embedder(h, null);
        }

        /// <summary>
        /// An embedder over a C# function returning one vector per text (called for documents
        /// and queries alike). An exception fails the embed call with Status.Embedding.
        /// </summary>
        public static Embedder Callback(uint dim, Func<IReadOnlyList<string>, float[][]> function)
        {
            var b = new Bridge(function);
            var h = QuiverNative.qvs_embedder_create_callback(dim, b);
            if (h == null)
            {
                int status = QuiverNative.qvs_last_status();
                b.Dispose();
                throw Index.Error(status);
            }
            return new Embedder(h, b);
        }

        /// <summary>An embedder over Google's Gemini API (no network call until used).</summary>
        public static Embedder Gemini(GeminiOptions options)
        {
            using (var c = new QvGeminiConfig())
            {
                if (options.ApiKey != null) c.set_api_key(options.ApiKey);
                if (options.BaseUrl != null) c.set_base_url(options.BaseUrl);
                if (options.Model != null) c.set_model(options.Model);
                if (options.OutputDim.HasValue) c.output_dim = options.OutputDim.Value;
                if (options.BatchSize.HasValue) c.batch_size = options.BatchSize.Value;
                if (options.RequestsPerMinute.HasValue) c.requests_per_minute = options.RequestsPerMinute.Value;
                if (options.MaxRetries.HasValue) c.max_retries = options.MaxRetries.Value;
                if (options.TimeoutMs.HasValue) c.timeout_ms = options.TimeoutMs.Value;
                if (options.ConnectTimeoutMs.HasValue) c.connect_timeout_ms = options.ConnectTimeoutMs.Value;
                if (options.MaxConcurrentRequests.HasValue) c.max_concurrent_requests = options.MaxConcurrentRequests.Value;
                if (options.InitialBackoffMs.HasValue) c.initial_backoff_ms = options.InitialBackoffMs.Value;
                if (options.MaxBackoffMs.HasValue) c.max_backoff_ms = options.MaxBackoffMs.Value;
                if (options.MaxRetryDelayMs.HasValue) c.max_retry_delay_ms = options.MaxRetryDelayMs.Value;
                var h = QuiverNative.qvs_embedder_create_gemini(c);
                if (h == null) throw Index.Error(QuiverNative.qvs_last_status());
                return new Embedder(h, null);
            }
        }

        /// <summary>Embeds texts: one vector per text, in order.</summary>
        public float[][] Embed(IReadOnlyList<string> texts, EmbedTask task = EmbedTask.Document)
        {
            if (handle == null) throw new ObjectDisposedException(nameof(Embedder), "the embedder is disposed");
            using (var t = new QvTexts())
            {
                foreach (var s in texts)
                {
                    var b = Encoding.UTF8.GetBytes(s);
                    t.add(b.Length == 0 ? new byte[1] : b, (ulong)b.Length);
                }
                var flat = new float[Math.Max(1, texts.Count * Dim)];
                Index.Check(QuiverNative.qvs_embedder_embed(handle, (int)task, t, flat));
                var rows = new float[texts.Count][];
                for (int i = 0; i < rows.Length; i++)
                {
                    rows[i] = new float[Dim];
                    Array.Copy(flat, i * Dim, rows[i], 0, Dim);
                }
                return rows;
            }
        }

        /// <summary>Embeds one text.</summary>
        public float[] Embed(string text, EmbedTask task = EmbedTask.Document) => Embed(new[] { text }, task)[0];

        /// <summary>
        /// Releases the native embedder. Safe to call twice. An index it is attached to keeps
        /// using it (and its C# function) until the index is disposed or given another embedder.
        /// </summary>
        public void Dispose()
        {
            lock (lockObj)
            {
                if (handle != null)
                {
                    QuiverNative.qvs_embedder_free(handle);
                    handle = null;
                    DisposeBridgeIfUnused();
                }
            }
        }

        /// <summary>Attaches this embedder to a native index and counts the index as a user.</summary>
        internal void AttachTo(SWIGTYPE_p_qv_index index)
        {
            lock (lockObj)
            {
                if (handle == null)
                    throw new ObjectDisposedException(nameof(Embedder), "the embedder is disposed; attach a live embedder");
                Index.Check(QuiverNative.qvs_index_set_embedder(index, handle));
                users++;
            }
        }

        /// <summary>Counts a user (a text call in flight) that may reach the bridge through an index.</summary>
        internal void Acquire()
        {
            lock (lockObj) users++;
        }

        internal void Release()
        {
            lock (lockObj)
            {
                users--;
                DisposeBridgeIfUnused();
            }
        }

        private void DisposeBridgeIfUnused()
        {
            if (handle == null && users == 0 && bridge != null)
            {
                bridge.Dispose();
                bridge = null;
            }
        }

        /// <summary>Runs a Func as the native qv_embed_fn (a SWIG director).</summary>
        private sealed class Bridge : QvEmbedFunction
        {
            private readonly Func<IReadOnlyList<string>, float[][]> function;

            public Bridge(Func<IReadOnlyList<string>, float[][]> function) { this.function = function; }

            public override void embed(QvEmbedBatch batch)
            {
                try
                {
                    int n = (int)batch.size();
                    int dim = (int)batch.dim();
                    var texts = new List<string>(n);
                    for (int i = 0; i < n; i++)
                    {
                        var b = new byte[batch.text_length((ulong)i)];
                        if (b.Length > 0) batch.copy_text((ulong)i, b);
                        texts.Add(Encoding.UTF8.GetString(b));
                    }
                    var rows = function(texts);
                    if (rows == null || rows.Length != n)
                    {
                        batch.fail($"the embedding function returned {(rows == null ? "null" : rows.Length + " vectors")} for {n} texts; return one vector per text");
                        return;
                    }
                    for (int i = 0; i < n; i++)
                    {
                        if (rows[i] == null || rows[i].Length != dim)
                        {
                            batch.fail($"the embedding function returned a vector of {rows[i]?.Length ?? 0} floats for text {i}; the embedder has dim {dim}");
                            return;
                        }
                        batch.set((ulong)i, rows[i]);
                    }
                }
                catch (Exception e)
                {
                    batch.fail(e.GetType().Name + ": " + e.Message);
                }
            }
        }
    }
}
