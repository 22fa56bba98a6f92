"""Attention benchmark (benchmarks/bench_attention.py): each ratio of docs/_data/benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "attention.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.1))
    y = range(len(rows))[::-1]
    colors = ["C2" if r["met"] else "C3" if r["met"] is False else "C7" for r in rows]
    ax.barh(list(y), [r["ratio"] for r in rows], color=colors)
    for yi, r in zip(y, rows, strict=True):
        ax.text(r["ratio"], yi, f" {r['ratio']:g}×", va="center", fontsize=8)
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.4, yi + 0.4], "k--", lw=1)
    ax.set_yticks(list(y), [f"{r['candidate']}  ÷  {r['reference']}" for r in rows], fontsize=8)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlabel("시간 비율 (1보다 작으면 기준보다 빠름; 점선: 목표)" if ko
                  else "time ratio (below 1: faster than the reference; dashes: target)")
    ax.set_title("어텐션, float32, CPU 스레드 1개 (초록: 목표 달성, 빨강: 미달, 회색: 목표 없음)"
                 if ko else "Attention, float32, one CPU thread "
                 "(green: target met, red: missed, grey: no target)", fontsize=9)
    ax.set_xlim(0, max(max(r["ratio"], r["target"] or 0) for r in rows) * 1.15)
    fig.tight_layout()
    return fig
