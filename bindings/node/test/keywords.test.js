'use strict';
// Keyword search (BM25 over metadata text) and hybrid search (meaning and
// exact words by reciprocal rank fusion).
const test = require('node:test');
const assert = require('node:assert');
const { Index, Embedder, Status, IndexKind, chunkKey, docKey } = require('..');
const { expectStatus } = require('./expect');

const TEXTS = new Map([
  [1n, 'red apples and green pears'],
  [2n, 'the quick brown fox'],
  [3n, 'apples apples apples everywhere'],
  [4n, 'nothing to see here'],
]);

const DOCS = [
  'Honeybees make honey from the nectar of flowers inside the hive.',
  'Steam locomotives pulled the first trains across the country.',
  'The violin and the cello are string instruments. Part number ZX4711.',
  'Volcanoes erupt molten rock called lava from deep under the crust.',
  'Glaciers carve valleys as the ice slowly moves downhill.',
];

function keywordIndex() {
  const ix = Index.create({ dim: 4, kind: IndexKind.FLAT, metric: 'l2' });
  for (const [key, text] of TEXTS) {
    ix.add(key, [Number(key), 1, 2, 3]);
    ix.setMetadata(key, text);
  }
  return ix;
}

function assertDescendingPositive(scores) {
  assert.ok(scores.every((s) => s > 0), `scores ${scores}`);
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i], `scores ${scores}`);
}

test('searchKeywords finds the key whose text has the word', () => {
  const ix = keywordIndex();
  const hits = ix.searchKeywords('apples', 10);
  assert.deepStrictEqual(hits.map((h) => h.key), [3n, 1n]); // three apples outrank one
  assertDescendingPositive(hits.map((h) => h.score));
  assert.deepStrictEqual(ix.searchKeywords('FOX', 1).map((h) => h.key), [2n]);
  const filtered = ix.searchKeywords('apples', 4, { filter: (key) => key !== 3n });
  assert.deepStrictEqual(filtered.map((h) => h.key), [1n]);
  ix.close();
});

test('searchKeywords follows metadata changes', () => {
  const ix = keywordIndex();
  ix.searchKeywords('fox', 1); // builds the keyword index first
  ix.setMetadata(2n, 'a lazy dog sleeps');
  assert.ok(!ix.searchKeywords('fox', 4).some((h) => h.key === 2n));
  const hits = ix.searchKeywords('lazy dog', 4);
  assert.strictEqual(hits[0].key, 2n);
  assert.ok(hits[0].score > 0);
  ix.close();
});

test('searchKeywords: a blank query finds nothing; k = 0 and a null query are refused', () => {
  const ix = keywordIndex();
  assert.deepStrictEqual(ix.searchKeywords(' \t ', 3), []);
  expectStatus(() => ix.searchKeywords('apples', 0), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.searchKeywords(null, 3), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.searchKeywords('app\0les', 3), Status.INVALID_ARGUMENT);
  ix.close();
});

test('searchHybrid puts the document with the exact token first', () => {
  const ix = Index.create({ dim: 256, kind: IndexKind.FLAT, metric: 'cosine' });
  expectStatus(() => ix.searchHybrid('ZX4711', 3), Status.INVALID_ARGUMENT); // no embedder yet
  const emb = Embedder.hashing(256);
  ix.setEmbedder(emb);
  ix.addTexts([1, 2, 3, 4, 5], DOCS);

  const hits = ix.searchHybrid('ZX4711', 5);
  assert.strictEqual(hits[0].docKey, 3n);
  assert.strictEqual(docKey(hits[0].chunkKey), 3n);
  assert.ok(hits[0].passage.includes('ZX4711'));
  assert.strictEqual(new Set(hits.map((h) => h.docKey)).size, hits.length);
  assertDescendingPositive(hits.map((h) => h.score));
  expectStatus(() => ix.searchHybrid('   ', 3), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.searchHybrid('ZX4711', 0), Status.INVALID_ARGUMENT);
  expectStatus(() => ix.searchHybrid(null, 3), Status.INVALID_ARGUMENT);

  ix.setEmbedder(null);
  expectStatus(() => ix.searchHybrid('ZX4711', 3), Status.INVALID_ARGUMENT);
  const kw = ix.searchKeywords('zx4711', 1); // keywords need no embedder
  assert.deepStrictEqual(kw.map((h) => h.key), [chunkKey(3, 0)]);
  ix.close();
  emb.close();
});

/** A document's score as quiver.h defines it: 1/(60 + rank by meaning) + weight/(60 + rank by words). */
function fused(doc, byMeaning, byWords, weight) {
  const term = (ranking, w) => {
    const r = ranking.indexOf(doc);
    return r < 0 ? 0 : w / (60 + r + 1);
  };
  return term(byMeaning, 1) + term(byWords, weight);
}

test('searchHybrid: keywordWeight weighs the keyword ranking as the formula says', () => {
  const ix = Index.create({ dim: 256, kind: IndexKind.FLAT, metric: 'cosine' });
  const emb = Embedder.hashing(256);
  ix.setEmbedder(emb);
  ix.addTexts([1, 2, 3, 4, 5], DOCS);
  // A query the two rankings disagree on (each document is one chunk).
  const query = 'honey trains';
  const byMeaning = ix.searchText(query, 5).map((h) => h.docKey);
  const byWords = ix.searchKeywords(query, 5).map((h) => docKey(h.key));
  assert.notStrictEqual(byMeaning[0], byWords[0], `${byMeaning} / ${byWords}`);
  // Every score is the formula's, for the default (unset or 0 = equal
  // weights) and for the keyword ranking weighted up and down.
  for (const [weight, asUsed] of [[undefined, 1], [0, 1], [2.5, 2.5], [0.25, 0.25]]) {
    const hits = ix.searchHybrid(query, 5, { keywordWeight: weight });
    assert.strictEqual(hits.length, 5);
    for (const h of hits) {
      const want = fused(h.docKey, byMeaning, byWords, asUsed);
      assert.ok(Math.abs(h.score - want) < 1e-6, `weight ${weight}: document ${h.docKey} scored ${h.score}, the formula gives ${want}`);
    }
  }
  // A large weight puts the keyword ranking's first document first, a tiny one the meaning ranking's.
  assert.strictEqual(ix.searchHybrid(query, 5, { keywordWeight: 1000 })[0].docKey, byWords[0]);
  assert.strictEqual(ix.searchHybrid(query, 5, { keywordWeight: 0.001 })[0].docKey, byMeaning[0]);
  // Out of range: the library's INVALID_ARGUMENT, naming the field.
  for (const bad of [-1, 1000.5, NaN, Infinity, '2']) {
    const e = expectStatus(() => ix.searchHybrid(query, 3, { keywordWeight: bad }), Status.INVALID_ARGUMENT);
    assert.match(e.message, /keyword_?[wW]eight/);
  }
  ix.close();
  emb.close();
});
