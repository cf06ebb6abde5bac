"""A reference Okapi BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)))
in plain Python over the chunk texts, with the words of tokens.py, to check
Quiver's keyword ranking: same formula as docs/hybrid-search.md, computed
independently in float64, ties by key. Each distinct query word counts once
(as Quiver does; docs/hybrid-search.md does not say). Quiver returns float32
scores and breaks ties between equal float32 scores by key, so the reference
orders by its scores rounded to float32 as well."""
import math

import numpy as np

import tokens

K1, B = 1.2, 0.75


class Reference:
    def __init__(self, keyed_texts):
        """keyed_texts: [(key, text)] of every text Quiver's keyword index holds."""
        self.keys, self.lengths, self.postings = [], [], {}
        for row, (key, text) in enumerate(keyed_texts):
            words = tokens.words(text)
            self.keys.append(key)
            self.lengths.append(len(words))
            counts = {}
            for w in words:
                counts[w] = counts.get(w, 0) + 1
            for w, f in counts.items():
                self.postings.setdefault(w, []).append((row, f))
        self.n = len(self.keys)
        self.avglen = sum(self.lengths) / self.n

    def search(self, query, k):
        """[(key, score)], highest score first, ties by key."""
        scores = {}
        for w in set(tokens.words(query)):
            post = self.postings.get(w)
            if not post:
                continue
            idf = math.log(1.0 + (self.n - len(post) + 0.5) / (len(post) + 0.5))
            for row, f in post:
                norm = K1 * (1.0 - B + B * self.lengths[row] / self.avglen)
                scores[row] = scores.get(row, 0.0) + idf * f * (K1 + 1.0) / (f + norm)
        ranked = sorted(scores.items(), key=lambda rs: (-np.float32(rs[1]), self.keys[rs[0]]))
        return [(self.keys[r], s) for r, s in ranked[:k]]


def agreement(quiver_rows, reference_rows):
    """How far Quiver's top k follows the reference's, for one query:
    (same keys in the same order, shared keys / k, largest relative score
    difference over the shared keys)."""
    qk = [key for key, _ in quiver_rows]
    rk = [key for key, _ in reference_rows]
    ref = dict(reference_rows)
    shared = [(s, ref[key]) for key, s in quiver_rows if key in ref]
    worst = max((abs(a - b) / max(abs(b), 1e-12) for a, b in shared), default=0.0)
    return qk == rk, len(shared) / max(len(rk), 1), worst
