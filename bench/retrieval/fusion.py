"""Reciprocal rank fusion in Python over Quiver's own two rankings (the
documents of search_text and of search_keywords, 50 deep each): with equal
weights it must give search_hybrid's ranking (a check of the fusion), and
with a weight on one ranking it shows what a weighted fusion would give."""

RRF_K = 60
DEPTH = 50  # what qv_index_search_hybrid reads of each ranking (for k <= 50)


def fuse(by_meaning, by_words, k, meaning_weight=1.0, words_weight=1.0):
    """Document keys, best first: sum of weight / (60 + rank), ties by key."""
    score = {}
    for ranking, weight in ((by_meaning, meaning_weight), (by_words, words_weight)):
        for r, doc in enumerate(ranking):
            score[doc] = score.get(doc, 0.0) + weight / (RRF_K + r + 1)
    return sorted(score, key=lambda d: (-score[d], d))[:k]
