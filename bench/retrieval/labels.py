"""The queries and their relevance judgements, made mechanically from the documents.

meaning: a package's one-line summary is the query; the document is its long
  description, indexed without that summary; relevant: that package alone.
  Summaries that another document shares, with fewer than two content words,
  or whose content words occur in the long description more than
  max_overlap of the time are dropped (those a bag of words finds anyway).
exact: a rare identifier from a document (a word found in 1..3 of the
  documents, shaped like a name: letters and digits mixed as in "x264",
  inner capitals as in "OpenGL", or the name of a Debian package or source
  that few descriptions in the whole archive use, as "tmux"), put into a
  short neutral sentence; relevant: every document that contains the word.
  "Few" is at most max_archive_df of the archive's descriptions, and a
  package name that is an English word ("time", "fair": a whole word of
  MiniLM's WordPiece vocabulary, the only English word list here) is not
  taken for a name.

Biases, by construction: meaning queries favour embeddings (their words are
chosen to be missing from the target), exact queries favour keywords (the
label is "contains the word", which is what BM25 matches). Both have one to
three relevant documents, and a document that also answers a query but is not
labelled counts as a miss for every method alike.
"""
import re

import tokens

STOP = set("""a about above after again against all am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own s same she
should so some such t than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with would
you your yours""".split())

TEMPLATES = ("which package mentions {}?", "software that works with {}",
             "looking for something that uses {}", "support for {}", "tools related to {}",
             "what provides {}?")

_ASCII_RUN = re.compile(r"[A-Za-z0-9]+")


def content_words(text):
    return [w for w in tokens.words(text) if w not in STOP]


def meaning_queries(docs, doc_words, rng, n, max_overlap):
    summary_count = {}
    for d in docs:
        key = d["summary"].strip().lower()
        summary_count[key] = summary_count.get(key, 0) + 1
    stats = {"ambiguous": 0, "short": 0, "overlap": 0}
    out = []
    for i in rng.permutation(len(docs)):
        d = docs[i]
        if summary_count[d["summary"].strip().lower()] > 1:
            stats["ambiguous"] += 1
            continue
        words = set(content_words(d["summary"]))
        if len(words) < 2:
            stats["short"] += 1
            continue
        overlap = len(words & doc_words[i]) / len(words)
        if overlap > max_overlap:
            stats["overlap"] += 1
            continue
        out.append({"kind": "meaning", "text": d["summary"], "relevant": [int(i)],
                    "overlap": round(overlap, 3)})
        if len(out) == n:
            break
    return out, stats


def _looks_like_a_name(raw, lower, names, common_words, archive_df, max_archive_df):
    if len(raw) < 3 or lower in STOP:
        return False
    letters = sum(c.isalpha() for c in raw)
    digits = sum(c.isdigit() for c in raw)
    if letters and digits:
        return raw[0].isalpha()  # x264, ipv6, ext4; not 3d, 64bit, 2nd
    if any(c.isupper() for c in raw[1:]) and any(c.islower() for c in raw):
        return True  # OpenGL, libXt, PyQt
    return (lower in names and lower not in common_words  # tmux, not "time"
            and archive_df.get(lower, 0) <= max_archive_df)


def exact_queries(docs, doc_words, names, common_words, archive_df, rng, n, max_df,
                  max_archive_df):
    df = {}
    for ws in doc_words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    holders = {}
    for i, ws in enumerate(doc_words):
        for w in ws:
            if df[w] <= max_df:
                holders.setdefault(w, []).append(i)
    used, out = set(), []
    for i in rng.permutation(len(docs)):
        # ASCII runs of letters and digits are words of tokens.words as they
        # were written (case kept); a run that is a whole word stays one.
        terms = sorted({m.group() for m in _ASCII_RUN.finditer(docs[i]["text"])
                        if m.group().lower() in doc_words[i]
                        and df.get(m.group().lower(), 0) <= max_df
                        and m.group().lower() not in used
                        and _looks_like_a_name(m.group(), m.group().lower(), names,
                                               common_words, archive_df, max_archive_df)})
        if not terms:
            continue
        term = terms[rng.integers(len(terms))]
        used.add(term.lower())
        text = TEMPLATES[rng.integers(len(TEMPLATES))].format(term)
        out.append({"kind": "exact", "text": text, "term": term,
                    "relevant": sorted(int(j) for j in holders[term.lower()])})
        if len(out) == n:
            break
    return out
