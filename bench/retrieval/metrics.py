"""recall@k and nDCG@k with binary relevance, per query."""
import math


def recall_at(ranked, relevant, k=10):
    rel = set(relevant)
    return len(rel.intersection(ranked[:k])) / len(rel)


def ndcg_at(ranked, relevant, k=10):
    rel = set(relevant)
    dcg = sum(1.0 / math.log2(r + 2) for r, d in enumerate(ranked[:k]) if d in rel)
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(len(rel), k)))
    return dcg / ideal


def mean(values):
    return sum(values) / len(values) if values else float("nan")
