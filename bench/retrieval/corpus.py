"""The documents: Debian package descriptions, one package per source package.

apt-cache dumpavail lists every package with its source and the md5 of its
English description; the Translation-en lists hold the descriptions (a
one-line summary and a long description). The readers are those of
bench/python/make_text_data.py. One binary package per source package is
kept (chosen by the seed), because the packages of one source (foo, foo-dev,
foo-doc) share most of their long description: left in, they would be
near-copies of each other, and a query labelled with one of them would count
its siblings as misses. Long descriptions that are still identical are kept
once, and short ones (< min_chars) are dropped.
"""
import importlib.util
import os
import subprocess
import sys


def _apt_readers():
    """bench/python/make_text_data.py as a module (records, translations, paragraph),
    loaded by path: that folder's report.py must not shadow ours."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python",
                        "make_text_data.py")
    spec = importlib.util.spec_from_file_location("make_text_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


apt = _apt_readers()


def packages():
    """[(package, source, description-md5)] for every package apt-cache dumpavail lists."""
    out = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for r in apt.records(out):
        if "Package" in r and r.get("Description-md5"):
            source = r.get("Source", r["Package"]).split()[0]  # "src (version)" -> "src"
            rows.append((r["Package"], source, r["Description-md5"]))
    return rows


def load(n, min_chars, rng):
    """n documents as dicts {package, source, summary, text}, plus corpus facts.

    text is the long description alone (the summary is kept apart: it is
    the query of a meaning query, see labels.py). all_texts are the long
    descriptions of every package in the lists (for archive-wide word counts)."""
    trans, files = apt.translations()
    by_source = {}
    all_texts = {}
    for package, source, md5 in sorted(packages()):
        if md5 not in trans:
            continue
        summary, body = trans[md5]
        text = apt.paragraph(body)
        all_texts[md5] = text
        if len(text) >= min_chars:
            by_source.setdefault(source, []).append((package, summary, text))
    sources = sorted(by_source)
    seen, docs = set(), []
    for i in rng.permutation(len(sources)):
        candidates = by_source[sources[i]]
        package, summary, text = candidates[rng.integers(len(candidates))]
        if text in seen:
            continue
        seen.add(text)
        docs.append({"package": package, "source": sources[i], "summary": summary, "text": text})
        if len(docs) == n:
            break
    if len(docs) < n:
        sys.exit("only %d documents of >= %d characters, %d asked for" % (len(docs), min_chars, n))
    facts = {"lists": [os.path.basename(p) for p in files], "sources": len(by_source),
             "packages_with_text": len(all_texts)}
    return docs, list(all_texts.values()), facts
