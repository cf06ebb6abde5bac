'use strict';
// Documents: upsertText, documentChunks, getDocument, listDocuments,
// documentCount, and the source on text and hybrid hits.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  Index, Embedder, Status, Metric, IndexKind, OpenMode, ChunkUnit, MAX_DOC_KEY, MAX_DOC_SOURCE,
  MAX_DOC_FIELDS, docKey,
} = require('..');
const { expectStatus } = require('./expect');

/** A text of n distinct words, each `prefix` and its number. */
const words = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');

/** A cosine index with the hashing embedder that chunks every 4 words (no overlap). */
function documentIndex(kind) {
  const ix = Index.create({ dim: 128, kind, metric: Metric.COSINE });
  const emb = Embedder.hashing(128);
  ix.setEmbedder(emb);
  emb.close();
  ix.setTextOptions({ unit: ChunkUnit.TOKENS, chunkSize: 4, chunkOverlap: 0 });
  return ix;
}

/** The texts of the document's chunks, in order. */
function chunkTexts(ix, doc) {
  return ix.documentChunks(doc).map((k) => {
    assert.strictEqual(docKey(k), BigInt(doc), `chunk key ${k}`);
    return ix.getMetadataString(k);
  });
}

const keywordDocs = (ix, q) => ix.searchKeywords(q, 10).map((h) => docKey(h.key));

function tempFile(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-docs-'));
  return { file: path.join(dir, name), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test('upsertText replaces a document: chunks grow and shrink, old text gone, new text found', () => {
  for (const kind of [IndexKind.FLAT, IndexKind.HNSW]) {
    const ix = documentIndex(kind);
    ix.addText(1, 'zebras and lions roar'); // one chunk

    const first = `zeppelin ${words('old', 11)}`; // 12 words: 3 chunks
    ix.upsertText(7, first, { source: 'notes/a.md', fields: '{"v":1}' });
    assert.deepStrictEqual(chunkTexts(ix, 7).length, 3);
    assert.strictEqual(chunkTexts(ix, 7).join(' '), first);
    const oldKeys = ix.documentChunks(7);
    assert.deepStrictEqual(keywordDocs(ix, 'zeppelin'), [7n]);

    const grown = `quokka ${words('new', 23)}`; // 24 words: 6 chunks
    ix.upsertText(7n, grown, { source: 'notes/b.md', fields: '{"v":2}' });
    const texts = chunkTexts(ix, 7);
    assert.strictEqual(texts.length, 6);
    assert.strictEqual(texts.join(' '), grown);
    assert.strictEqual(ix.count(), 6 + 1, `${kind}: the new chunks and the neighbour`);
    for (const k of oldKeys) expectStatus(() => ix.get(k), Status.NOT_FOUND);
    assert.deepStrictEqual(keywordDocs(ix, 'zeppelin'), [], 'the old text is not found');
    assert.deepStrictEqual(keywordDocs(ix, 'quokka'), [7n]);
    const hits = ix.searchText(grown, 1);
    assert.strictEqual(hits[0].docKey, 7n);
    assert.strictEqual(hits[0].source, 'notes/b.md');
    assert.deepStrictEqual(ix.getDocument(7), { source: 'notes/b.md', fields: '{"v":2}' });

    ix.upsertText(7, 'wombat burrow'); // one chunk, no source, no fields
    assert.deepStrictEqual(chunkTexts(ix, 7), ['wombat burrow']);
    assert.strictEqual(ix.count(), 2);
    assert.deepStrictEqual(keywordDocs(ix, 'quokka'), []);
    assert.deepStrictEqual(ix.getDocument(7), { source: '', fields: '' });
    ix.close();
  }
});

test('source and fields round trip, non-ASCII UTF-8 included', () => {
  const ix = documentIndex(IndexKind.FLAT);
  const source = 'notes/café/naïve – 東京.md';
  const fields = JSON.stringify({ title: 'Été à Zürich', tags: ['日本語', '🚀'], quote: '"x"' });
  ix.upsertText(3, 'Ein Text über Brücken und Flüsse', { source, fields });
  assert.deepStrictEqual(ix.getDocument(3), { source, fields });
  assert.deepStrictEqual(JSON.parse(ix.getDocument(3).fields).tags, ['日本語', '🚀']);
  const long = 'ü'.repeat(MAX_DOC_SOURCE / 2); // exactly MAX_DOC_SOURCE bytes
  ix.upsertText(4, 'at the limit', { source: long });
  assert.strictEqual(ix.getDocument(4).source, long);
  // A document added with addText has an entry without source or fields.
  ix.addText(5, 'added the old way');
  assert.deepStrictEqual(ix.getDocument(5), { source: '', fields: '' });
  ix.close();
});

test('listDocuments pages through every key in order; documentCount counts them', () => {
  const ix = documentIndex(IndexKind.FLAT);
  assert.strictEqual(ix.documentCount(), 0);
  assert.deepStrictEqual(ix.listDocuments(), []);
  const n = 1324; // more than one page of 1024, in no particular order
  const docs = Array.from({ length: n }, (_, i) => BigInt(((i * 7919) % n) * 3 + 2));
  ix.addTexts(docs, docs.map((_, i) => `document number ${i}`));
  ix.upsertText(MAX_DOC_KEY, 'the largest key', { source: 'max' });
  ix.upsertText(0, 'the smallest key', { source: 'min' });
  const want = [0n, MAX_DOC_KEY, ...docs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepStrictEqual(ix.listDocuments(), want);
  assert.strictEqual(ix.documentCount(), n + 2);

  ix.removeText(docs[5]);
  ix.removeText(MAX_DOC_KEY);
  assert.strictEqual(ix.documentCount(), n);
  const listed = ix.listDocuments();
  assert.strictEqual(listed.length, n);
  assert.ok(!listed.includes(docs[5]) && !listed.includes(MAX_DOC_KEY));
  expectStatus(() => ix.removeText(docs[5]), Status.NOT_FOUND);
  ix.close();
});

test('text, chunk and hybrid hits carry the document source', () => {
  const ix = documentIndex(IndexKind.HNSW);
  ix.upsertText(1, 'honeybees make honey from nectar in the hive', { source: 'bees.md' });
  ix.upsertText(2, 'steam locomotives pulled the first trains ZX4711', { source: 'https://example.org/trains' });
  ix.addText(3, 'volcanoes erupt molten lava from under the crust'); // no source
  const want = { 1: 'bees.md', 2: 'https://example.org/trains', 3: '' };

  const text = ix.searchText('honey bees hive', 3);
  assert.strictEqual(text.length, 3);
  assert.strictEqual(text[0].docKey, 1n);
  const chunks = ix.searchTextChunks('molten lava volcanoes', 5);
  assert.strictEqual(chunks[0].docKey, 3n);
  const hybrid = ix.searchHybrid('ZX4711 trains', 3);
  assert.strictEqual(hybrid[0].docKey, 2n);
  for (const h of [...text, ...chunks, ...hybrid]) {
    assert.strictEqual(h.source, want[h.docKey], `document ${h.docKey}`);
  }
  ix.close();
});

test('documents survive save and open (load and mmap)', () => {
  const { file, cleanup } = tempFile('docs.qv');
  try {
    const ix = documentIndex(IndexKind.HNSW);
    ix.upsertText(10, words('alpha', 10), { source: 'a.txt', fields: '{"n":1}' });
    ix.upsertText(10, `zeppelin ${words('beta', 8)}`, { source: 'a2.txt', fields: '{"n":2}' }); // chunks no longer start at 0
    ix.upsertText(20, 'Größe und Maß', { source: 'ß.md', fields: 'ä' });
    const chunks10 = ix.documentChunks(10);
    ix.save(file);
    ix.close();

    const emb = Embedder.hashing(128);
    for (const mode of [OpenMode.LOAD, OpenMode.MMAP]) {
      const op = Index.open(file, mode);
      op.setEmbedder(emb);
      assert.deepStrictEqual(op.listDocuments(), [10n, 20n], mode);
      assert.strictEqual(op.documentCount(), 2);
      assert.deepStrictEqual(op.documentChunks(10), chunks10);
      assert.deepStrictEqual(op.getDocument(20), { source: 'ß.md', fields: 'ä' });
      const hits = op.searchHybrid('zeppelin', 1);
      assert.strictEqual(hits[0].docKey, 10n);
      assert.strictEqual(hits[0].source, 'a2.txt');
      if (mode === OpenMode.LOAD) { // a loaded index takes upserts
        op.upsertText(20, 'ersetzt');
        assert.deepStrictEqual(op.getDocument(20), { source: '', fields: '' });
      }
      op.close();
    }
    emb.close();
  } finally {
    cleanup();
  }
});

test('document errors: missing document, bad arguments, read-only index', () => {
  const ix = documentIndex(IndexKind.FLAT);
  ix.upsertText(1, 'one document', { source: 'src' });

  expectStatus(() => ix.getDocument(2), Status.NOT_FOUND);
  expectStatus(() => ix.documentChunks(2), Status.NOT_FOUND);
  expectStatus(() => ix.getDocument(MAX_DOC_KEY + 1n), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.documentChunks(MAX_DOC_KEY + 1n), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(MAX_DOC_KEY + 1n, 'text'), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, '  \n '), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, 'text', { source: 'a\0b' }), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, 'text', { fields: 'a\0b' }), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, 'text', { source: 42 }), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, 'text', { source: 's'.repeat(MAX_DOC_SOURCE + 1) }), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.upsertText(1, 'text', { fields: 'f'.repeat(MAX_DOC_FIELDS + 1) }), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.getDocument(-1), Status.INVALID_ARGUMENT);
  // Refused upserts change nothing.
  assert.deepStrictEqual(ix.getDocument(1), { source: 'src', fields: '' });
  assert.deepStrictEqual(chunkTexts(ix, 1), ['one document']);

  const bare = Index.create({ dim: 128, metric: Metric.COSINE });
  expectStatus(() => bare.upsertText(1, 'no embedder'), Status.INVALID_ARGUMENT);
  bare.close();

  const { file, cleanup } = tempFile('ro.qv');
  try {
    ix.save(file);
    ix.close();
    expectStatus(() => ix.getDocument(1), Status.INVALID_ARGUMENT); // closed
    expectStatus(() => ix.listDocuments(), Status.INVALID_ARGUMENT);
    const mm = Index.open(file, OpenMode.MMAP);
    const emb = Embedder.hashing(128);
    mm.setEmbedder(emb);
    expectStatus(() => mm.upsertText(1, 'replaced'), Status.UNSUPPORTED);
    expectStatus(() => mm.upsertText(9, 'new'), Status.UNSUPPORTED);
    expectStatus(() => mm.removeText(1), Status.UNSUPPORTED);
    assert.deepStrictEqual(mm.getDocument(1), { source: 'src', fields: '' });
    mm.close();
    emb.close();
  } finally {
    cleanup();
  }
});

test('reads longer than the first room offered come back whole (metadata, source, fields)', () => {
  const ix = documentIndex(IndexKind.FLAT);
  const fields = JSON.stringify({ body: 'é'.repeat(3000) }); // over 6000 bytes
  const source = 's'.repeat(MAX_DOC_SOURCE);
  ix.upsertText(1, 'a short text', { source, fields });
  assert.deepStrictEqual(ix.getDocument(1), { source, fields });
  ix.upsertText(1, 'a short text', { source: 'short', fields: '{}' }); // and back to short ones
  assert.deepStrictEqual(ix.getDocument(1), { source: 'short', fields: '{}' });
  const key = ix.documentChunks(1)[0];
  const long = Buffer.alloc(5000, 7);
  ix.setMetadata(key, long);
  assert.ok(ix.getMetadata(key).equals(long));
  ix.setMetadata(key, 'tiny');
  assert.strictEqual(ix.getMetadataString(key), 'tiny');
  ix.close();
});
