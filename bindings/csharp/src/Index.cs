using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using Quiver.Internal;

namespace Quiver
{
    /// <summary>
    /// A Quiver index: vectors of Dim floats under 64-bit keys, searchable by nearest
    /// neighbour. Dispose it (using) to release its native memory.
    /// Thread-safety: as the C API. Searches, Get and Count may run from any number of
    /// threads at once, also alongside Add, AddBatch, Upsert and Remove; Dispose must not run
    /// concurrently with any other call on the index.
    /// </summary>
    public sealed partial class Index : IDisposable
    {
        private SWIGTYPE_p_qv_index handle;

        /// <summary>The vector dimension.</summary>
        public int Dim { get; }

        private Index(SWIGTYPE_p_qv_index handle)
        {
            this.handle = handle;
            Dim = (int)QuiverNative.qvs_index_dim(handle);
        }

        /// <summary>The largest dimension an index accepts (QV_MAX_DIM).</summary>
        public const uint MaxDim = 65536;

        /// <summary>
        /// Creates an empty index. Throws ArgumentNullException (null options),
        /// ArgumentOutOfRangeException (Dim outside 1..MaxDim, HnswM outside 2..256),
        /// QuiverException InvalidArgument (B1 storage under L2), OutOfMemory.
        /// </summary>
        public static Index Create(IndexOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Dim == 0 || options.Dim > MaxDim)
                throw new ArgumentOutOfRangeException(nameof(options), options.Dim,
                    $"options.Dim is {options.Dim}; it must be between 1 and {MaxDim}");
            if (options.HnswM.HasValue && (options.HnswM.Value < 2 || options.HnswM.Value > 256))
                throw new ArgumentOutOfRangeException(nameof(options), options.HnswM.Value,
                    $"options.HnswM is {options.HnswM.Value}; it must be between 2 and 256 (16 is a good default)");
            // The library checks these too (for HNSW only), but names the C fields.
            if ((options.Kind ?? IndexKind.Hnsw) == IndexKind.Hnsw)
            {
                if (options.HnswEfConstruction == 0)
                    throw new ArgumentOutOfRangeException(nameof(options), 0u,
                        "options.HnswEfConstruction is 0; it must be at least 1 (200 is a good default)");
                if (options.HnswEfSearch == 0)
                    throw new ArgumentOutOfRangeException(nameof(options), 0u,
                        "options.HnswEfSearch is 0; it must be at least 1 (64 is a good default)");
            }
            var metric = options.Metric ?? Quiver.Metric.L2;
            var storage = options.Storage ?? Quiver.Storage.F32;
            if (storage == Quiver.Storage.B1 && metric == Quiver.Metric.L2)
                throw new QuiverException(Status.InvalidArgument,
                    "Storage.B1 keeps only the signs of the elements, which say nothing of L2 distances; " +
                    "use it with Metric.Cosine or Metric.IP, or use Storage.I8 for L2");
            using (var c = new QvIndexConfig())
            {
                c.dim = options.Dim;
                if (options.Metric.HasValue) c.metric = (int)options.Metric.Value;
                if (options.Kind.HasValue) c.kind = (int)options.Kind.Value;
                if (options.HnswM.HasValue) c.hnsw_m = options.HnswM.Value;
                if (options.HnswEfConstruction.HasValue) c.hnsw_ef_construction = options.HnswEfConstruction.Value;
                if (options.HnswEfSearch.HasValue) c.hnsw_ef_search = options.HnswEfSearch.Value;
                if (options.Seed.HasValue) c.seed = options.Seed.Value;
                if (options.Threads.HasValue) c.threads = options.Threads.Value;
                if (options.Storage.HasValue) c.storage = (int)options.Storage.Value;
                if (options.KeepOriginals.HasValue) c.keep_originals = options.KeepOriginals.Value;
                var h = QuiverNative.qvs_index_create(c);
                if (h == null) throw Error(QuiverNative.qvs_last_status());
                return new Index(h);
            }
        }

        /// <summary>
        /// Opens an index written by Save, checking every checksum and value first. Mmap gives a
        /// read-only index searched in place (its mutations fail with Unsupported). Throws
        /// QuiverException NotFound (no file), Corrupt (not an index or damaged: the message names
        /// the section), Unsupported (a newer format), IO, OutOfMemory.
        /// </summary>
        public static Index Open(string path, OpenMode mode) => Open(path, new OpenOptions { Mode = mode });

        /// <summary>
        /// Opens an index with options: Verify = Deferred with Mmap opens a trusted file without
        /// reading its vectors; call Verify() later. Errors: as Open(path, mode).
        /// </summary>
        public static Index Open(string path, OpenOptions options)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            options = options ?? new OpenOptions();
            using (var c = new QvOpenConfig())
            {
                c.mode = (int)options.Mode;
                c.verify = (int)options.Verify;
                c.threads = options.Threads;
                var h = QuiverNative.qvs_index_open_with_options(path, c);
                if (h == null) throw Error(QuiverNative.qvs_last_status());
                return new Index(h);
            }
        }

        /// <summary>
        /// Checks again the file sections an Mmap index searches in place (checksums, then
        /// values): the point of VerifyMode.Deferred. An index in memory has nothing to check.
        /// May run alongside searches. Throws QuiverException Corrupt (the message names the file
        /// and the section, or says the file changed size: dispose the index).
        /// </summary>
        public void Verify() => Check(QuiverNative.qvs_index_verify(Live()));

        /// <summary>
        /// The heap bytes the index holds (codes, originals in memory, graph, keys, metadata);
        /// pages of a file opened with Mmap are not counted.
        /// </summary>
        public long MemoryBytes
        {
            get
            {
                var n = new ulong[1];
                Check(QuiverNative.qvs_index_memory_bytes(Live(), n));
                return (long)n[0];
            }
        }

        /// <summary>Adds one vector under key; DuplicateKey when the key is live.</summary>
        public void Add(ulong key, float[] vector)
        {
            CheckVector(vector, "vector");
            Check(QuiverNative.qvs_index_add(Live(), key, vector));
        }

        /// <summary>Adds keys.Length vectors (row-major) on all cores; all-or-nothing. An HNSW batch
        /// that at least doubles an index of 8 MiB or more ends by renumbering the graph for memory
        /// locality.</summary>
        public void AddBatch(ulong[] keys, float[] vectors)
        {
            if (keys == null) throw new ArgumentNullException(nameof(keys));
            CheckRows(vectors, keys.Length, "vectors");
            if (keys.Length == 0) return;
            Check(QuiverNative.qvs_index_add_batch(Live(), (ulong)keys.Length, keys, vectors));
        }

        /// <summary>
        /// Adds vector under key, or replaces the vector key already has (its metadata
        /// stays). A search running alongside finds the key with its old vector or its new
        /// one, never both and never neither. Fails as Add does, except that a live key is
        /// no error.
        /// </summary>
        public void Upsert(ulong key, float[] vector)
        {
            CheckVector(vector, "vector");
            Check(QuiverNative.qvs_index_upsert(Live(), key, vector));
        }

        /// <summary>Removes the vector under key; NotFound when there is none.</summary>
        public void Remove(ulong key) => Check(QuiverNative.qvs_index_remove(Live(), key));

        /// <summary>The number of live vectors.</summary>
        public long Count
        {
            get
            {
                var n = new ulong[1];
                Check(QuiverNative.qvs_index_count(Live(), n));
                return (long)n[0];
            }
        }

        /// <summary>A copy of the vector stored under key; NotFound when there is none.</summary>
        public float[] Get(ulong key)
        {
            var v = new float[Dim];
            Check(QuiverNative.qvs_index_get(Live(), key, v));
            return v;
        }

        /// <summary>The k nearest vectors to query (passing options.Filter), nearest first.</summary>
        public List<Hit> Search(float[] query, int k, SearchOptions options = null)
        {
            CheckVector(query, "query");
            CheckK(k);
            var keys = new ulong[k];
            var dist = new float[k];
            var found = new ulong[1];
            var bridge = Bridge(options);
            try
            {
                int s = QuiverNative.qvs_index_search(Live(), query, (ulong)k, options?.Ef ?? 0,
                                                      options?.Rerank ?? 0, bridge, keys, dist, found);
                bridge?.Rethrow();
                Check(s);
            }
            finally
            {
                bridge?.Dispose();
            }
            var hits = new List<Hit>((int)found[0]);
            for (int i = 0; i < (int)found[0]; i++) hits.Add(new Hit(keys[i], dist[i]));
            return hits;
        }

        /// <summary>Searches queries.Length / Dim queries (row-major) in parallel.</summary>
        public List<List<Hit>> SearchBatch(float[] queries, int k, SearchOptions options = null)
        {
            if (queries == null) throw new ArgumentNullException(nameof(queries));
            if (queries.Length % Dim != 0)
                throw new QuiverException(Status.DimensionMismatch,
                    $"queries has {queries.Length} floats, which is not a multiple of the index dim {Dim}; pass nq * dim floats, row-major");
            CheckK(k);
            int nq = queries.Length / Dim;
            var keys = new ulong[nq * k];
            var dist = new float[nq * k];
            var found = new ulong[nq];
            var bridge = Bridge(options);
            try
            {
                int s = QuiverNative.qvs_index_search_batch(Live(), (ulong)nq, queries, (ulong)k,
                                                            options?.Ef ?? 0, options?.Rerank ?? 0, bridge,
                                                            options?.Threads ?? 0,
                                                            keys, dist, found);
                bridge?.Rethrow();
                Check(s);
            }
            finally
            {
                bridge?.Dispose();
            }
            var all = new List<List<Hit>>(nq);
            for (int q = 0; q < nq; q++)
            {
                var hits = new List<Hit>((int)found[q]);
                for (int i = 0; i < (int)found[q]; i++) hits.Add(new Hit(keys[q * k + i], dist[q * k + i]));
                all.Add(hits);
            }
            return all;
        }

        /// <summary>Saves crash-safely to path.</summary>
        public void Save(string path, SaveOptions options = null)
        {
            if (options == null)
            {
                Check(QuiverNative.qvs_index_save(Live(), path, null));
                return;
            }
            using (var c = new QvSaveConfig())
            {
                if (options.CompressVectors.HasValue) c.compress_vectors = options.CompressVectors.Value;
                if (options.CompressGraph.HasValue) c.compress_graph = options.CompressGraph.Value;
                if (options.ZstdLevel.HasValue) c.zstd_level = options.ZstdLevel.Value;
                Check(QuiverNative.qvs_index_save(Live(), path, c));
            }
        }

        /// <summary>Writes the live vectors and keys as .npy files.</summary>
        public void ExportNpy(string vectorsPath, string keysPath) =>
            Check(QuiverNative.qvs_index_export_npy(Live(), vectorsPath, keysPath));

        /// <summary>Adds the vectors of a .npy file; keys from keysPath, or 0..n-1 when null.</summary>
        public void ImportNpy(string vectorsPath, string keysPath = null) =>
            Check(QuiverNative.qvs_index_import_npy(Live(), vectorsPath, keysPath));

        /// <summary>Attaches bytes to the live vector under key; empty removes the metadata.</summary>
        public void SetMetadata(ulong key, byte[] data) =>
            Check(QuiverNative.qvs_index_set_metadata(Live(), key, data, (ulong)data.Length));

        /// <summary>Attaches a string (stored as UTF-8) to the live vector under key.</summary>
        public void SetMetadata(ulong key, string text) => SetMetadata(key, Encoding.UTF8.GetBytes(text));

        /// <summary>A copy of the metadata of key; NotFound when it has none.</summary>
        public byte[] GetMetadata(ulong key)
        {
            using (var b = new QvBytes())
            {
                Check(QuiverNative.qvs_index_get_metadata(Live(), key, b));
                var data = new byte[b.size()];
                b.copy_to(data);
                return data;
            }
        }

        /// <summary>The metadata of key decoded as UTF-8.</summary>
        public string GetMetadataString(ulong key) => Encoding.UTF8.GetString(GetMetadata(key));

        /// <summary>Rebuilds the index without its removed vectors and renumbers an HNSW graph for
        /// memory locality (no result changes); must not run alongside other calls.</summary>
        public void Compact() => Check(QuiverNative.qvs_index_compact(Live()));

        /// <summary>A description of the index.</summary>
        public IndexInfo Info
        {
            get
            {
                using (var i = new QvIndexInfo())
                {
                    Check(QuiverNative.qvs_index_get_info(Live(), i));
                    return new IndexInfo
                    {
                        Kind = (IndexKind)i.kind,
                        Metric = (Metric)i.metric,
                        Dim = i.dim,
                        Count = i.count,
                        Deleted = i.deleted,
                        MetadataCount = i.metadata_count,
                        HnswM = i.hnsw_m,
                        HnswEfConstruction = i.hnsw_ef_construction,
                        HnswEfSearch = i.hnsw_ef_search,
                        Seed = i.seed,
                        ReadOnly = i.read_only,
                        Storage = (Storage)i.storage,
                        KeepsOriginals = i.keeps_originals,
                    };
                }
            }
        }

        /// <summary>
        /// Releases the native index. Safe to call twice. An embedder attached to it is
        /// released too (it stays usable if it is not disposed).
        /// </summary>
        public void Dispose()
        {
            if (handle != null)
            {
                QuiverNative.qvs_index_free(handle);
                handle = null;
                ReleaseEmbedder();
            }
            GC.SuppressFinalize(this);
        }

        ~Index()
        {
            if (handle != null) QuiverNative.qvs_index_free(handle);
        }

        // --- internals ---------------------------------------------------------

        private SWIGTYPE_p_qv_index Live()
        {
            if (handle == null)
                throw new ObjectDisposedException(nameof(Index), "the index is disposed; open or create a new one");
            return handle;
        }

        internal static void Check(int status)
        {
            if (status != 0) throw Error(status);
        }

        internal static QuiverException Error(int status) =>
            new QuiverException((Status)status, QuiverNative.qv_last_error());

        private void CheckVector(float[] v, string what)
        {
            if (v == null) throw new ArgumentNullException(what);
            if (v.Length != Dim)
                throw new QuiverException(Status.DimensionMismatch,
                    $"{what} has {v.Length} floats but the index has dim {Dim}; pass exactly dim floats");
        }

        private void CheckRows(float[] v, int rows, string what)
        {
            if (v == null) throw new ArgumentNullException(what);
            if ((long)rows * Dim != v.Length)
                throw new QuiverException(Status.DimensionMismatch,
                    $"{what} has {v.Length} floats but {rows} keys x dim {Dim} need {(long)rows * Dim}; pass n * dim floats, row-major");
        }

        private static void CheckK(int k)
        {
            if (k <= 0)
                throw new ArgumentOutOfRangeException(nameof(k), k, $"k is {k}; ask for at least one neighbour");
        }

        private static FilterBridge Bridge(SearchOptions options) =>
            options?.Filter == null ? null : new FilterBridge(options.Filter);

        /// <summary>Runs a Func as the native filter; keeps its first exception for the caller.</summary>
        private sealed class FilterBridge : QvFilter
        {
            private readonly Func<ulong, bool> predicate;
            private Exception failure;

            public FilterBridge(Func<ulong, bool> predicate) { this.predicate = predicate; }

            public override bool keep(ulong key)
            {
                if (Volatile.Read(ref failure) != null) return false;
                try
                {
                    return predicate(key);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    return false;
                }
            }

            public void Rethrow()
            {
                var e = Volatile.Read(ref failure);
                if (e != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
    }
}
