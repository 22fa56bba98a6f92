"""word2vec benchmark (benchmarks/bench_word2vec.py): training time and analogies answered."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "word2vec.json"


def plot(lang: str):
    ko = lang == "ko"
    (row,) = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    extra = row["extra"]
    names = ["seqcore", "gensim"]
    fig, (ax, acc) = plt.subplots(1, 2, figsize=(8, 2.8))
    bars = ax.bar(names, [row["ms"] / 1e3, row["reference_ms"] / 1e3], color=["C0", "C1"])
    ax.bar_label(bars, fmt="%.1f s", fontsize=8)
    ax.set_ylabel("학습 시간 (초)" if ko else "training time (s)")
    ax.set_title(f"{row['ratio']:g}× " + ("(seqcore ÷ gensim)"), fontsize=9)
    ax.set_ylim(0, row["ms"] / 1e3 * 1.2)
    total = extra["analogies_inside_vocabulary"]
    right = [extra["analogies_correct"], extra["reference_analogies_correct"]]
    bars = acc.bar(names, right, color=["C0", "C1"])
    acc.bar_label(bars, labels=[f"{k}/{total}" for k in right], fontsize=8)
    acc.set_ylabel("맞힌 유추 질문 (3CosAdd)" if ko else "analogies answered (3CosAdd)")
    acc.set_ylim(0, max(right) * 1.3)
    fig.tight_layout()
    return fig
