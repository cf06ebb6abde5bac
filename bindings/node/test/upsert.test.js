'use strict';
// Index.upsert over qv_index_upsert: a new key is added, a live key gets its
// new vector (found by a search for it, metadata kept, count unchanged), bad
// vectors and read-only indexes are refused.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Index, Status, Metric, IndexKind, OpenMode } = require('..');
const { expectStatus } = require('./expect');

const DIM = 16;

// Deterministic rows in [0, 1).
function vectors(n) {
  return Float32Array.from({ length: n * DIM }, (_, i) => ((i * 7919) % 1013) / 1013);
}
const row = (data, r) => data.slice(r * DIM, (r + 1) * DIM);

function l2Index(kind, n) {
  const ix = Index.create({ dim: DIM, kind, metric: Metric.L2 });
  const data = vectors(n);
  ix.addBatch(Array.from({ length: n }, (_, i) => i), data);
  return [ix, data];
}

for (const kind of [IndexKind.FLAT, IndexKind.HNSW]) {
  test(`upsert adds a new key and replaces a live one (kind ${kind})`, () => {
    const [ix, data] = l2Index(kind, 200);
    try {
      ix.setMetadata(7, 'seven');
      const fresh = Float32Array.from({ length: DIM }, (_, j) => 5 + j);
      ix.upsert(500, fresh); // a new key: added
      assert.strictEqual(ix.count(), 201);
      assert.deepStrictEqual(ix.get(500n), fresh);

      const moved = row(data, 7).map((x) => x - 9); // far from every other vector
      ix.upsert(7n, moved); // a live key: replaced
      assert.strictEqual(ix.count(), 201);
      assert.deepStrictEqual(ix.get(7), moved);
      const hits = ix.search(moved, 3);
      assert.strictEqual(hits[0].key, 7n);
      assert.strictEqual(hits[0].distance, 0);
      assert.strictEqual(ix.getMetadataString(7), 'seven');
    } finally {
      ix.close();
    }
  });
}

test('upsert refuses bad vectors and changes nothing', () => {
  const [ix, data] = l2Index(IndexKind.HNSW, 3);
  const cos = Index.create({ dim: DIM, metric: Metric.COSINE });
  try {
    const bad = row(data, 1);
    bad[3] = NaN;
    expectStatus(() => ix.upsert(1, bad), Status.INVALID_ARGUMENT);
    bad[3] = Infinity;
    expectStatus(() => ix.upsert(9, bad), Status.INVALID_ARGUMENT);
    expectStatus(() => ix.upsert(1, new Float32Array(DIM - 1)), Status.DIMENSION_MISMATCH);
    expectStatus(() => ix.upsert(-1, row(data, 0)), Status.INVALID_ARGUMENT);
    assert.strictEqual(ix.count(), 3);
    assert.deepStrictEqual(ix.get(1), row(data, 1));
    expectStatus(() => cos.upsert(1, new Float32Array(DIM)), Status.INVALID_ARGUMENT);
  } finally {
    ix.close();
    cos.close();
  }
});

test('upsert on a read-only (mmap) index is unsupported', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-upsert-'));
  const file = path.join(dir, 'index.qv');
  try {
    const [ix, data] = l2Index(IndexKind.HNSW, 10);
    ix.save(file);
    ix.close();
    const mm = Index.open(file, OpenMode.MMAP);
    try {
      expectStatus(() => mm.upsert(1, row(data, 0)), Status.UNSUPPORTED);
      expectStatus(() => mm.upsert(99, row(data, 0)), Status.UNSUPPORTED);
      assert.strictEqual(mm.count(), 10);
      assert.deepStrictEqual(mm.get(1), row(data, 1));
    } finally {
      mm.close();
    }
    const ld = Index.open(file, OpenMode.LOAD);
    try {
      ld.upsert(1, row(data, 0));
      assert.deepStrictEqual(ld.get(1), row(data, 0));
    } finally {
      ld.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
