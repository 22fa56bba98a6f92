"""The IDF variants side by side as functions of df / N (seqcore.idf, seqcore.bm25_idf)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import bm25_idf, idf

N = 100
LABELS = {
    "ko": {"x": "단어가 나오는 문서의 비율 $\\mathrm{df}/N$ ($N = 100$)", "y": "IDF",
           "rsj": "BM25 RSJ (바닥값 적용 전)", "title": "IDF 변형과 BM25의 IDF"},
    "en": {"x": "share of documents containing the term $\\mathrm{df}/N$ ($N = 100$)",
           "y": "IDF", "rsj": "BM25 RSJ (before the floor)",
           "title": "IDF variants and BM25's IDF"},
}


def plot(lang: str) -> plt.Figure:
    t = LABELS[lang]
    df = np.arange(1, N + 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    for variant, style in (("plain", "-"), ("textbook", "--"), ("smooth", "-"),
                           ("unsmoothed", ":")):
        ax.plot(df / N, idf(df, N, variant), linestyle=style, label=variant)
    raw = np.log((N - df + 0.5) / (df + 0.5))        # bm25_idf before its floor
    ax.plot(df / N, raw, color="0.5", linestyle="-.", label=t["rsj"])
    ax.plot(df / N, bm25_idf(df, N, "lucene"), color="black", linewidth=1, label="BM25 Lucene")
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.set_ylim(-4, 6)
    ax.set_xlabel(t["x"])
    ax.set_ylabel(t["y"])
    ax.set_title(t["title"])
    # below the axes: every curve starts high at the left, where a legend would sit
    fig.legend(loc="outside lower center", ncols=2)
    return fig
