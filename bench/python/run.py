#!/usr/bin/env python3
"""Quiver (quiver_vec) against faiss-cpu, hnswlib and usearch from PyPI, all
through Python, with bench/'s protocol: same data, same process, interleaved
timings, QPS at recall@10 0.95 / 0.99 / 0.995 interpolated over an ef sweep,
build time and memory; batch and one-query calls; and the Python call overhead
of a one-query search on a tiny index. See bench/python/README.md."""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datasets  # noqa: E402
import engines as eng  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    lst = lambda s: [x for x in s.split(",") if x]  # noqa: E731
    ap.add_argument("--dataset", type=lst, default=["siftsmall", "mnist", "apt-minilm"],
                    help="comma-separated: siftsmall, mnist, apt-minilm (default all three)")
    ap.add_argument("--engines", type=lst, default=["quiver", "hnswlib", "faiss", "usearch"])
    ap.add_argument("--storage", type=lst, default=["f32", "f16", "i8", "b1"],
                    help="Quiver storage types, one engine each (b1 only on cosine sets)")
    ap.add_argument("--usearch-dtype", type=lst, default=["f32"],
                    help="usearch scalar types, one engine each (its own default is bf16)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="the all-threads figure (default: all hardware threads); 1 = one-thread only")
    ap.add_argument("--ef", type=lambda s: [int(x) for x in lst(s)],
                    default=[10, 16, 24, 32, 48, 64, 96, 128, 192, 256])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per timing (0.2)")
    ap.add_argument("--trials", type=int, default=3, help="best of N timings (3)")
    ap.add_argument("--modes", type=lst, default=["one", "batch1", "batchN"],
                    help="one (one query per call), batch1 (batch, 1 thread), batchN (batch, --threads)")
    ap.add_argument("--no-st-build", action="store_true", help="skip the one-thread build")
    ap.add_argument("--no-overhead", action="store_true", help="skip the call-overhead table")
    ap.add_argument("--overhead-only", action="store_true")
    ap.add_argument("--data", default=datasets.DEFAULT_DATA, help="shared/data folder")
    ap.add_argument("--text-cache", default=datasets.DEFAULT_TEXT_CACHE,
                    help="folder written by make_text_data.py")
    ap.add_argument("--out", default="/tmp/quiver-pybench", help="result files (Markdown, CSV)")
    a = ap.parse_args()
    unknown = [d for d in a.dataset if d not in datasets.LOADERS]
    if unknown:
        ap.error("unknown data set %s (%s)" % (", ".join(unknown), ", ".join(datasets.LOADERS)))
    if a.threads <= 1:
        a.threads = 1
        a.modes = [m for m in a.modes if m != "batchN"]
    return a


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "%s, %d hardware threads, Python %s" % (cpu, os.cpu_count(), platform.python_version())


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def build_all(engines, base, a):
    """Each engine builds on one thread (timed, thrown away), then on all threads
    (timed, RSS growth measured, kept for the searches)."""
    builds = {}
    for e in engines:
        t1 = None
        if not a.no_st_build and a.threads > 1:
            t1 = measure.timed(lambda: e.build(base, 1))
            e.free()
        rss0 = measure.rss_bytes()
        tN = measure.timed(lambda: e.build(base, a.threads))
        rss = measure.rss_bytes() - rss0
        if a.threads == 1:
            t1 = tN
        builds[e.name] = {"t1": t1, "tN": tN, "rss": rss, "own": e.own_bytes()}
        log("  built %-12s 1T %s  %dT %.2fs  RSS +%.1f MiB" % (
            e.name, "%.2fs" % t1 if t1 is not None else "-", a.threads, tN, rss / 2**20))
    return builds


def sweep_all(engines, ds, a):
    """For each ef: a warm-up pass per engine and mode gives recall, then the
    trials go round-robin over the engines so that outside load hits all alike."""
    recall = measure.Recall(ds, a.k)
    nq, points = len(ds.queries), []
    for ef in a.ef:
        passes = {}
        for e in engines:
            e.set_ef(ef)
            p = {"engine": e.name, "ef": ef, "recall": {}, "qps": {m: 0.0 for m in a.modes}}
            for m in a.modes:
                if m == "one":
                    fn = e.one_query_fn(a.k)
                    p["recall"][m] = recall(measure.one_query_results(fn, ds.queries, a.k))
                    passes[e.name, m] = measure.one_query_pass(fn, ds.queries)
                else:
                    t = 1 if m == "batch1" else a.threads
                    p["recall"][m] = recall(e.search_batch(ds.queries, a.k, t))
                    passes[e.name, m] = (lambda e=e, t=t: e.search_batch(ds.queries, a.k, t))
            points.append(p)
        cur = points[-len(engines):]
        for _ in range(a.trials):
            for e, p in zip(engines, cur):
                e.set_ef(ef)
                for m in a.modes:
                    if m == "one":  # FAISS' one-query function sets its OpenMP threads to 1
                        passes[e.name, m] = measure.one_query_pass(e.one_query_fn(a.k), ds.queries)
                    rate = measure.best_rate(passes[e.name, m], nq, a.min_time, 1)
                    p["qps"][m] = max(p["qps"][m], rate)
        log("  ef %4d  " % ef + "  ".join("%s %.4f/%.0f" % (p["engine"], p["recall"][a.modes[-1]],
                                                           p["qps"][a.modes[-1]]) for p in cur))
    return points


def overhead(a):
    """Time per call of a one-query search on a tiny index (256 x 16, cosine, ef 16):
    what each binding's Python call costs when the search itself is nearly free."""
    rng = np.random.default_rng(a.seed)
    base = rng.standard_normal((256, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = np.ascontiguousarray(base[:100] + 0.01 * rng.standard_normal((100, 16)).astype(np.float32))
    ks = (1, 10)
    engines = eng.make_engines(a.engines, a.storage, a.usearch_dtype, 16, "cosine", a)
    for e in engines:
        e.build(base, 1)
        e.set_ef(16)
    rows = {e.name: {k: 0.0 for k in ks} for e in engines}
    for _ in range(a.trials):
        for k in ks:
            for e in engines:
                rate = measure.best_rate(measure.one_query_pass(e.one_query_fn(k), queries),
                                         len(queries), max(a.min_time, 0.3), 1)
                rows[e.name][k] = max(rows[e.name][k], rate)
    us = {n: {k: 1e6 / r[k] for k in ks} for n, r in rows.items()}
    return report.overhead_table(us, ks), us


def run_dataset(name, a, out):
    try:
        ds = datasets.LOADERS[name](a)
    except datasets.Missing as err:
        log("%s skipped: %s" % (name, err))
        return None
    except KeyError:
        raise SystemExit("unknown data set %r (%s)" % (name, ", ".join(datasets.LOADERS)))
    n, d = ds.base.shape
    log("%s: %d x %d, %d queries, %s" % (name, n, d, len(ds.queries), ds.metric))
    load_before = uptime()
    t0 = time.time()
    engines = eng.make_engines(a.engines, a.storage, a.usearch_dtype, d, ds.metric, a)
    builds = build_all(engines, ds.base, a)
    sweep = sweep_all(engines, ds, a)
    load_after = uptime()
    targets_md, verdicts = report.targets_table(engines, sweep, a.modes, a.threads)
    md = [
        "### %s: %d x %d, %d queries, %s" % (name, n, d, len(ds.queries), ds.metric),
        "",
        "%s. k = %d, M = %d, ef_construction = %d, ef sweep %s, best of %d timings of >= %.1f s, "
        "%d threads for the all-threads figures. %.0f s. Load before: `%s`; after: `%s`."
        % (ds.note, a.k, a.M, a.ef_construction, ",".join(map(str, a.ef)), a.trials, a.min_time,
           a.threads, time.time() - t0, load_before, load_after),
        "",
        "QPS at recall@%d (interpolated):" % a.k, "",
        report.qps_table(engines, sweep, a.modes, a.threads), "",
        "Batch QPS at recall 0.99, Quiver over the best of hnswlib, faiss, usearch (> 1: ahead):", "",
        targets_md, "",
        "Build and memory (RSS growth over the all-threads build):", "",
        report.build_table(engines, builds, a.threads), "",
        "Sweep:", "",
        report.sweep_table(engines, sweep, a.modes, a.threads), "",
    ]
    text = "\n".join(md)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    with open(os.path.join(out, "%s-%s.md" % (name, stamp)), "w") as f:
        f.write(text)
    with open(os.path.join(out, "%s-%s.csv" % (name, stamp)), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["engine", "ef", "mode", "recall", "qps"])
        for p in sweep:
            for m in a.modes:
                w.writerow([p["engine"], p["ef"], m, "%.5f" % p["recall"][m], "%.1f" % p["qps"][m]])
    for e in engines:
        e.free()
    return text, verdicts, builds


def main():
    a = parse_args()
    os.makedirs(a.out, exist_ok=True)
    header = ["## Run of %s UTC" % time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "",
              "Machine: %s. Load: `%s`." % (machine(), uptime()), ""]
    versions = {}
    for e in eng.make_engines(a.engines, ["f32"], a.usearch_dtype[:1], 4, "l2", a):
        versions[e.name] = e.version()
    header += ["Versions: " + ", ".join("%s %s" % kv for kv in versions.items()) + ".", ""]
    print("\n".join(header), flush=True)
    summary = {}
    if not a.overhead_only:
        for name in a.dataset:
            r = run_dataset(name, a, a.out)
            if r is None:
                continue
            text, verdicts, _ = r
            print(text, flush=True)
            summary[name] = verdicts
    if not a.no_overhead:
        (table, fastest), us = overhead(a)
        print("### One-query call overhead (tiny index: 256 x 16 cosine, ef 16, 1 thread)\n\n"
              + table + "\n", flush=True)
        summary["overhead_us"] = us
    with open(os.path.join(a.out, "summary-%s.json" % time.strftime("%Y%m%d-%H%M%S", time.gmtime())),
              "w") as f:
        json.dump(summary, f, indent=1, default=str)
    print("Load at the end: `%s`" % uptime())


if __name__ == "__main__":
    main()
