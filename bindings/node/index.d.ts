// TypeScript declarations of @quiver-search/quiver (index.js), checked by
// `tsc -p tsconfig.json` against test/types.ts in the binding's CTest run.

/** A key: a bigint, or a non-negative safe integer. Keys come back as bigint. */
export type Key = bigint | number;
/** A vector (or row-major vectors): a Float32Array or an array of numbers. */
export type Floats = Float32Array | number[];
/** Keys of a batch: a BigUint64Array or an array of keys. */
export type Keys = BigUint64Array | Key[];

/** Quiver's result codes (qv_status): the value of QuiverError.status. */
export declare const Status: Readonly<{
  OK: 0;
  INVALID_ARGUMENT: 1;
  DIMENSION_MISMATCH: 2;
  NOT_FOUND: 3;
  DUPLICATE_KEY: 4;
  IO: 5;
  CORRUPT: 6;
  UNSUPPORTED: 7;
  OUT_OF_MEMORY: 8;
  EMBEDDING: 9;
  INTERNAL: 10;
}>;
export type Status = (typeof Status)[keyof typeof Status];

export type Metric = 'l2' | 'ip' | 'cosine';
export declare const Metric: Readonly<{ L2: 'l2'; IP: 'ip'; COSINE: 'cosine' }>;
export type IndexKind = 'flat' | 'hnsw';
export declare const IndexKind: Readonly<{ FLAT: 'flat'; HNSW: 'hnsw' }>;
export type Storage = 'f32' | 'f16' | 'i8' | 'b1';
export declare const Storage: Readonly<{ F32: 'f32'; F16: 'f16'; I8: 'i8'; B1: 'b1' }>;
export type OpenMode = 'load' | 'mmap';
export declare const OpenMode: Readonly<{ LOAD: 'load'; MMAP: 'mmap' }>;
export type VerifyMode = 'all' | 'deferred';
export declare const VerifyMode: Readonly<{ ALL: 'all'; DEFERRED: 'deferred' }>;
export type ChunkUnit = 'characters' | 'tokens';
export declare const ChunkUnit: Readonly<{ CHARACTERS: 'characters'; TOKENS: 'tokens' }>;
export type EmbedTask = 'document' | 'query';
export declare const EmbedTask: Readonly<{ DOCUMENT: 'document'; QUERY: 'query' }>;

/** Every failure: `status` (a Status value) and Quiver's `message`. */
export declare class QuiverError extends Error {
  readonly name: 'QuiverError';
  readonly status: Status;
}

/** The C name of a status, e.g. 'QV_ERR_DUPLICATE_KEY'. */
export declare function statusName(status: Status): string;
/** The version of the libquiver loaded, e.g. "0.1.0". */
export declare function version(): string;
/** The same as a number: major * 10000 + minor * 100 + patch. */
export declare function versionNumber(): number;

/** The largest document key (48 bits). */
export declare const MAX_DOC_KEY: bigint;
/** The most bytes a document's source may have (8192). */
export declare const MAX_DOC_SOURCE: number;
/** The most bytes a document's fields may have (1 MiB). */
export declare const MAX_DOC_FIELDS: number;
/** The key of chunk n of document doc: doc << 16 | n. */
export declare function chunkKey(doc: Key, n: number): bigint;
/** The document a chunk key belongs to. */
export declare function docKey(chunkKey: Key): bigint;

export interface IndexOptions {
  dim: number;
  metric?: Metric;
  kind?: IndexKind;
  hnswM?: number;
  hnswEfConstruction?: number;
  hnswEfSearch?: number;
  seed?: Key;
  /** Threads for batch calls; 0 = all cores. */
  threads?: number;
  storage?: Storage;
  /** i8 and b1: keep the float32 originals for exact re-ranking (default true). */
  keepOriginals?: boolean;
}

export interface OpenOptions {
  mode?: OpenMode;
  verify?: VerifyMode;
  threads?: number;
}

export interface SearchOptions {
  /** HNSW candidate list size; 0 = the index default. */
  ef?: number;
  /** Threads for batch searches; a filtered batch runs on one thread. */
  threads?: number;
  /** Keeps only keys for which it returns true. Text searches pass chunk keys. */
  filter?: (key: bigint) => boolean;
  /** i8 and b1 with originals: candidates re-ranked on the originals; 0 = all. */
  rerank?: number;
  /**
   * searchHybrid only: the weight of the keyword ranking against the meaning
   * ranking's 1 (score = 1/(60 + meaning rank) + keywordWeight/(60 + keyword
   * rank)); 0 (default) = equal weights. Finite, 0 to 1000.
   */
  keywordWeight?: number;
}

export interface SaveOptions {
  compressVectors?: boolean;
  compressGraph?: boolean;
  zstdLevel?: number;
}

export interface TextOptions {
  unit?: ChunkUnit;
  chunkSize?: number;
  chunkOverlap?: number;
}

export interface Hit {
  key: bigint;
  distance: number;
}

export interface TextHit {
  docKey: bigint;
  chunkKey: bigint;
  distance: number;
  /** The chunk's text (its metadata). */
  passage: string;
  /** The document's source ('' when it has none: added with addText, or by an older library). */
  source: string;
}

/** A keyword search result: a key and its BM25 score (higher is better). */
export interface KeywordHit {
  key: bigint;
  score: number;
}

/** A hybrid search result: a document, its best chunk and the fused score (higher is better). */
export interface HybridHit {
  docKey: bigint;
  chunkKey: bigint;
  score: number;
  /** The chunk's text (its metadata). */
  passage: string;
  /** The document's source ('' when it has none). */
  source: string;
}

/** What upsertText records in a document's entry; unset for none. */
export interface DocumentOptions {
  /** Where the document came from: a path or URI (at most MAX_DOC_SOURCE bytes). */
  source?: string;
  /** Any text of yours, e.g. JSON (at most MAX_DOC_FIELDS bytes). */
  fields?: string;
}

/** A document's entry ('' for what it has none of). */
export interface Document {
  source: string;
  fields: string;
}

export interface Info {
  kind: IndexKind;
  metric: Metric;
  storage: Storage;
  dim: number;
  count: number;
  deleted: number;
  metadataCount: number;
  hnswM: number;
  hnswEfConstruction: number;
  hnswEfSearch: number;
  seed: bigint;
  readOnly: boolean;
  keepsOriginals: boolean;
}

/** A Quiver index. Call close() to release its native memory. */
export declare class Index {
  private constructor(handle: unknown);
  static create(options: IndexOptions): Index;
  static open(path: string, mode?: OpenMode): Index;
  static openWithOptions(path: string, options?: OpenOptions): Index;
  readonly dim: number;
  add(key: Key, vector: Floats): void;
  /** Adds keys.length vectors (row-major) on all cores; all-or-nothing. An HNSW batch that at
   * least doubles an index of 8 MiB or more ends by renumbering the graph for memory locality. */
  addBatch(keys: Keys, vectors: Floats): void;
  /** Adds, or replaces a live key's vector (its metadata stays). */
  upsert(key: Key, vector: Floats): void;
  remove(key: Key): void;
  count(): number;
  get(key: Key): Float32Array;
  search(query: Floats, k: number, options?: SearchOptions): Hit[];
  searchBatch(queries: Floats, k: number, options?: SearchOptions): Hit[][];
  save(path: string, options?: SaveOptions): void;
  verify(): void;
  memoryBytes(): number;
  exportNpy(vectorsPath: string, keysPath: string): void;
  importNpy(vectorsPath: string, keysPath?: string | null): void;
  setMetadata(key: Key, data: Uint8Array | string): void;
  /** A copy of the metadata (a Buffer, which is a Uint8Array). */
  getMetadata(key: Key): Uint8Array;
  getMetadataString(key: Key): string;
  /** Rebuilds without removed vectors and renumbers an HNSW graph for memory locality (no
   * result changes); must not run alongside other calls. */
  compact(): void;
  info(): Info;
  setEmbedder(embedder: Embedder | null): void;
  setTextOptions(options: TextOptions | null): void;
  addText(doc: Key, text: string): void;
  addTexts(docs: Keys, texts: string[]): void;
  removeText(doc: Key): void;
  /** Adds the document or replaces it (atomically for text searches). */
  upsertText(doc: Key, text: string, options?: DocumentOptions): void;
  /** The chunk keys of the document's current version, in text order. */
  documentChunks(doc: Key): bigint[];
  getDocument(doc: Key): Document;
  /** Every document key in the table, ascending. */
  listDocuments(): bigint[];
  documentCount(): number;
  searchText(query: string, k: number, options?: SearchOptions): TextHit[];
  searchTextChunks(query: string, k: number, options?: SearchOptions): TextHit[];
  searchKeywords(query: string, k: number, options?: SearchOptions): KeywordHit[];
  searchHybrid(query: string, k: number, options?: SearchOptions): HybridHit[];
  close(): void;
}

export interface GeminiOptions {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  outputDim?: number;
  batchSize?: number;
  requestsPerMinute?: number;
  maxRetries?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxConcurrentRequests?: number;
}

/** Turns text into vectors of `dim` floats. Call close() to release it. */
export declare class Embedder {
  private constructor(handle: unknown, callback: unknown);
  static hashing(dim: number): Embedder;
  static callback(dim: number, fn: (texts: string[]) => ArrayLike<number>[]): Embedder;
  static gemini(options?: GeminiOptions): Embedder;
  readonly dim: number;
  embed(texts: string[], task?: EmbedTask): Float32Array[];
  embedOne(text: string, task?: EmbedTask): Float32Array;
  close(): void;
}
