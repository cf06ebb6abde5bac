"""The Markdown report of a run (run.py's results dict)."""

KINDS = ("meaning", "exact", "all")


def _cell(r, kind, metric):
    return "%.3f" % r["scores"][kind][metric]


def table(results):
    lines = ["| embedder | mode | meaning R@10 | meaning nDCG@10 | exact R@10 | exact nDCG@10 "
             "| all R@10 | all nDCG@10 | queries/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in results["runs"]:
        for mode, r in run["modes"].items():
            cells = [_cell(r, kind, m) for kind in KINDS for m in ("recall", "ndcg")]
            lines.append("| %s | %s | %s | %.0f |" % (run["embedder"], mode, " | ".join(cells),
                                                      r["qps"]))
    return "\n".join(lines)


def wins(results):
    lines = ["| embedder | query kind | hybrid vs vector: better / worse | "
             "hybrid vs keyword: better / worse | no mode finds a relevant doc |",
             "|---|---|---|---|---|"]
    for run in results["runs"]:
        for kind in ("meaning", "exact"):
            w = run["wins"][kind]
            lines.append("| %s | %s | %d / %d | %d / %d | %d of %d |" % (
                run["embedder"], kind, *w["vector"], *w["keyword"], w["all_miss"], w["queries"]))
    return "\n".join(lines)


def timings(results):
    lines = ["| embedder | chunks | add_texts s | first keyword search s "
             "| model s in add_texts | model share of vector / hybrid query time |",
             "|---|---|---|---|---|---|"]
    for run in results["runs"]:
        m = run["model_seconds"]
        share = "-" if m is None else "%.0f%% / %.0f%%" % (
            100 * m["vector"] / run["modes"]["vector"]["seconds"],
            100 * m["hybrid"] / run["modes"]["hybrid"]["seconds"])
        lines.append("| %s | %d | %.1f | %.2f | %s | %s |" % (
            run["embedder"], run["chunks"], run["add_seconds"], run["keyword_build_seconds"],
            "-" if m is None else "%.1f" % m["add"], share))
    return "\n".join(lines)


def bm25_check(results):
    c = results["bm25_check"]
    return ("Reference BM25 (bm25.py) against `search_keywords`, top 10 chunks of %d queries "
            "(%d meaning, %d exact): same keys in the same order for %d; mean share of "
            "keys in common %.4f; largest relative score difference %.2g." % (
                c["queries"], c["meaning"], c["exact"], c["same_order"], c["mean_overlap"],
                c["max_rel_score_diff"]))


def fusions(results):
    lines = ["| embedder | fusion of the two 50-deep rankings | meaning R@10 | meaning nDCG@10 "
             "| exact R@10 | exact nDCG@10 | all R@10 | all nDCG@10 |",
             "|---|---|---|---|---|---|---|---|"]
    checks = []
    for run in results["runs"]:
        f = run["fusions"]
        for name, r in f["variants"].items():
            cells = ["%.3f" % r[kind][m] for kind in KINDS for m in ("recall", "ndcg")]
            lines.append("| %s | %s | %s |" % (run["embedder"], name, " | ".join(cells)))
        checks.append("%s %d of %d" % (run["embedder"], f["same_as_hybrid"],
                                       run["modes"]["hybrid"]["scores"]["all"]["queries"]))
    lines.append("")
    lines.append("RRF in Python (fusion.py) gives search_hybrid's top 10 exactly for: %s queries."
                 % "; ".join(checks))
    return "\n".join(lines)


def markdown(results):
    m = results["meta"]
    parts = [
        "Retrieval on Debian package descriptions: %d documents (%d chunks), %d meaning + %d "
        "exact-term queries; seed %d; %s; %s, load average %s before, %s after; %s index."
        % (m["docs"], results["runs"][0]["chunks"], m["meaning_queries"], m["exact_queries"],
           m["seed"], results["date"], results["machine"], results["load_before"],
           results["load_after"], results["kind"]),
        "", table(results), "", wins(results), "", fusions(results), "", timings(results), "",
        bm25_check(results),
    ]
    return "\n".join(parts) + "\n"
