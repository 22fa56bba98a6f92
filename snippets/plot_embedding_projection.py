"""2-D projection (PCA via SVD) of a few dozen skip-gram vectors trained on the Lee corpus.

Reads docs/_data/experiments/word2vec_lee.json, written by `python -m experiments
word2vec_lee`; nothing is
trained at build time. One panel per model: seqcore.train_skipgram and gensim Word2Vec.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "word2vec_lee.json")
GROUPS = {  # word -> group, for the colours
    **dict.fromkeys(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday"], 0),
    **dict.fromkeys(["january", "february", "march", "april", "december"], 1),
    **dict.fromkeys(["one", "two", "three", "four", "five", "six"], 2),
    **dict.fromkeys(["police", "officers", "army", "troops", "soldiers"], 3),
    **dict.fromkeys(["fire", "fires", "bushfires", "firefighters", "blaze"], 4),
    **dict.fromkeys(["australia", "sydney", "afghanistan", "israel", "palestinian",
                     "pakistan"], 5),
}
NAMES = {"ko": ["요일", "월", "수", "경찰·군", "화재", "지명"],
         "en": ["weekdays", "months", "numbers", "police/army", "fire", "places"]}


def pca_2d(X: np.ndarray) -> np.ndarray:
    """Project rows on the two leading principal directions (SVD of the centred matrix)."""
    Xc = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    return U[:, :2] * S[:2]


def plot(lang: str):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    words = data["projection_words"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    colors = plt.get_cmap("tab10")
    for ax, model in zip(axes, ("seqcore", "gensim"), strict=True):
        P = pca_2d(np.array(data["vectors"][model]))
        for g, name in enumerate(NAMES[lang]):
            idx = [i for i, w in enumerate(words) if GROUPS.get(w) == g]
            ax.scatter(P[idx, 0], P[idx, 1], s=18, color=colors(g), label=name)
        for i, w in enumerate(words):
            ax.annotate(w, P[i], fontsize=7, xytext=(2, 2), textcoords="offset points")
        title = {"seqcore": "seqcore.train_skipgram", "gensim": "gensim Word2Vec (sg=1)"}[model]
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle("Lee 코퍼스 스킵그램 벡터의 2차원 PCA 투영" if lang == "ko"
                 else "Skip-gram vectors of the Lee corpus, projected to 2-D by PCA",
                 fontsize=11)
    fig.tight_layout()
    return fig
