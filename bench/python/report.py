"""Markdown tables of one run: QPS at target recall, build and memory, the
issue's targets, the raw sweep and the one-query call overhead."""
from measure import qps_at_recall

TARGETS = (0.95, 0.99, 0.995)
COMPETITORS = ("hnswlib", "faiss", "usearch")
MIB = 1024.0 * 1024.0


def mode_names(threads):
    names = {"one": "one query/call", "batch1": "batch 1T"}
    if threads > 1:
        names["batchN"] = "batch %dT" % threads
    return names


def _qps(v):
    qps, kind = v
    if qps is None:
        return "not reached"
    return ("≥ " if kind == ">=" else "") + "{:,.0f}".format(qps)


def at_targets(sweep, engine, mode):
    pts = [(p["recall"][mode], p["qps"][mode]) for p in sweep if p["engine"] == engine]
    return [qps_at_recall(pts, t) for t in TARGETS]


def qps_table(engines, sweep, modes, threads):
    names = mode_names(threads)
    head = "| engine |" + "".join(" %s @%s |" % (names[m], t) for m in modes for t in TARGETS)
    lines = [head, "|---|" + "---:|" * (len(modes) * len(TARGETS))]
    for e in engines:
        cells = [_qps(v) for m in modes for v in at_targets(sweep, e.name, m)]
        lines.append("| %s | %s |" % (e.name, " | ".join(cells)))
    return "\n".join(lines)


def build_table(engines, builds, threads):
    """RSS growth and the own figure are of the index built on all threads."""
    cols = ["build 1T (s)"] + (["build %dT (s)" % threads] if threads > 1 else [])
    lines = ["| engine | %s | RSS growth (MiB) | own figure (MiB) | own figure is |" % " | ".join(cols),
             "|---|" + "---:|" * (len(cols) + 2) + "---|"]
    for e in engines:
        b = builds[e.name]
        times = ["%.2f" % b["t1"] if b["t1"] is not None else "—"]
        if threads > 1:
            times.append("%.2f" % b["tN"])
        lines.append("| %s | %s | %.1f | %.1f | %s |" % (
            e.name, " | ".join(times), b["rss"] / MIB, b["own"] / MIB, e.own_note))
    return "\n".join(lines)


def targets_table(engines, sweep, modes, threads):
    """Quiver's batch QPS at recall 0.99 against the best of the three others."""
    names = mode_names(threads)
    quivers = [e.name for e in engines if e.name.startswith("quiver")]
    others = [e.name for e in engines if e.name.split("-")[0] in COMPETITORS]
    lines = ["| mode | best other @0.99 | " + " | ".join("%s / best other" % q for q in quivers) + " |",
             "|---|---:|" + "---:|" * len(quivers)]
    verdicts = []
    for m in [m for m in modes if m.startswith("batch")]:
        best_name, best = None, None
        for o in others:
            q, _ = at_targets(sweep, o, m)[1]
            if q is not None and (best is None or q > best):
                best_name, best = o, q
        cells = []
        for qn in quivers:
            q, _ = at_targets(sweep, qn, m)[1]
            if q is None:
                cells.append("not reached")
                verdicts.append((m, qn, None))
            elif best is None:
                cells.append("others not reached")
                verdicts.append((m, qn, float("inf")))
            else:
                cells.append("%.2f" % (q / best))
                verdicts.append((m, qn, q / best))
        best_cell = "%s {:,.0f}".format(best) % best_name if best is not None else "none reached"
        lines.append("| %s | %s | %s |" % (names[m], best_cell, " | ".join(cells)))
    return "\n".join(lines), verdicts


def sweep_table(engines, sweep, modes, threads):
    names = mode_names(threads)
    lines = ["| ef | engine | recall one | recall batch | " + " | ".join("QPS " + names[m] for m in modes)
             + " |", "|---:|---|---:|---:|" + "---:|" * len(modes)]
    for p in sweep:
        rb = p["recall"].get("batch1", p["recall"].get("batchN"))
        lines.append("| %d | %s | %.4f | %.4f | %s |" % (
            p["ef"], p["engine"], p["recall"].get("one", float("nan")), rb,
            " | ".join("{:,.0f}".format(p["qps"][m]) for m in modes)))
    return "\n".join(lines)


def overhead_table(rows, ks):
    """rows: {engine: {k: microseconds per call}}."""
    lines = ["| engine | " + " | ".join("µs/call k=%d | vs fastest" % k for k in ks) + " |",
             "|---|" + "---:|---:|" * len(ks)]
    fastest = {k: min(r[k] for r in rows.values()) for k in ks}
    for name, r in rows.items():
        lines.append("| %s | %s |" % (name, " | ".join(
            "%.2f | %.2fx" % (r[k], r[k] / fastest[k]) for k in ks)))
    return "\n".join(lines), fastest
