"""Seeded corpora shared by the tests of the sparse representations, similarity and BM25."""

from __future__ import annotations

import numpy as np


def zipf_corpus(n_docs: int, n_words: int = 300, seed: int = 0, empty: bool = True) -> list[str]:
    """Seeded documents whose word frequencies follow a Zipf law; some empty documents."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(n_words)])
    docs = []
    for i in range(n_docs):
        length = 0 if (empty and i % 17 == 5) else int(rng.integers(1, 40))
        ranks = np.minimum(rng.zipf(1.3, size=length), n_words) - 1
        docs.append(" ".join(words[ranks]))
    return docs
