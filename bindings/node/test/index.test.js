'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  Index, Embedder, Status, Metric, IndexKind, OpenMode, EmbedTask, version, statusName,
} = require('..');
const { expectStatus } = require('./expect');

const DIM = 32;
const N = 3000;
const K = 10;

// mulberry32: a fixed-seed generator.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVectors(n, seed) {
  const r = rng(seed);
  const v = new Float32Array(n * DIM);
  for (let i = 0; i < v.length; i++) v[i] = r() * 2 - 1;
  return v;
}

function makeKeys(n) {
  return BigUint64Array.from({ length: n }, (_, i) => 1000n + 7n * BigInt(i));
}

const row = (data, r) => data.subarray(r * DIM, (r + 1) * DIM);

function l2(a, b) {
  // In float32 steps, like the library, so ties order the same way.
  let s = 0;
  for (let j = 0; j < DIM; j++) {
    const d = Math.fround(a[j] - b[j]);
    s = Math.fround(s + Math.fround(d * d));
  }
  return s;
}

// The exact k nearest keys by brute force, nearest first, among keys passing keep.
function bruteForce(data, keys, q, k, keep = () => true) {
  const c = [];
  for (let i = 0; i < keys.length; i++) if (keep(keys[i])) c.push([l2(row(data, i), q), keys[i]]);
  c.sort((x, y) => x[0] - y[0]);
  return c.slice(0, k).map((e) => e[1]);
}

const hitKeys = (hits) => hits.map((h) => h.key);

function buildFlat(data, keys) {
  const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT, metric: Metric.L2 });
  ix.addBatch(keys, data);
  return ix;
}

test('version', () => {
  assert.match(version(), /^\d+\.\d+\.\d+$/);
});

test('flat search is exact', () => {
  const data = randomVectors(N, 1);
  const keys = makeKeys(N);
  const queries = randomVectors(20, 2);
  const ix = buildFlat(data, keys);
  try {
    assert.strictEqual(ix.count(), N);
    assert.strictEqual(ix.dim, DIM);
    for (let q = 0; q < 20; q++) {
      const hits = ix.search(row(queries, q), K);
      const want = bruteForce(data, keys, row(queries, q), K);
      assert.deepStrictEqual(hitKeys(hits), want, `query ${q}`);
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].distance <= hits[i].distance);
      const d0 = l2(row(data, Number((want[0] - 1000n) / 7n)), row(queries, q));
      assert.ok(Math.abs(hits[0].distance - d0) <= 1e-4 * Math.max(1, d0));
    }
  } finally {
    ix.close();
  }
});

test('hnsw recall and batch', () => {
  const data = randomVectors(N, 3);
  const keys = makeKeys(N);
  const nq = 50;
  const queries = randomVectors(nq, 4);
  const ix = Index.create({ dim: DIM, kind: IndexKind.HNSW, seed: 7 });
  try {
    ix.addBatch(keys, data);
    const batch = ix.searchBatch(queries, K);
    assert.strictEqual(batch.length, nq);
    let hit = 0;
    for (let q = 0; q < nq; q++) {
      const want = new Set(bruteForce(data, keys, row(queries, q), K));
      const one = ix.search(row(queries, q), K);
      assert.deepStrictEqual(hitKeys(one), hitKeys(batch[q]), `batch == single, query ${q}`);
      hit += one.filter((h) => want.has(h.key)).length;
    }
    const recall = hit / (nq * K);
    console.log(`HNSW recall@${K} = ${recall.toFixed(3)}`);
    assert.ok(recall >= 0.9, `recall ${recall}`);
  } finally {
    ix.close();
  }
});

test('filter keeps only accepted keys', () => {
  const data = randomVectors(N, 5);
  const keys = makeKeys(N);
  const queries = randomVectors(8, 6);
  const even = (k) => k % 2n === 0n;
  let calls = 0;
  const ix = buildFlat(data, keys);
  try {
    const opts = { filter: (k) => { calls++; return even(k); } };
    for (let q = 0; q < 8; q++) {
      assert.deepStrictEqual(hitKeys(ix.search(row(queries, q), K, opts)),
        bruteForce(data, keys, row(queries, q), K, even));
    }
    assert.ok(calls > 0);
    const batch = ix.searchBatch(queries, K, opts);
    for (let q = 0; q < 8; q++) {
      assert.deepStrictEqual(hitKeys(batch[q]), bruteForce(data, keys, row(queries, q), K, even));
    }
  } finally {
    ix.close();
  }
});

test('filter exception reaches the caller', () => {
  const data = randomVectors(200, 7);
  const ix = buildFlat(data, makeKeys(200));
  try {
    assert.throws(() => ix.search(row(data, 0), K, { filter: () => { throw new RangeError('boom'); } }),
      /boom/);
  } finally {
    ix.close();
  }
});

test('get, remove, count', () => {
  const data = randomVectors(100, 8);
  const keys = makeKeys(100);
  const ix = buildFlat(data, keys);
  try {
    assert.deepStrictEqual(ix.get(keys[5]), Float32Array.from(row(data, 5)));
    ix.remove(keys[5]);
    assert.strictEqual(ix.count(), 99);
    assert.ok(ix.search(row(data, 5), 3).every((h) => h.key !== keys[5]));
    expectStatus(() => ix.get(keys[5]), Status.NOT_FOUND);
    expectStatus(() => ix.remove(keys[5]), Status.NOT_FOUND);
    ix.add(keys[5], row(data, 5));
    assert.strictEqual(ix.search(row(data, 5), 1)[0].key, keys[5]);
  } finally {
    ix.close();
  }
});

test('errors are QuiverErrors with Quiver messages', () => {
  const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT });
  const v = randomVectors(1, 9);
  ix.add(42, v);
  const dup = expectStatus(() => ix.add(42n, v), Status.DUPLICATE_KEY);
  assert.match(dup.message, /42/);
  assert.strictEqual(statusName(dup.status), 'QV_ERR_DUPLICATE_KEY');
  assert.deepStrictEqual(Object.keys(dup).sort(), ['name', 'status'], 'one error shape: status + message');
  expectStatus(() => ix.add(43, new Float32Array(DIM - 1)), Status.DIMENSION_MISMATCH);
  expectStatus(() => ix.search(new Float32Array(DIM + 1), 3), Status.DIMENSION_MISMATCH);
  const k0 = expectStatus(() => ix.search(v, 0), Status.INVALID_ARGUMENT);
  assert.match(k0.message, /k/);
  const nan = Float32Array.from(v);
  nan[3] = NaN;
  expectStatus(() => ix.add(44, nan), Status.INVALID_ARGUMENT);
  expectStatus(() => Index.open('/nonexistent/quiver/index.qv', OpenMode.LOAD), Status.NOT_FOUND);
  expectStatus(() => Index.create({ dim: 0 }), Status.INVALID_ARGUMENT);
  ix.close();
  ix.close();
  expectStatus(() => ix.count(), Status.INVALID_ARGUMENT);
});

test('metadata round trip', () => {
  const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT });
  try {
    ix.add(1, randomVectors(1, 10));
    ix.setMetadata(1, '{"title": "café"}');
    assert.strictEqual(ix.getMetadataString(1), '{"title": "café"}');
    ix.setMetadata(1, Uint8Array.from([0, 1, 2, 255]));
    assert.deepStrictEqual([...ix.getMetadata(1)], [0, 1, 2, 255]);
    expectStatus(() => ix.setMetadata(2, 'x'), Status.NOT_FOUND);
    ix.setMetadata(1, '');
    expectStatus(() => ix.getMetadata(1), Status.NOT_FOUND);
  } finally {
    ix.close();
  }
});

test('save and mmap give the same answers', () => {
  const data = randomVectors(N, 11);
  const keys = makeKeys(N);
  const queries = randomVectors(20, 12);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-'));
  const file = path.join(dir, 'index.qv');
  try {
    const ix = Index.create({ dim: DIM, kind: IndexKind.HNSW, seed: 3 });
    ix.addBatch(keys, data);
    ix.setMetadata(keys[0], 'first');
    const before = ix.searchBatch(queries, K);
    ix.save(file);
    ix.close();

    const mm = Index.open(file, OpenMode.MMAP);
    try {
      assert.strictEqual(mm.count(), N);
      assert.deepStrictEqual(mm.searchBatch(queries, K), before);
      assert.strictEqual(mm.getMetadataString(keys[0]), 'first');
      const info = mm.info();
      assert.ok(info.readOnly && info.kind === IndexKind.HNSW && info.dim === DIM);
      expectStatus(() => mm.add(1, row(data, 0)), Status.UNSUPPORTED);
      expectStatus(() => mm.remove(keys[1]), Status.UNSUPPORTED);
    } finally {
      mm.close();
    }
    const ld = Index.open(file, OpenMode.LOAD);
    try {
      assert.deepStrictEqual(ld.searchBatch(queries, K), before);
      ld.remove(keys[1]);
      assert.strictEqual(ld.count(), N - 1);
    } finally {
      ld.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hashing embedder finds the right text', () => {
  const docs = ['the cat sat on the mat', 'vector search with hnsw graphs', 'a recipe for apple pie',
    'rust borrow checker explained'];
  const emb = Embedder.hashing(256);
  const ix = Index.create({ dim: 256, kind: IndexKind.FLAT, metric: Metric.COSINE });
  try {
    assert.strictEqual(emb.dim, 256);
    const vecs = emb.embed(docs);
    vecs.forEach((v, i) => ix.add(i, v));
    const q = emb.embedOne('searching vectors in an HNSW graph', EmbedTask.QUERY);
    assert.strictEqual(ix.search(q, 1)[0].key, 1n);
    assert.deepStrictEqual(emb.embedOne(docs[2]), vecs[2]);
  } finally {
    ix.close();
    emb.close();
  }
});

test('callback embedder runs JavaScript', () => {
  const seen = [];
  const emb = Embedder.callback(4, (texts) => texts.map((t) => {
    seen.push(t);
    return [[...t].length, t.codePointAt(0) || 0, 1, 0];
  }));
  try {
    const v = emb.embed(['abc', 'café']);
    assert.deepStrictEqual([...v[0]], [3, 'a'.codePointAt(0), 1, 0]);
    assert.strictEqual(v[1][0], 4);
    assert.strictEqual(seen[1], 'café');
  } finally {
    emb.close();
  }
  const bad = Embedder.callback(4, () => { throw new Error('model not loaded'); });
  const e = expectStatus(() => bad.embed(['x']), Status.EMBEDDING);
  assert.match(e.message, /model not loaded/);
  bad.close();
  const wrong = Embedder.callback(4, () => [[1, 2]]);
  expectStatus(() => wrong.embed(['x']), Status.EMBEDDING);
  wrong.close();
  expectStatus(() => Embedder.hashing(0), Status.INVALID_ARGUMENT);
});

test('gemini options are checked', (t) => {
  const make = () => Embedder.gemini({ apiKey: 'test-key', outputDim: 256, maxRetries: 0 });
  let g;
  try {
    g = make();
  } catch (e) {
    if (e.status !== Status.UNSUPPORTED) throw e;
    // A libquiver built with QV_WITH_GEMINI=OFF refuses every Gemini
    // embedder, and says how it was built.
    const refusal = expectStatus(make, Status.UNSUPPORTED);
    assert.match(refusal.message, /without the Gemini embedder/);
    expectStatus(() => Embedder.gemini({ apiKey: 'k', baseUrl: 'ftp://example.invalid' }), Status.UNSUPPORTED);
    t.skip('libquiver built without Gemini');
    return;
  }
  assert.strictEqual(g.dim, 256);
  g.close();
  expectStatus(() => Embedder.gemini({ apiKey: 'k', baseUrl: 'ftp://example.invalid' }), Status.INVALID_ARGUMENT);
});
