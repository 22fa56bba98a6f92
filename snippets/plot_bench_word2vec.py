"""word2vec benchmark (benchmarks/bench_word2vec.py): training time and analogies answered.

Two panels, each its own Figure: side by side where the page has room.
"""

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
    time, ax = plt.subplots(figsize=(3.4, 3.0))
    bars = ax.bar(names, [row["ms"] / 1e3, row["reference_ms"] / 1e3], color=["C0", "C1"])
    ax.bar_label(bars, fmt="%.1f s", padding=2)
    ax.set_ylabel("초" if ko else "seconds")
    ax.set_title(("학습 시간: " if ko else "training time: ") + f"{row['ratio']:g}×")
    ax.set_ylim(0, row["ms"] / 1e3 * 1.25)
    total = extra["analogies_inside_vocabulary"]
    right = [extra["analogies_correct"], extra["reference_analogies_correct"]]
    answers, acc = plt.subplots(figsize=(3.4, 3.0))
    bars = acc.bar(names, right, color=["C0", "C1"])
    acc.bar_label(bars, labels=[f"{k}/{total}" for k in right], padding=2)
    acc.set_ylabel("맞힌 수" if ko else "answered")
    acc.set_title("맞힌 유추 질문 (3CosAdd)" if ko else "analogies answered (3CosAdd)")
    acc.set_ylim(0, max(right) * 1.3)
    return [time, answers]
