'use strict';
// Node binding of Quiver, an embeddable vector search engine: libquiver
// called through koffi (FFI from npm, prebuilt binaries in the package).
//
// The library is found as native.js says: the package folder, QUIVER_LIB
// (a path to libquiver.so), the system's loader and directories, pkg-config.
//
// Keys are 64-bit: pass a bigint or a safe integer number; keys come back as
// bigint. Vectors are Float32Array (or arrays of numbers) of exactly `dim`
// floats; batches are row-major. Every failure throws a QuiverError carrying
// Quiver's status and message.
//
// Threading: koffi calls are synchronous on the calling thread. Filter
// callbacks must run on that thread, so a filtered searchBatch runs on one
// thread (threads = 1); unfiltered batches use all cores.

const { koffi, c, enums, FilterFn, EmbedFn } = require('./native');

/**
 * Quiver's result codes (qv_status), as numbers: the value of
 * QuiverError.status. The values never change; statusName() gives the C name.
 */
const Status = Object.freeze(Object.fromEntries(
  Object.entries(enums.qv_status).map(([name, v]) => [name.replace(/^QV_(ERR_)?/, ''), v])));

// The other enums cross as names (strings): what create() and open() take
// and info() returns. Each maps its names to the C values of quiver.h.
function namedEnum(cEnum, prefix) {
  const names = {};
  const toC = new Map();
  const fromC = new Map();
  for (const [cname, v] of Object.entries(enums[cEnum])) {
    const key = cname.slice(prefix.length);
    names[key] = key.toLowerCase();
    toC.set(key.toLowerCase(), v);
    fromC.set(v, key.toLowerCase());
  }
  return { names: Object.freeze(names), toC, fromC };
}
const metrics = namedEnum('qv_metric', 'QV_METRIC_');
const kinds = namedEnum('qv_index_kind', 'QV_INDEX_');
const storages = namedEnum('qv_storage', 'QV_STORAGE_');
const openModes = namedEnum('qv_open_mode', 'QV_OPEN_');
const verifyModes = namedEnum('qv_verify_mode', 'QV_VERIFY_');
const chunkUnits = namedEnum('qv_chunk_unit', 'QV_CHUNK_');
const embedTasks = namedEnum('qv_embed_task', 'QV_EMBED_');

/** How distance is measured: 'l2' (squared euclidean), 'ip' (1 - dot), 'cosine' (1 - cos). */
const Metric = metrics.names;
/** The search structure: 'flat' (exact scan) or 'hnsw' (approximate graph). */
const IndexKind = kinds.names;
/** How an HNSW index stores its vectors: 'f32' (default), 'f16', 'i8', 'b1'. */
const Storage = storages.names;
/** How open() brings a saved index in: 'load' (into memory) or 'mmap' (read-only, in place). */
const OpenMode = openModes.names;
/** When openWithOptions() checks the vectors and the graph: 'all' (default) or 'deferred'. */
const VerifyMode = verifyModes.names;
/** What textOptions.chunkSize and chunkOverlap count: 'characters' or 'tokens'. */
const ChunkUnit = chunkUnits.names;

/** The C value of `value`, one of the names of `e`; INVALID_ARGUMENT for anything else. */
function toC(e, value, what) {
  const v = e.toC.get(value);
  if (v === undefined) {
    fail(Status.INVALID_ARGUMENT,
      `${what} is ${JSON.stringify(value)}; use one of ${[...e.toC.keys()].map((n) => `'${n}'`).join(', ')}`);
  }
  return v;
}

/** The name of a C value (or the number itself when this binding does not know it). */
const fromC = (e, v) => e.fromC.get(v) ?? v;

/** The largest document key (48 bits). */
const MAX_DOC_KEY = (1n << 48n) - 1n;
/** The most bytes a document's source may have. */
const MAX_DOC_SOURCE = 8192;
/** The most bytes a document's fields may have. */
const MAX_DOC_FIELDS = 1 << 20;
/** How many keys listDocuments() asks for per call. */
const LIST_PAGE = 1024;

// The room getMetadata and getDocument offer at first: most metadata (a
// chunk's text) and a typical document entry fit; longer ones take a second call.
const METADATA_GUESS = 1024;
const SOURCE_GUESS = 256;
const FIELDS_GUESS = 1024;

/** The key of chunk n of document doc: doc << 16 | n (a bigint). */
function chunkKey(doc, n) {
  return (toKey(doc) << 16n) | (BigInt(n) & 0xffffn);
}

/** The document a chunk key belongs to (a bigint). */
function docKey(chunk) {
  return toKey(chunk) >> 16n;
}

// Embedder methods only Index calls (symbols keep them off the public surface).
const attachTo = Symbol('attachTo');
const acquire = Symbol('acquire');
const release = Symbol('release');

/**
 * Every failure of this binding: `status` (a Status value, the C qv_status)
 * and `message` (Quiver's sentence saying what went wrong and what to do).
 * statusName(e.status) gives the C name, e.g. 'QV_ERR_NOT_FOUND'.
 */
class QuiverError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'QuiverError';
    this.status = status;
  }
}

/** The C name of a status, e.g. 'QV_ERR_DUPLICATE_KEY'. */
function statusName(status) {
  return c.statusString(status);
}

function check(status) {
  if (status !== 0) throw new QuiverError(status, c.lastError());
}

function fail(status, message) {
  throw new QuiverError(status, message);
}

function toKey(key) {
  if (typeof key === 'bigint') return key;
  if (Number.isSafeInteger(key) && key >= 0) return BigInt(key);
  fail(Status.INVALID_ARGUMENT, `key ${key} is not a non-negative integer; pass a bigint or a safe integer`);
}

function toFloats(v, what) {
  if (v instanceof Float32Array) return v;
  if (Array.isArray(v)) return Float32Array.from(v);
  fail(Status.INVALID_ARGUMENT, `${what} must be a Float32Array or an array of numbers`);
}

/** The version of the libquiver actually loaded, e.g. "0.1.0". */
function version() {
  return c.version();
}

function versionNumber() {
  return c.versionNumber();
}

/**
 * A Quiver index: vectors of `dim` floats under 64-bit keys. Call close() to
 * release its native memory.
 */
class Index {
  #handle;
  #dim;
  #embedder = null; // the attached embedder, kept alive while attached

  constructor(handle) {
    this.#handle = handle;
    const d = [0];
    check(c.dim(handle, d));
    this.#dim = d[0];
  }

  /**
   * Creates an empty index. options: { dim (required), metric, kind, hnswM,
   * hnswEfConstruction, hnswEfSearch, seed, threads, storage, keepOriginals };
   * unset options keep the library defaults (HNSW, L2, M = 16,
   * ef_construction = 200, ef_search = 64, f32).
   */
  static create(options) {
    if (!options || typeof options !== 'object') fail(Status.INVALID_ARGUMENT, 'create takes { dim, ... }');
    const o = {};
    c.optionsInit(o);
    o.dim = options.dim;
    if (options.metric !== undefined) o.metric = toC(metrics, options.metric, 'metric');
    if (options.kind !== undefined) o.kind = toC(kinds, options.kind, 'kind');
    if (options.storage !== undefined) o.storage = toC(storages, options.storage, 'storage');
    if (options.keepOriginals !== undefined) o.keep_originals = options.keepOriginals ? 1 : 0;
    if (options.hnswM !== undefined && !(Number.isInteger(options.hnswM) && options.hnswM >= 2 && options.hnswM <= 256)) {
      fail(Status.INVALID_ARGUMENT, `hnswM is ${options.hnswM}; it must be between 2 and 256 (16 is a good default)`);
    }
    // The library checks these too (for HNSW only), but names the C fields.
    const hnsw = options.kind === undefined || options.kind === IndexKind.HNSW;
    for (const [js, good] of [['hnswEfConstruction', 200], ['hnswEfSearch', 64]]) {
      const v = options[js];
      if (hnsw && v !== undefined && !(Number.isInteger(v) && v >= 1)) {
        fail(Status.INVALID_ARGUMENT, `${js} is ${v}; it must be at least 1 (${good} is a good default)`);
      }
    }
    if (options.hnswM !== undefined) o.hnsw_m = options.hnswM;
    if (options.hnswEfConstruction !== undefined) o.hnsw_ef_construction = options.hnswEfConstruction;
    if (options.hnswEfSearch !== undefined) o.hnsw_ef_search = options.hnswEfSearch;
    if (options.seed !== undefined) o.seed = BigInt(options.seed);
    if (options.threads !== undefined) o.threads = options.threads;
    const out = [null];
    check(c.create(o, out));
    return new Index(out[0]);
  }

  /** Opens an index written by save(); OpenMode.MMAP gives a read-only index searched in place. */
  static open(path, mode = OpenMode.LOAD) {
    return Index.openWithOptions(path, { mode });
  }

  /**
   * open() with options: { mode ('load' | 'mmap'), verify ('all' |
   * 'deferred'), threads }. verify: 'deferred' with 'mmap' opens a trusted
   * file without reading its vectors; call verify() later.
   */
  static openWithOptions(path, options = {}) {
    const o = {};
    c.openOptionsInit(o);
    if (options.mode !== undefined) o.mode = toC(openModes, options.mode, 'mode');
    if (options.verify !== undefined) o.verify = toC(verifyModes, options.verify, 'verify');
    if (options.threads !== undefined) o.threads = options.threads;
    const out = [null];
    check(c.openWithOptions(String(path), o, out));
    return new Index(out[0]);
  }

  get dim() {
    return this.#dim;
  }

  #live() {
    if (this.#handle === null) fail(Status.INVALID_ARGUMENT, 'the index is closed; open or create a new one');
    return this.#handle;
  }

  #vector(v, what) {
    const f = toFloats(v, what);
    if (f.length !== this.#dim) {
      fail(Status.DIMENSION_MISMATCH,
        `${what} has ${f.length} floats but the index has dim ${this.#dim}; pass exactly dim floats`);
    }
    return f;
  }

  /** Adds one vector under key; DUPLICATE_KEY when the key is live. */
  add(key, vector) {
    const k = toKey(key);
    check(c.add(this.#live(), k, this.#vector(vector, 'vector')));
  }

  /** Adds keys.length vectors (row-major) on all cores; all-or-nothing. */
  addBatch(keys, vectors) {
    const ks = keys instanceof BigUint64Array ? keys : BigUint64Array.from(keys, toKey);
    const vs = toFloats(vectors, 'vectors');
    if (vs.length !== ks.length * this.#dim) {
      fail(Status.DIMENSION_MISMATCH,
        `vectors has ${vs.length} floats but ${ks.length} keys x dim ${this.#dim} need ` +
          `${ks.length * this.#dim}; pass n * dim floats, row-major`);
    }
    if (ks.length === 0) return;
    check(c.addBatch(this.#live(), ks.length, ks, vs));
  }

  /**
   * Adds vector under key, or replaces the vector key already has (its
   * metadata stays); a search running alongside finds the key with its old
   * vector or its new one, never both. Errors as add, except that a live key
   * is no error.
   */
  upsert(key, vector) {
    const k = toKey(key);
    check(c.upsert(this.#live(), k, this.#vector(vector, 'vector')));
  }

  /** Removes the vector under key; NOT_FOUND when there is none. */
  remove(key) {
    check(c.remove(this.#live(), toKey(key)));
  }

  /** The number of live vectors. */
  count() {
    const n = [0];
    check(c.count(this.#live(), n));
    return Number(n[0]);
  }

  /** A copy (Float32Array) of the vector under key; NOT_FOUND when there is none. */
  get(key) {
    const v = new Float32Array(this.#dim);
    check(c.get(this.#live(), toKey(key), v));
    return v;
  }

  #params(options, batch) {
    const p = {};
    c.paramsInit(p);
    if (options && options.ef !== undefined) p.ef = options.ef;
    if (options && options.threads !== undefined) p.threads = options.threads;
    if (options && options.rerank !== undefined) p.rerank = options.rerank;
    if (options && options.keywordWeight !== undefined) {
      // The library checks the range (finite, 0..1000); koffi would throw a TypeError for a non-number.
      if (typeof options.keywordWeight !== 'number') {
        fail(Status.INVALID_ARGUMENT,
          `keywordWeight is ${options.keywordWeight}; it must be a number between 0 and 1000 (0 = equal weights)`);
      }
      p.keyword_weight = options.keywordWeight;
    }
    let state = null;
    if (options && options.filter) {
      const user = options.filter;
      state = { error: null, callback: null };
      state.callback = koffi.register((key) => {
        if (state.error) return 0;
        try {
          return user(BigInt(key)) ? 1 : 0;
        } catch (e) {
          state.error = e;
          return 0;
        }
      }, koffi.pointer(FilterFn));
      p.filter = state.callback;
      // JavaScript callbacks run on this thread only.
      if (batch) p.threads = 1;
    }
    return [p, state];
  }

  #run(options, batch, call) {
    const [p, state] = this.#params(options, batch);
    let status;
    try {
      status = call(p);
    } finally {
      if (state) koffi.unregister(state.callback);
    }
    if (state && state.error) throw state.error;
    check(status);
  }

  /**
   * The k nearest vectors to query, nearest first, as [{ key: bigint, distance }].
   * options: { ef, filter: (key: bigint) => boolean }.
   */
  search(query, k, options) {
    const q = this.#vector(query, 'query');
    if (!Number.isInteger(k) || k < 0) fail(Status.INVALID_ARGUMENT, `k is ${k}; ask for at least one neighbour`);
    const keys = new BigUint64Array(k);
    const dist = new Float32Array(k);
    const found = [0];
    this.#run(options, false, (p) => c.search(this.#live(), q, k, p, keys, dist, found));
    const hits = [];
    for (let i = 0; i < Number(found[0]); i++) hits.push({ key: keys[i], distance: dist[i] });
    return hits;
  }

  /**
   * Searches queries.length / dim queries (row-major); returns one hit list per
   * query. options: { ef, threads, filter } (a filtered batch runs on one thread).
   */
  searchBatch(queries, k, options) {
    const qs = toFloats(queries, 'queries');
    if (qs.length % this.#dim !== 0) {
      fail(Status.DIMENSION_MISMATCH,
        `queries has ${qs.length} floats, which is not a multiple of the index dim ${this.#dim}; ` +
          'pass nq * dim floats, row-major');
    }
    if (!Number.isInteger(k) || k < 0) fail(Status.INVALID_ARGUMENT, `k is ${k}; ask for at least one neighbour`);
    const nq = qs.length / this.#dim;
    const keys = new BigUint64Array(nq * k);
    const dist = new Float32Array(nq * k);
    const found = new BigUint64Array(nq); // size_t[nq], declared uint64_t * above
    this.#run(options, true, (p) => c.searchBatch(this.#live(), nq, qs, k, p, keys, dist, found));
    const all = [];
    for (let q = 0; q < nq; q++) {
      const hits = [];
      for (let i = 0; i < Number(found[q]); i++) hits.push({ key: keys[q * k + i], distance: dist[q * k + i] });
      all.push(hits);
    }
    return all;
  }

  /** Writes the index to path crash-safely. options: { compressVectors, compressGraph, zstdLevel }. */
  save(path, options = {}) {
    const o = {};
    c.saveOptionsInit(o);
    if (options.compressVectors !== undefined) o.compress_vectors = options.compressVectors ? 1 : 0;
    if (options.compressGraph !== undefined) o.compress_graph = options.compressGraph ? 1 : 0;
    if (options.zstdLevel !== undefined) o.zstd_level = options.zstdLevel;
    check(c.saveWithOptions(this.#live(), String(path), o));
  }

  /** Writes the live vectors and their keys as .npy files. */
  exportNpy(vectorsPath, keysPath) {
    check(c.exportNpy(this.#live(), String(vectorsPath), String(keysPath)));
  }

  /** Adds the vectors of a .npy file; keys from keysPath, or 0..n-1 when it is omitted. */
  importNpy(vectorsPath, keysPath = null) {
    check(c.importNpy(this.#live(), String(vectorsPath), keysPath === null ? null : String(keysPath)));
  }

  /** Attaches bytes (Uint8Array/Buffer) or a string (UTF-8) to the live vector under key; empty removes it. */
  setMetadata(key, data) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const buf = bytes.length === 0 ? new Uint8Array(1) : bytes;
    check(c.setMetadata(this.#live(), toKey(key), buf, bytes.length));
  }

  /**
   * A copy (Buffer) of the metadata of key, made by the library under its
   * lock; NOT_FOUND when it has none.
   */
  getMetadata(key) {
    const h = this.#live();
    const k = toKey(key);
    let buf = Buffer.allocUnsafe(METADATA_GUESS);
    const len = [0];
    for (;;) {
      check(c.copyMetadata(h, k, buf, buf.length, len));
      const n = Number(len[0]);
      if (n <= buf.length) return Buffer.from(buf.subarray(0, n)); // no spare room kept alive
      buf = Buffer.allocUnsafe(n); // longer than the room: again, with room
    }
  }

  /** The metadata of key decoded as UTF-8. */
  getMetadataString(key) {
    return this.getMetadata(key).toString('utf8');
  }

  /** Rebuilds the index without its removed vectors. */
  compact() {
    check(c.compact(this.#live()));
  }

  /**
   * Checks again the file sections an 'mmap' index searches in place (after
   * verify: 'deferred'); nothing to check for an index in memory. CORRUPT
   * names the file and the section, or says the file changed size.
   */
  verify() {
    check(c.verify(this.#live()));
  }

  /** The heap bytes the index holds (mapped file pages not counted). */
  memoryBytes() {
    const n = [0];
    check(c.memoryBytes(this.#live(), n));
    return Number(n[0]);
  }

  /**
   * A description of the index: { kind ('flat' | 'hnsw'), metric ('l2' |
   * 'ip' | 'cosine'), storage, dim, count, deleted, metadataCount, hnswM,
   * hnswEfConstruction, hnswEfSearch, seed, readOnly, keepsOriginals }.
   */
  info() {
    const i = {};
    c.infoInit(i);
    check(c.getInfo(this.#live(), i));
    return {
      kind: fromC(kinds, i.kind),
      metric: fromC(metrics, i.metric),
      storage: fromC(storages, i.storage),
      dim: i.dim,
      count: Number(i.count),
      deleted: Number(i.deleted),
      metadataCount: Number(i.metadata_count),
      hnswM: i.hnsw_m,
      hnswEfConstruction: i.hnsw_ef_construction,
      hnswEfSearch: i.hnsw_ef_search,
      seed: BigInt(i.seed),
      readOnly: i.read_only !== 0,
      keepsOriginals: i.keeps_originals !== 0,
    };
  }

  // --- text ------------------------------------------------------------------
  // Each document is split into chunks stored under chunkKey(doc, n) with the
  // chunk's text as metadata (quiver.h, "Text").

  /**
   * Attaches the embedder that turns text into vectors for this index (null
   * detaches). The index keeps the embedder, and a callback embedder's
   * function, alive until it is closed or given another one: closing the
   * Embedder right after this call is fine. Not saved with the index: attach
   * it again after open(). DIMENSION_MISMATCH when the dims differ (the
   * attached embedder stays).
   */
  setEmbedder(embedder) {
    const h = this.#live();
    if (embedder === null || embedder === undefined) {
      check(c.setEmbedder(h, null));
      embedder = null;
    } else {
      if (!(embedder instanceof Embedder)) fail(Status.INVALID_ARGUMENT, 'setEmbedder takes an Embedder or null');
      embedder[attachTo](h);
    }
    const old = this.#embedder;
    this.#embedder = embedder;
    if (old) old[release]();
  }

  /**
   * Sets how later addText calls chunk documents. options: { unit (ChunkUnit),
   * chunkSize, chunkOverlap }; unset options keep the library defaults (800
   * characters per chunk, 100 of overlap). null restores the defaults.
   */
  setTextOptions(options) {
    const h = this.#live();
    if (options === null || options === undefined) {
      check(c.setTextOptions(h, null));
      return;
    }
    const o = {};
    c.textOptionsInit(o);
    if (options.unit !== undefined) o.unit = toC(chunkUnits, options.unit, 'textOptions.unit');
    const counts = { chunkSize: 'chunk_size', chunkOverlap: 'chunk_overlap' };
    for (const [js, cname] of Object.entries(counts)) {
      if (options[js] === undefined) continue;
      if (!Number.isInteger(options[js]) || options[js] < 0 || options[js] > 0xffffffff) {
        fail(Status.INVALID_ARGUMENT, `textOptions.${js} is ${options[js]}; pass a non-negative integer`);
      }
      o[cname] = options[js];
    }
    check(c.setTextOptions(h, o));
  }

  /**
   * Adds a document: splits it into chunks, embeds them and stores each under
   * chunkKey(doc, n) with its text as metadata. doc must be at most MAX_DOC_KEY.
   */
  addText(doc, text) {
    this.addTexts([doc], [text]);
  }

  /** Adds documents texts[i] under docs[i], embedded in one call; all or nothing. */
  addTexts(docs, texts) {
    if (docs.length !== texts.length) {
      fail(Status.INVALID_ARGUMENT, `${docs.length} keys for ${texts.length} texts; pass one key per text`);
    }
    if (docs.length === 0) return;
    const ks = docs instanceof BigUint64Array ? docs : BigUint64Array.from(docs, toKey);
    texts.forEach((t, i) => checkText(t, `texts[${i}]`));
    const h = this.#live();
    this.#withEmbedder(() => check(c.addTexts(h, ks.length, ks, texts)));
  }

  /** Removes a document (its entry and current chunks); NOT_FOUND when it is not in the index. */
  removeText(doc) {
    check(c.removeText(this.#live(), toKey(doc)));
  }

  /**
   * The k documents nearest to query, each with its best chunk, nearest first,
   * as [{ docKey, chunkKey (bigints), distance, passage (the chunk's text) }].
   * options: { ef, filter } (the filter sees chunk keys; docKey() gives the document).
   */
  searchText(query, k, options) {
    return this.#searchText(query, k, options, false);
  }

  /** The k chunks nearest to query (several may belong to one document), as searchText returns them. */
  searchTextChunks(query, k, options) {
    return this.#searchText(query, k, options, true);
  }

  #searchText(query, k, options, chunks) {
    checkText(query, 'the query');
    if (!Number.isInteger(k) || k < 0) fail(Status.INVALID_ARGUMENT, `k is ${k}; ask for at least one neighbour`);
    const h = this.#live();
    const docs = new BigUint64Array(k);
    const chunkKeys = new BigUint64Array(k);
    const dist = new Float32Array(k);
    const found = [0];
    this.#withEmbedder(() => this.#run(options, false, (p) => (chunks ?
      c.searchTextChunks(h, query, k, p, chunkKeys, dist, found) :
      c.searchTextEx(h, query, k, p, docs, chunkKeys, dist, found))));
    const hits = [];
    const source = this.#sources();
    for (let i = 0; i < Number(found[0]); i++) {
      const doc = chunks ? chunkKeys[i] >> 16n : docs[i];
      hits.push({
        docKey: doc,
        chunkKey: chunkKeys[i],
        distance: dist[i],
        passage: this.getMetadataString(chunkKeys[i]),
        source: source(doc),
      });
    }
    return hits;
  }

  /**
   * Keyword search (BM25) over every key's metadata read as text: up to k keys
   * (chunk keys for text added with addText) whose text best matches the words
   * of query, highest score first, as [{ key: bigint, score }]. Words are
   * Unicode letters and digits, case and accents folded; a query without words
   * finds nothing. No embedder is needed. options: { filter } (ef does not apply).
   */
  searchKeywords(query, k, options) {
    checkText(query, 'the query');
    if (!Number.isInteger(k) || k < 0) fail(Status.INVALID_ARGUMENT, `k is ${k}; ask for at least one result`);
    const h = this.#live();
    const keys = new BigUint64Array(k);
    const scores = new Float32Array(k);
    const found = [0];
    this.#run(options, false, (p) => c.searchKeywords(h, query, k, p, keys, scores, found));
    const hits = [];
    for (let i = 0; i < Number(found[0]); i++) hits.push({ key: keys[i], score: scores[i] });
    return hits;
  }

  /**
   * Hybrid search for documents: reciprocal rank fusion of searchText (meaning,
   * through the embedder) and searchKeywords (exact words: names, codes), highest
   * score first, as [{ docKey, chunkKey (bigints), score, passage (the best
   * chunk's text) }]. Needs an embedder. options: { ef, filter, keywordWeight }
   * (the filter sees chunk keys, in both rankings; keywordWeight weighs the
   * keyword ranking: score = 1/(60 + meaning rank) + keywordWeight/(60 +
   * keyword rank), 0 or unset = equal weights, at most 1000).
   */
  searchHybrid(query, k, options) {
    checkText(query, 'the query');
    if (!Number.isInteger(k) || k < 0) fail(Status.INVALID_ARGUMENT, `k is ${k}; ask for at least one result`);
    const h = this.#live();
    const docs = new BigUint64Array(k);
    const chunkKeys = new BigUint64Array(k);
    const scores = new Float32Array(k);
    const found = [0];
    this.#withEmbedder(() => this.#run(options, false,
      (p) => c.searchHybrid(h, query, k, p, docs, chunkKeys, scores, found)));
    const hits = [];
    const source = this.#sources();
    for (let i = 0; i < Number(found[0]); i++) {
      hits.push({
        docKey: docs[i],
        chunkKey: chunkKeys[i],
        score: scores[i],
        passage: this.getMetadataString(chunkKeys[i]),
        source: source(docs[i]),
      });
    }
    return hits;
  }

  // --- documents -------------------------------------------------------------
  // Each document written with upsertText (or addText) has an entry in the
  // index's document table: its current chunks, a source (a path or URI) and
  // fields (any text of yours, e.g. JSON). The table is saved with the index
  // and read back by both open modes (quiver.h, "Documents").

  /**
   * Adds the document, or replaces it if it is in the index: chunks and
   * embeds text as addText does and records options.source and
   * options.fields (strings; unset for none) in the document's entry. Text
   * searches find the old version or the new one, whole. After an upsert a
   * document's chunk numbers no longer start at 0: list them with
   * documentChunks(). On failure the document is as it was.
   */
  upsertText(doc, text, options = {}) {
    const k = toKey(doc);
    checkText(text, 'the text');
    const { source = null, fields = null } = options ?? {};
    if (source !== null) checkText(source, 'options.source');
    if (fields !== null) checkText(fields, 'options.fields');
    const h = this.#live();
    this.#withEmbedder(() => check(c.upsertText(h, k, text, source, fields)));
  }

  /** The chunk keys (bigints) of the document's current version, in text order; NOT_FOUND when there is none. */
  documentChunks(doc) {
    const k = toKey(doc);
    const h = this.#live();
    const n = [0];
    check(c.documentChunks(h, k, null, 0, n));
    const keys = new BigUint64Array(Number(n[0]));
    if (keys.length > 0) check(c.documentChunks(h, k, keys, keys.length, n));
    return Array.from(keys);
  }

  /**
   * The document's { source, fields } (strings, '' when none), copied by the
   * library under its lock; NOT_FOUND when there is no such document.
   */
  getDocument(doc) {
    const h = this.#live();
    const k = toKey(doc);
    let src = Buffer.allocUnsafe(SOURCE_GUESS);
    let fields = Buffer.allocUnsafe(FIELDS_GUESS);
    const srcLen = [0];
    const fieldsLen = [0];
    for (;;) {
      check(c.copyDocument(h, k, src, src.length, srcLen, fields, fields.length, fieldsLen));
      const ns = Number(srcLen[0]);
      const nf = Number(fieldsLen[0]);
      if (ns <= src.length && nf <= fields.length) {
        return { source: src.toString('utf8', 0, ns), fields: fields.toString('utf8', 0, nf) };
      }
      // Longer than the room: again, with room for both.
      if (ns > src.length) src = Buffer.allocUnsafe(ns);
      if (nf > fields.length) fields = Buffer.allocUnsafe(nf);
    }
  }

  /**
   * The keys (bigints) of every document in the document table, ascending
   * (paged internally). Documents of a file from an older library are listed
   * once upserted.
   */
  listDocuments() {
    const h = this.#live();
    const page = new BigUint64Array(LIST_PAGE);
    const all = [];
    const n = [0];
    for (let first = 0n; ;) {
      check(c.listDocuments(h, first, page, page.length, n));
      const got = Number(n[0]);
      for (let i = 0; i < got; i++) all.push(page[i]);
      if (got < page.length) return all;
      first = page[got - 1] + 1n;
    }
  }

  /** The number of documents in the document table (count() counts chunks). */
  documentCount() {
    const n = [0];
    check(c.documentCount(this.#live(), n));
    return Number(n[0]);
  }

  /** doc -> its source ('' without an entry), each document looked up once. */
  #sources() {
    const seen = new Map();
    return (doc) => {
      if (!seen.has(doc)) {
        let source = '';
        try {
          source = this.getDocument(doc).source;
        } catch (e) {
          if (!(e instanceof QuiverError && e.status === Status.NOT_FOUND)) throw e;
        }
        seen.set(doc, source);
      }
      return seen.get(doc);
    };
  }

  /** Runs a text call with the attached embedder (if any) counted as in use. */
  #withEmbedder(call) {
    const e = this.#embedder;
    if (e) e[acquire]();
    try {
      return call();
    } finally {
      if (e) e[release]();
    }
  }

  /** Releases the native index. Safe to call twice. An embedder attached to it is released too. */
  close() {
    if (this.#handle !== null) {
      c.free(this.#handle);
      this.#handle = null;
      if (this.#embedder) this.#embedder[release]();
      this.#embedder = null;
    }
  }
}

/** Rejects what the C API cannot take as text: it reads up to a NUL byte. */
function checkText(t, what) {
  if (typeof t !== 'string') fail(Status.INVALID_ARGUMENT, `${what} is not a string`);
  if (t.includes('\0')) {
    fail(Status.INVALID_ARGUMENT, `${what} contains a NUL character; remove it: text is stored as C strings`);
  }
}

/** What a text is for: 'document' (stored and found) or 'query' (a search). */
const EmbedTask = embedTasks.names;

function writeError(err, errLen, message) {
  const room = Number(errLen);
  if (room === 0) return;
  const bytes = Buffer.from(String(message), 'utf8').subarray(0, room - 1);
  const view = new Uint8Array(koffi.view(err, room));
  view.set(bytes);
  view[bytes.length] = 0;
}

/**
 * Turns text into vectors of `dim` floats: the offline hashing embedder,
 * Google's Gemini API, or a JavaScript function. Call close() to release it.
 */
class Embedder {
  #handle;
  #dim;
  // The JavaScript side of a callback embedder. An index that holds this
  // embedder keeps the native embedder alive after close(), and the native
  // embedder calls this: it is unregistered only once the embedder is closed,
  // no index holds it and no text call of an index is using it.
  #callback;
  #users = 0; // attached indexes + their text calls in flight

  constructor(handle, callback) {
    this.#handle = handle;
    this.#callback = callback;
    const d = [0];
    check(c.embedderDim(handle, d));
    this.#dim = d[0];
  }

  /** The offline hashing embedder: fast, deterministic, matches words, not meaning. */
  static hashing(dim) {
    const out = [null];
    check(c.embedderCreateHashing(dim, out));
    return new Embedder(out[0], null);
  }

  /**
   * An embedder over a JavaScript function `fn(texts: string[])` returning one
   * vector (Float32Array or number[]) per text; called for documents and
   * queries alike, on the thread that calls embed(). A throw fails the embed
   * call with Status.EMBEDDING and the error's message.
   */
  static callback(dim, fn) {
    const cb = koffi.register((user, n, texts, lengths, out, err, errLen) => {
      try {
        const count = Number(n);
        const ptrs = koffi.decode(texts, koffi.array('void *', count));
        const lens = koffi.decode(lengths, koffi.array('size_t', count));
        const strings = [];
        for (let i = 0; i < count; i++) {
          const len = Number(lens[i]);
          strings.push(len === 0 ? '' :
            Buffer.from(koffi.decode(ptrs[i], koffi.array('uint8_t', len, 'Typed'))).toString('utf8'));
        }
        const rows = fn(strings);
        if (!rows || rows.length !== count) {
          writeError(err, errLen, `the embedding function returned ${rows ? rows.length : 'nothing'} ` +
            `vectors for ${count} texts; return one vector per text`);
          return 1;
        }
        const view = new Float32Array(koffi.view(out, count * dim * 4));
        for (let i = 0; i < count; i++) {
          if (!rows[i] || rows[i].length !== dim) {
            writeError(err, errLen, `the embedding function returned a vector of ${rows[i] ? rows[i].length : 0} ` +
              `floats for text ${i}; the embedder has dim ${dim}`);
            return 1;
          }
          view.set(rows[i], i * dim);
        }
        return 0;
      } catch (e) {
        writeError(err, errLen, e && e.message !== undefined ? `${e.name}: ${e.message}` : String(e));
        return 1;
      }
    }, koffi.pointer(EmbedFn));
    const out = [null];
    const status = c.embedderCreateCallback(dim, cb, null, out);
    if (status !== 0) {
      const message = c.lastError();
      koffi.unregister(cb);
      throw new QuiverError(status, message);
    }
    return new Embedder(out[0], cb);
  }

  /**
   * An embedder over Google's Gemini API (no network call until used).
   * options: { apiKey, baseUrl, model, outputDim, batchSize, requestsPerMinute,
   * maxRetries, timeoutMs, connectTimeoutMs, maxConcurrentRequests }.
   */
  static gemini(options = {}) {
    const o = {};
    c.geminiOptionsInit(o);
    o.api_key = options.apiKey ?? null;
    o.base_url = options.baseUrl ?? null;
    o.model = options.model ?? null;
    const fields = {
      outputDim: 'output_dim', batchSize: 'batch_size', requestsPerMinute: 'requests_per_minute',
      maxRetries: 'max_retries', timeoutMs: 'timeout_ms', connectTimeoutMs: 'connect_timeout_ms',
      maxConcurrentRequests: 'max_concurrent_requests',
    };
    for (const [js, cname] of Object.entries(fields)) if (options[js] !== undefined) o[cname] = options[js];
    const out = [null];
    check(c.embedderCreateGemini(o, out));
    return new Embedder(out[0], null);
  }

  get dim() {
    return this.#dim;
  }

  /** Embeds texts for task: one Float32Array per text, in order. */
  embed(texts, task = EmbedTask.DOCUMENT) {
    if (this.#handle === null) fail(Status.INVALID_ARGUMENT, 'the embedder is closed');
    texts.forEach((t, i) => {
      if (typeof t !== 'string') fail(Status.INVALID_ARGUMENT, `texts[${i}] is not a string`);
      if (t.includes('\0')) fail(Status.INVALID_ARGUMENT, `texts[${i}] contains a NUL character`);
    });
    const t = toC(embedTasks, task, 'task');
    const flat = new Float32Array(texts.length * this.#dim + 1);
    check(c.embedderEmbed(this.#handle, t, texts.length, texts, null, flat));
    const rows = [];
    for (let i = 0; i < texts.length; i++) rows.push(flat.slice(i * this.#dim, (i + 1) * this.#dim));
    return rows;
  }

  /** Embeds one text. */
  embedOne(text, task = EmbedTask.DOCUMENT) {
    return this.embed([text], task)[0];
  }

  /**
   * Releases the native embedder. Safe to call twice. An index it is attached
   * to keeps using it until the index is closed or given another embedder.
   */
  close() {
    if (this.#handle !== null) {
      c.embedderFree(this.#handle);
      this.#handle = null;
      this.#unregisterIfUnused();
    }
  }

  /** Attaches this embedder to a native index and counts the index as a user. */
  [attachTo](indexHandle) {
    if (this.#handle === null) fail(Status.INVALID_ARGUMENT, 'the embedder is closed; attach an open embedder');
    check(c.setEmbedder(indexHandle, this.#handle));
    this.#users++;
  }

  [acquire]() {
    this.#users++;
  }

  [release]() {
    this.#users--;
    this.#unregisterIfUnused();
  }

  #unregisterIfUnused() {
    if (this.#handle === null && this.#users === 0 && this.#callback) {
      koffi.unregister(this.#callback);
      this.#callback = null;
    }
  }
}

module.exports = {
  Index, Embedder, QuiverError, Status, Metric, IndexKind, Storage, OpenMode, VerifyMode, EmbedTask, ChunkUnit,
  MAX_DOC_KEY, MAX_DOC_SOURCE, MAX_DOC_FIELDS, chunkKey, docKey, version, versionNumber, statusName,
};
