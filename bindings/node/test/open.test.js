'use strict';
// openWithOptions, deferred verification, verify, info() names, storage.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Index, Status, IndexKind, Metric, Storage, OpenMode, VerifyMode } = require('..');
const { expectStatus } = require('./expect');

const DIM = 16;

function savedIndex(dir) {
  const ix = Index.create({ dim: DIM, kind: IndexKind.HNSW, seed: 9 });
  const n = 3000;
  const data = Float32Array.from({ length: n * DIM }, (_, i) => ((i * 7919) % 1013) / 1013);
  ix.addBatch(BigUint64Array.from({ length: n }, (_, i) => BigInt(i)), data);
  const file = path.join(dir, 'index.qv');
  ix.save(file);
  ix.close();
  return { file, data };
}

test('a deferred mmap open searches, verify() finds damage it skipped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-'));
  try {
    const { file, data } = savedIndex(dir);
    const opts = { mode: OpenMode.MMAP, verify: VerifyMode.DEFERRED, threads: 2 };
    const mm = Index.openWithOptions(file, opts);
    mm.verify();
    assert.strictEqual(mm.search(data.subarray(0, DIM), 1)[0].key, 0n);
    assert.ok(mm.info().readOnly);
    mm.close();

    const bytes = fs.readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expectStatus(() => Index.open(file, OpenMode.MMAP), Status.CORRUPT);
    const damaged = Index.openWithOptions(file, opts);
    const e = expectStatus(() => damaged.verify(), Status.CORRUPT);
    assert.ok(e.message.includes(file), e.message);
    damaged.close();
    expectStatus(() => damaged.verify(), Status.INVALID_ARGUMENT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('verify() reports a truncated file instead of crashing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-'));
  try {
    const { file } = savedIndex(dir);
    const mm = Index.openWithOptions(file, { mode: 'mmap', verify: 'deferred' });
    fs.truncateSync(file, fs.statSync(file).size >> 1);
    const e = expectStatus(() => mm.verify(), Status.CORRUPT);
    assert.match(e.message, /size/);
    mm.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('open options are checked; load with deferred is a full check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-'));
  try {
    const { file } = savedIndex(dir);
    const bad = expectStatus(() => Index.openWithOptions(file, { verify: 'later' }), Status.INVALID_ARGUMENT);
    assert.match(bad.message, /'all', 'deferred'/);
    expectStatus(() => Index.openWithOptions(file, { mode: 2 }), Status.INVALID_ARGUMENT);
    expectStatus(() => Index.openWithOptions(path.join(dir, 'none.qv')), Status.NOT_FOUND);
    const ld = Index.openWithOptions(file, { verify: VerifyMode.DEFERRED });
    ld.verify();
    assert.ok(!ld.info().readOnly);
    assert.ok(ld.memoryBytes() > 3000 * DIM * 4);
    ld.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('info() names kind, metric and storage', () => {
  const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT, metric: Metric.COSINE });
  const info = ix.info();
  assert.deepStrictEqual([info.kind, info.metric, info.storage], ['flat', 'cosine', 'f32']);
  ix.close();
  const q = Index.create({ dim: DIM, storage: Storage.I8, seed: 2 });
  assert.deepStrictEqual([q.info().kind, q.info().storage, q.info().keepsOriginals], ['hnsw', 'i8', true]);
  const v = Float32Array.from({ length: DIM }, (_, i) => i / 10);
  q.add(1, v);
  assert.deepStrictEqual(q.get(1), v);
  assert.strictEqual(q.search(v, 1, { rerank: 4 })[0].key, 1n);
  q.close();
  const f = Index.create({ dim: DIM, kind: IndexKind.FLAT, storage: 'f16' });
  f.add(1, v);
  assert.strictEqual(f.search(v, 1)[0].key, 1n);
  f.close();
  const e = expectStatus(() => Index.create({ dim: DIM, metric: 3 }), Status.INVALID_ARGUMENT);
  assert.match(e.message, /metric is 3; use one of 'l2', 'ip', 'cosine'/);
  const m = expectStatus(() => Index.create({ dim: DIM, hnswM: 1 }), Status.INVALID_ARGUMENT);
  assert.match(m.message, /^hnswM is 1/);
});
