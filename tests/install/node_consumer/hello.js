// A Node program outside the repository, run by check_install.sh after
// `npm install` of the packed @quiver-search/quiver, against the installed
// Quiver only, as bindings/node/README.md says.
const { Index, IndexKind, Metric, QuiverError, statusName, version } = require('@quiver-search/quiver');

const ix = Index.create({ dim: 4, kind: IndexKind.HNSW, metric: Metric.COSINE });
ix.add(42, [1, 0, 0, 0]);
ix.addBatch([7n, 8n], new Float32Array([0, 1, 0, 0, 0, 0, 1, 0]));
const hits = ix.search([1, 0.1, 0, 0], 2, { filter: (key) => key !== 8n });
console.log(`quiver ${version()} nearest: ${hits[0].key}`);
try {
  ix.add(42, [1, 0, 0, 0]);
} catch (e) {
  if (e instanceof QuiverError) console.log(statusName(e.status), e.message);
}
console.log(ix.info().kind, ix.info().metric); // hnsw cosine
ix.close();
