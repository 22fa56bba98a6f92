"""Sinusoidal positional encoding: the matrix, and how PE(p)·PE(q) depends on |p − q| only."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import positional_encoding


def plot(lang: str):
    ko = lang == "ko"
    n, d = 100, 64
    PE = positional_encoding(n, d)
    matrix, ax = plt.subplots(figsize=(3.4, 3.4))
    im = ax.imshow(PE.T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1, origin="lower")
    ax.set_xlabel("위치 pos" if ko else "position pos")
    ax.set_ylabel("차원 (2i, 2i+1)" if ko else "dimension (2i, 2i+1)")
    ax.set_title("PE(pos), $d_{model}$ = 64\n아래는 빠르게, 위는 느리게 회전" if ko else
                 "PE(pos), $d_{model}$ = 64\nlow dims turn fast, high dims slowly")
    matrix.colorbar(im, ax=ax, fraction=0.06)
    dots, ax = plt.subplots(figsize=(3.4, 3.4))
    sim = PE @ PE.T
    for p in (10, 50):
        ax.plot(np.arange(n), sim[p], label=f"PE({p})·PE(q)")
    ax.set_xlabel("q")
    ax.set_ylabel("내적" if ko else "dot product")
    ax.set_title("PE(p)·PE(q)\n거리 |p − q|에만 의존" if ko else
                 "PE(p)·PE(q)\ndepends on |p − q| only")
    dots.legend(loc="outside lower center", ncols=2)
    return [matrix, dots]
