using System;
using System.Collections.Generic;

namespace Quiver
{
    /// <summary>Quiver's result codes (qv_status); the values are fixed and only ever grow.</summary>
    public enum Status
    {
        Ok = 0,
        InvalidArgument = 1,
        DimensionMismatch = 2,
        NotFound = 3,
        DuplicateKey = 4,
        IO = 5,
        Corrupt = 6,
        Unsupported = 7,
        OutOfMemory = 8,
        Embedding = 9,
        Internal = 10,
    }

    /// <summary>How distance is measured: L2 = squared euclidean, IP = 1 - dot, Cosine = 1 - cos.</summary>
    public enum Metric { L2 = 1, IP = 2, Cosine = 3 }

    /// <summary>The search structure: Flat = exact scan, Hnsw = approximate graph search.</summary>
    public enum IndexKind { Flat = 1, Hnsw = 2 }

    /// <summary>How Index.Open brings a saved index in: Load (mutable copy) or Mmap (read-only, in place).</summary>
    public enum OpenMode { Load = 1, Mmap = 2 }

    /// <summary>
    /// How an index stores its vectors (qv_storage). F32: float32, exact (default). F16: IEEE half.
    /// I8: int8 codes, one scale per vector. B1: one sign bit per dimension (Cosine and IP only).
    /// I8 and B1 walk the graph on codes, then re-rank the best candidates on the float32
    /// originals they keep (IndexOptions.KeepOriginals, SearchOptions.Rerank), so the distances
    /// returned are exact. Hnsw walks its graph on the codes, Flat scans them.
    /// </summary>
    public enum Storage { F32 = 1, F16 = 2, I8 = 3, B1 = 4 }

    /// <summary>
    /// When Index.Open checks the vectors and the graph. All (default): before the open returns.
    /// Deferred (Mmap only): skip the checks of the sections searched in place, so the open reads
    /// no vector; damage there goes unnoticed until Index.Verify (searches may return wrong
    /// results or, with a damaged graph, crash). Use it only for files you trust.
    /// </summary>
    public enum VerifyMode { All = 1, Deferred = 2 }

    /// <summary>Options for Index.Open(path, OpenOptions).</summary>
    public sealed class OpenOptions
    {
        public OpenMode Mode { get; set; } = OpenMode.Load;
        public VerifyMode Verify { get; set; } = VerifyMode.All;
        /// <summary>Threads for checksums and the index's batch calls; 0 = all cores.</summary>
        public uint Threads { get; set; }
    }

    /// <summary>
    /// A failed Quiver call: the status and Quiver's message. Misuse that .NET names itself is
    /// reported with .NET's exceptions instead: ObjectDisposedException after Dispose,
    /// ArgumentNullException for a null argument, ArgumentOutOfRangeException for k, Dim,
    /// HnswM or another value outside its range.
    /// </summary>
    public class QuiverException : Exception
    {
        public Status Status { get; }

        public QuiverException(Status status, string message) : base(message)
        {
            Status = status;
        }

        public override string ToString() => $"QuiverException[{Status}]: {Message}";
    }

    /// <summary>One search result: the key and its distance to the query.</summary>
    public struct Hit : IEquatable<Hit>
    {
        public ulong Key { get; }
        public float Distance { get; }

        public Hit(ulong key, float distance)
        {
            Key = key;
            Distance = distance;
        }

        public bool Equals(Hit other) => Key == other.Key && Distance.Equals(other.Distance);
        public override bool Equals(object obj) => obj is Hit h && Equals(h);
        public override int GetHashCode() => Key.GetHashCode() ^ Distance.GetHashCode();
        public override string ToString() => $"({Key}, {Distance})";
    }

    /// <summary>Options for Index.Create. Only Dim is required; unset options keep the library defaults.</summary>
    public sealed class IndexOptions
    {
        public uint Dim { get; set; }
        public Metric? Metric { get; set; }
        public IndexKind? Kind { get; set; }
        public uint? HnswM { get; set; }
        public uint? HnswEfConstruction { get; set; }
        public uint? HnswEfSearch { get; set; }
        public ulong? Seed { get; set; }
        /// <summary>Threads for batch calls; 0 = all cores.</summary>
        public uint? Threads { get; set; }
        /// <summary>How vectors are stored; default F32.</summary>
        public Storage? Storage { get; set; }
        /// <summary>
        /// I8 and B1: true (default) keeps the float32 originals for exact re-ranking, distances
        /// and Get; false keeps only the codes (smaller; distances are the codes' estimates and
        /// Get returns decoded codes). Ignored by F32 and F16.
        /// </summary>
        public bool? KeepOriginals { get; set; }
    }

    /// <summary>
    /// Per-search options. The filter runs on Quiver's searching threads (concurrently for
    /// batches): it must be thread-safe and must not call back into the same index. If it
    /// throws, the search fails and the exception is rethrown to the caller.
    /// </summary>
    public sealed class SearchOptions
    {
        /// <summary>HNSW candidate list size; 0 = the index default.</summary>
        public uint Ef { get; set; }
        public Func<ulong, bool> Filter { get; set; }
        /// <summary>Threads for batch searches; 0 = all cores.</summary>
        public uint Threads { get; set; }
        /// <summary>
        /// I8 and B1 with originals: how many of the best candidates on the codes are re-ranked
        /// on the float32 originals. 0 (default): Hnsw all the graph search found (Ef); Flat
        /// 4 k (at least 40) for I8, 20 k (at least 200) for B1. Raised to k when smaller.
        /// </summary>
        public ulong Rerank { get; set; }
        /// <summary>
        /// SearchHybrid only: the weight of the keyword ranking against the meaning ranking's 1
        /// in the fused score (1 / (60 + meaning rank) + KeywordWeight / (60 + keyword rank)).
        /// 0 (default) = 1, equal weights; 2 counts exact words twice as much, 0.5 half. Finite,
        /// 0 to 1000: SearchHybrid throws QuiverException InvalidArgument otherwise.
        /// </summary>
        public float KeywordWeight { get; set; }
    }

    /// <summary>Options for Index.Save; unset options keep the library defaults.</summary>
    public sealed class SaveOptions
    {
        public bool? CompressVectors { get; set; }
        public bool? CompressGraph { get; set; }
        public int? ZstdLevel { get; set; }
    }

    /// <summary>A description of an index (qv_index_get_info).</summary>
    public sealed class IndexInfo
    {
        public IndexKind Kind { get; internal set; }
        public Metric Metric { get; internal set; }
        public uint Dim { get; internal set; }
        public ulong Count { get; internal set; }
        public ulong Deleted { get; internal set; }
        public ulong MetadataCount { get; internal set; }
        public uint HnswM { get; internal set; }
        public uint HnswEfConstruction { get; internal set; }
        public uint HnswEfSearch { get; internal set; }
        public ulong Seed { get; internal set; }
        public bool ReadOnly { get; internal set; }
        public Storage Storage { get; internal set; }
        /// <summary>True when I8 or B1 storage keeps the float32 originals.</summary>
        public bool KeepsOriginals { get; internal set; }
    }

    /// <summary>Library-wide calls.</summary>
    public static class QuiverLibrary
    {
        /// <summary>The version of the native library actually loaded, e.g. "0.1.0".</summary>
        public static string Version => Internal.QuiverNative.qv_version();
        public static uint VersionNumber => Internal.QuiverNative.qvs_version_number();
    }
}
