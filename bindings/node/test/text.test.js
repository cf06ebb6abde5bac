'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  Index, Embedder, Status, Metric, IndexKind, OpenMode, ChunkUnit, MAX_DOC_KEY, chunkKey, docKey,
} = require('..');
const { expectStatus } = require('./expect');

const K = 10;
const DOCS = [
  'The cat sat on the mat and watched the birds in the garden.',
  'Vector search finds nearest neighbours in HNSW graphs quickly.',
  'A recipe for apple pie: flour, butter, apples, sugar and cinnamon.',
  'The Rust borrow checker explained with lifetimes and references.',
  'Trains leave the central station every ten minutes on weekdays.',
];

// A deterministic toy embedder: a letter histogram folded into 16 bins.
function letters(t) {
  const v = new Float32Array(16);
  for (const ch of t.toLowerCase()) {
    const c = ch.charCodeAt(0);
    if (c >= 97 && c <= 122) v[(c - 97) % 16] += 1;
  }
  v[15] += 0.5; // never the zero vector
  return v;
}

function cosineDistance(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(na * nb);
}

test('text search finds documents and passages', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-text-'));
  const file = path.join(dir, 'text.qv');
  const emb = Embedder.hashing(256);
  const ix = Index.create({ dim: 256, kind: IndexKind.HNSW, metric: Metric.COSINE });
  try {
    expectStatus(() => ix.searchText('cat', 3), Status.INVALID_ARGUMENT); // no embedder yet
    ix.setEmbedder(emb);
    ix.setTextOptions({ unit: ChunkUnit.TOKENS, chunkSize: 6, chunkOverlap: 2 });
    ix.addTexts([10, 20, 30, 40, 50], DOCS);
    assert.ok(ix.count() > DOCS.length, 'documents are split into chunks');

    const hits = ix.searchText('apple pie with cinnamon', 3);
    assert.strictEqual(hits.length, 3);
    assert.strictEqual(hits[0].docKey, 30n);
    assert.strictEqual(docKey(hits[0].chunkKey), 30n);
    assert.match(hits[0].passage, /apple/);
    assert.strictEqual(new Set(hits.map((h) => h.docKey)).size, 3, 'distinct documents');

    const chunks = ix.searchTextChunks('apple pie with cinnamon', 4);
    assert.strictEqual(chunks.length, 4);
    assert.strictEqual(chunks[0].docKey, 30n);
    assert.strictEqual(chunks[0].passage, ix.getMetadataString(chunks[0].chunkKey));

    const filtered = ix.searchText('apple pie with cinnamon', 2, { filter: (key) => docKey(key) !== 30n });
    assert.ok(filtered.every((h) => h.docKey !== 30n), 'filter sees chunk keys');

    const before = ix.searchText('trains at the station', 3);
    assert.strictEqual(before[0].docKey, 50n);
    ix.save(file);

    ix.removeText(30);
    assert.ok(ix.searchText('apple pie with cinnamon', 5).every((h) => h.docKey !== 30n), 'removed');
    expectStatus(() => ix.removeText(30), Status.NOT_FOUND);
    expectStatus(() => ix.addText(10, 'again'), Status.DUPLICATE_KEY);
    const nul = expectStatus(() => ix.addText(60, 'a\0b'), Status.INVALID_ARGUMENT);
    assert.match(nul.message, /NUL/);
    expectStatus(() => ix.addText(MAX_DOC_KEY + 1n, 'key too large'), Status.INVALID_ARGUMENT);
    expectStatus(() => ix.searchText('   ', 3), Status.INVALID_ARGUMENT);
    expectStatus(() => ix.addTexts([1, 2], ['one']), Status.INVALID_ARGUMENT);
    expectStatus(() => ix.setTextOptions({ chunkSize: -1 }), Status.INVALID_ARGUMENT);
    expectStatus(() => ix.setTextOptions({ chunkSize: 4, chunkOverlap: 4 }), Status.INVALID_ARGUMENT);
    const small = Embedder.hashing(64);
    expectStatus(() => ix.setEmbedder(small), Status.DIMENSION_MISMATCH);
    small.close();
    assert.strictEqual(ix.searchText('trains at the station', 3)[0].docKey, 50n, 'the attached embedder stays');

    const mm = Index.open(file, OpenMode.MMAP);
    try {
      expectStatus(() => mm.searchText('trains', 3), Status.INVALID_ARGUMENT);
      mm.setEmbedder(emb);
      assert.deepStrictEqual(mm.searchText('trains at the station', 3), before, 'same answers after mmap');
      expectStatus(() => mm.addText(99, 'read-only'), Status.UNSUPPORTED);
    } finally {
      mm.close();
    }
    assert.strictEqual(chunkKey(7, 3), (7n << 16n) | 3n);
  } finally {
    ix.close();
    emb.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('text search matches brute force; the index keeps a closed callback embedder alive', () => {
  let calls = 0;
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
  let seed = 5;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 16) % words.length;
  };
  const n = 2000;
  const docs = Array.from({ length: n }, (_, i) => 3 * i + 1);
  const texts = Array.from({ length: n }, () => Array.from({ length: 6 }, () => words[next()]).join(' '));
  const ix = Index.create({ dim: 16, kind: IndexKind.FLAT, metric: Metric.COSINE });
  try {
    const emb = Embedder.callback(16, (batch) => {
      calls++;
      return batch.map(letters);
    });
    ix.setEmbedder(emb);
    emb.close(); // the index must keep the JavaScript function registered
    ix.addTexts(docs, texts);
    assert.strictEqual(ix.count(), n, 'one chunk per short document');
    const query = 'delta echo golf hotel';
    const q = letters(query);
    const d = texts.map((t) => cosineDistance(letters(t), q));
    const order = d.map((_, i) => i).sort((a, b) => d[a] - d[b]);
    const hits = ix.searchText(query, K);
    assert.strictEqual(hits.length, K);
    hits.forEach((h, i) => {
      // Ties may order differently; the distance at each rank must match brute force.
      assert.ok(Math.abs(h.distance - d[order[i]]) < 1e-4, `rank ${i}: ${h.distance} vs ${d[order[i]]}`);
      const r = Number((h.docKey - 1n) / 3n);
      assert.ok(Math.abs(d[r] - h.distance) < 1e-4, `distance of document ${h.docKey}`);
      assert.strictEqual(h.chunkKey, chunkKey(h.docKey, 0));
      assert.strictEqual(h.passage, texts[r]);
    });
    assert.ok(calls >= 2, 'the function embedded documents and the query');

    const bad = Embedder.callback(16, () => {
      throw new Error('model offline');
    });
    ix.setEmbedder(bad);
    bad.close();
    const e = expectStatus(() => ix.addText(999999, 'new words'), Status.EMBEDDING);
    assert.match(e.message, /model offline/);
    assert.strictEqual(ix.count(), n, 'a failed addText adds nothing');
    expectStatus(() => ix.searchText('delta', 3), Status.EMBEDDING);
    ix.setEmbedder(null);
    expectStatus(() => ix.searchText('delta', 3), Status.INVALID_ARGUMENT);
  } finally {
    ix.close();
  }
});
