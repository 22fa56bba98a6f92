"""TF-IDF benchmark (benchmarks/bench_tfidf.py): fit and transform ratios, peak memory of a fit.

Two panels, each its own Figure: side by side where the page has room.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "tfidf.json"


def plot(lang: str):
    ko = lang == "ko"
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    corpora = {"ko": ["지프 분포\n합성 코퍼스", "head500\n(16토큰 문서)", "Lee 배경\n코퍼스"],
               "en": ["synthetic\nZipf corpus", "head500\n(16-token docs)",
                      "Lee background\ncorpus"]}[lang]
    fit = [r for r in doc["rows"] if r["candidate"].startswith("seqcore fit")]
    new = [r for r in doc["rows"] if r["candidate"].startswith("seqcore transform")]
    assert len(fit) == len(new) == len(corpora) == len(doc["sections"])
    x = np.arange(len(corpora))
    times, ax = plt.subplots(figsize=(3.4, 3.6))
    for i, (rows, label) in enumerate([(fit, "fit" if not ko else "학습 (fit)"),
                                       (new, "transform" if not ko else "변환 (transform)")]):
        bars = ax.bar(x + (i - 0.5) * 0.38, [r["ratio"] for r in rows], 0.38, label=label,
                      color=f"C{i}")
        ax.bar_label(bars, fmt="%.2f", padding=2)
    ax.axhline(1, color="k", lw=0.8, ls="--", label="목표: ≤ 1" if ko else "target: ≤ 1")
    ax.set_xticks(x, corpora)
    ax.set_ylabel("seqcore ÷ scikit-learn 시간" if ko else "seqcore ÷ scikit-learn time")
    ax.set_title("시간 비율" if ko else "time ratio")
    ax.set_ylim(0, max(r["ratio"] for r in fit + new) * 1.5)
    times.legend(loc="outside lower center", ncols=2)
    memory, mem = plt.subplots(figsize=(3.4, 3.6))
    for i, (key, label) in enumerate([("peak_mib", "seqcore"),
                                      ("reference_peak_mib", "scikit-learn")]):
        bars = mem.bar(x + (i - 0.5) * 0.38, [r["extra"][key] for r in fit], 0.38, label=label,
                       color=f"C{i + 2}")
        mem.bar_label(bars, fmt="%.0f", padding=2)
    mem.set_xticks(x, corpora)
    mem.set_ylabel("MiB")
    mem.set_title("학습 중 최대 메모리" if ko else "peak memory of a fit")
    mem.set_ylim(0, mem.get_ylim()[1] * 1.15)
    memory.legend(loc="outside lower center", ncols=2)
    return [times, memory]
