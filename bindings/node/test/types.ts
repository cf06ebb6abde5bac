// Compiled (not run) by `tsc -p tsconfig.json`: uses every declaration of
// index.d.ts the way the README does, so a declaration that drifts from what
// a program needs fails the type check.
import {
  Index, Embedder, QuiverError, Status, Metric, IndexKind, Storage, OpenMode, VerifyMode, EmbedTask,
  ChunkUnit, MAX_DOC_KEY, chunkKey, docKey, version, versionNumber, statusName,
  Hit, TextHit, KeywordHit, HybridHit, Info, Document, DocumentOptions, MAX_DOC_SOURCE, MAX_DOC_FIELDS,
} from '..';

export function example(): string {
  const ix: Index = Index.create({ dim: 4, kind: IndexKind.HNSW, metric: Metric.COSINE, seed: 7n });
  ix.add(42, [1, 0, 0, 0]);
  ix.addBatch([7n, 8n], new Float32Array([0, 1, 0, 0, 0, 0, 1, 0]));
  ix.upsert(8n, new Float32Array([0, 0, 0, 1]));
  const hits: Hit[] = ix.search([1, 0.1, 0, 0], 2, { filter: (key: bigint) => key !== 8n, ef: 32 });
  const batch: Hit[][] = ix.searchBatch(new Float32Array(8), 1, { threads: 2 });
  try {
    ix.add(42, [1, 0, 0, 0]);
  } catch (e) {
    if (e instanceof QuiverError && e.status === Status.DUPLICATE_KEY) return statusName(e.status) + e.message;
  }
  ix.setMetadata(42, 'answer');
  const bytes: Uint8Array = ix.getMetadata(42);
  ix.save('vectors.qv', { compressVectors: true });
  const info: Info = ix.info();
  const kind: IndexKind = info.kind;
  const storage: Storage = info.storage;
  ix.close();

  const mm = Index.openWithOptions('vectors.qv', { mode: OpenMode.MMAP, verify: VerifyMode.DEFERRED });
  mm.verify();
  const again = Index.open('vectors.qv', 'mmap');

  const emb = Embedder.callback(4, (texts) => texts.map((t) => [t.length, 1, 0, 0]));
  const v: Float32Array = emb.embedOne('hello', EmbedTask.QUERY);
  const text = Index.create({ dim: 256, metric: 'cosine', storage: Storage.I8 });
  text.setEmbedder(Embedder.hashing(256));
  text.setTextOptions({ unit: ChunkUnit.TOKENS, chunkSize: 100 });
  text.addTexts([1, 2n], ['apple pie', 'trains']);
  const th: TextHit[] = text.searchText('dessert', 1);
  const doc: bigint = docKey(chunkKey(th[0].docKey, 0));
  const kw: KeywordHit[] = text.searchKeywords('apple', 2, { filter: (key: bigint) => key !== 0n });
  const hy: HybridHit[] = text.searchHybrid('apple pie', 2, { ef: 32, keywordWeight: 2 });
  const best: string = hy[0].passage + kw[0].score + hy[0].chunkKey;
  const meta: DocumentOptions = { source: 'notes/a.md', fields: '{"lang":"en"}' };
  text.upsertText(3n, 'a new document', meta);
  text.upsertText(4, 'no source');
  const entry: Document = text.getDocument(3n);
  const chunks: bigint[] = text.documentChunks(3n);
  const listed: bigint[] = text.listDocuments();
  const sources: string = th[0].source + hy[0].source + entry.source + entry.fields;
  const docs: number = text.documentCount() + chunks.length + listed.length + MAX_DOC_SOURCE + MAX_DOC_FIELDS;
  return [hits.length, batch.length, bytes.length, kind, storage, mm.count(), again.dim, v.length,
    doc <= MAX_DOC_KEY, best, sources, docs, version(), versionNumber(), text.memoryBytes()].join(' ');
}
