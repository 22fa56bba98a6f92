"""Attention weights of the small translation example (hand-built states), from seqcore."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import attention_weights, dot_score

SOURCE = ["나는", "카페에서", "커피를", "마신다"]
TARGET = ["I", "drink", "coffee", "at", "the", "cafe"]
# which source words each target word draws on (a translator's alignment, as weights)
ALIGN = {"I": {"나는": 1.0}, "drink": {"마신다": 1.0}, "coffee": {"커피를": 1.0},
         "at": {"카페에서": 0.8, "마신다": 0.2}, "the": {"카페에서": 0.5, "커피를": 0.3},
         "cafe": {"카페에서": 1.0}}


def states(seed: int = 0):
    """Encoder states h_j and decoder states s_i built by hand, with a little noise.

    h_j is the direction of source word j (plus noise); s_i points at the source words
    target word i translates. A trained model learns such states; here we set them.
    """
    rng = np.random.default_rng(seed)
    d = 8
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0][: len(SOURCE)]     # orthonormal rows
    H = basis + 0.15 * rng.normal(size=(len(SOURCE), d))
    S = np.array([sum(w * basis[SOURCE.index(src)] for src, w in ALIGN[t].items())
                  for t in TARGET]) * 4.0
    return S, H


def weights() -> np.ndarray:
    S, H = states()
    return attention_weights(dot_score(S, H[None].repeat(len(S), 0)))   # (target, source)


def plot(lang: str):
    ko = lang == "ko"
    A = weights()
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    im = ax.imshow(A, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(SOURCE)), SOURCE)
    ax.set_yticks(range(len(TARGET)), TARGET)
    ax.xaxis.tick_top()
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            ax.text(j, i, f"{A[i, j]:.2f}", ha="center", va="center",
                    color="white" if A[i, j] > 0.6 else "black")
    ax.set_xlabel("원문 (인코더 상태 $h_j$)" if ko else "source (encoder states $h_j$)")
    ax.set_ylabel("번역 (디코더 상태 $s_i$)" if ko else "translation (decoder states $s_i$)")
    ax.set_title("손으로 만든 상태의 가중치 $\\alpha_{ij}$" if ko
                 else "weights $\\alpha_{ij}$ of hand-built states")
    fig.colorbar(im, ax=ax, fraction=0.06, label="$\\alpha_{ij}$")
    return fig
