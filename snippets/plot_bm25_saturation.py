"""BM25's term-frequency factor saturates; raw and log TF do not (seqcore.bm25_tf)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import bm25_tf

LABELS = {
    "ko": {"f": "문서 안 단어 빈도 $f_{t,d}$", "w": "단어 빈도 가중치",
           "raw": "원시 TF $f$", "log": "로그 TF $1 + \\ln f$",
           "len": "문서 길이 / 평균 길이 $|d|/\\mathrm{avgdl}$",
           "w3": "$f = 3$일 때 BM25 가중치",
           "left": "빈도의 포화\n$|d| = \\mathrm{avgdl}$, $b = 0.75$",
           "right": "길이 정규화\n$k_1 = 1.5$"},
    "en": {"f": "term count in the document $f_{t,d}$", "w": "term-frequency weight",
           "raw": "raw TF $f$", "log": "log TF $1 + \\ln f$",
           "len": "document length / average $|d|/\\mathrm{avgdl}$",
           "w3": "BM25 weight at $f = 3$",
           "left": "saturation\n$|d| = \\mathrm{avgdl}$, $b = 0.75$",
           "right": "length normalization\n$k_1 = 1.5$"},
}


def plot(lang: str) -> list[plt.Figure]:
    t = LABELS[lang]
    f = np.arange(0, 21)
    saturation, left = plt.subplots(figsize=(3.4, 3.8))
    left.plot(f, f, color="0.6", linestyle=":", label=t["raw"])
    left.plot(f[1:], 1 + np.log(f[1:]), color="0.4", linestyle="--", label=t["log"])
    for k1 in (0.5, 1.2, 2.0):
        w = bm25_tf(f, doc_len=100, avgdl=100.0, k1=k1, b=0.75)
        left.plot(f, w, marker="o", markersize=3, label=f"BM25 $k_1 = {k1}$")
        left.axhline(k1 + 1, color="0.85", linewidth=0.8, zorder=0)
    left.set_ylim(0, 5)
    left.set_xlabel(t["f"])
    left.set_ylabel(t["w"])
    left.set_title(t["left"])
    saturation.legend(loc="outside lower center", ncols=2)
    length, right = plt.subplots(figsize=(3.4, 3.8))
    ratio = np.linspace(0.1, 3.0, 60)
    for b in (0.0, 0.5, 0.75, 1.0):
        right.plot(ratio, bm25_tf(3, doc_len=ratio * 100, avgdl=100.0, k1=1.5, b=b),
                   label=f"$b = {b}$")
    right.set_xlabel(t["len"])
    right.set_ylabel(t["w3"])
    right.set_title(t["right"])
    length.legend(loc="outside lower center", ncols=2)
    return [saturation, length]
