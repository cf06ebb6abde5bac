'use strict';
// Error messages speak JavaScript: a read-only index, a text call without an
// embedder and bad option values give messages that name no C identifier (no
// qv_ call, no QV_ constant, no NULL) and name options as create() takes them.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Index, Status, Metric, IndexKind, OpenMode } = require('..');
const { expectStatus } = require('./expect');

const DIM = 8;

function messageOf(fn, status) {
  const { message } = expectStatus(fn, status);
  for (const c of ['qv_', 'QV_', 'NULL']) {
    assert.ok(!message.includes(c), `the message names C (${c}): ${message}`);
  }
  return message;
}

test('a read-only index says how to open it for changes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiver-node-messages-'));
  const file = path.join(dir, 'index.qv');
  try {
    const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT });
    ix.add(1, new Float32Array(DIM).fill(1));
    ix.save(file);
    ix.close();
    const mm = Index.open(file, OpenMode.MMAP);
    try {
      const m = messageOf(() => mm.add(2, new Float32Array(DIM).fill(1)), Status.UNSUPPORTED);
      assert.match(m, /read-only/);
      assert.match(m, /loading/);
      assert.match(messageOf(() => mm.remove(1), Status.UNSUPPORTED), /read-only/);
    } finally {
      mm.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a text call without an embedder says to attach one', () => {
  const ix = Index.create({ dim: DIM, kind: IndexKind.FLAT, metric: Metric.COSINE });
  try {
    assert.match(messageOf(() => ix.addText(1, 'hello'), Status.INVALID_ARGUMENT), /no embedder is attached/);
    assert.match(messageOf(() => ix.searchText('hello', 2), Status.INVALID_ARGUMENT), /no embedder is attached/);
  } finally {
    ix.close();
  }
});

test('bad option values are named as create() takes them', () => {
  const m = messageOf(() => Index.create({ dim: DIM, hnswM: 1 }), Status.INVALID_ARGUMENT);
  assert.match(m, /^hnswM is 1; it must be between 2 and 256/);
  assert.match(messageOf(() => Index.create({ dim: DIM, hnswEfSearch: 0 }), Status.INVALID_ARGUMENT),
    /^hnswEfSearch is 0/);
  assert.match(messageOf(() => Index.create({ dim: 0 }), Status.INVALID_ARGUMENT), /^dim is 0/);
  assert.match(messageOf(() => Index.create({ dim: DIM, metric: 'manhattan' }), Status.INVALID_ARGUMENT),
    /'l2'/);
});
