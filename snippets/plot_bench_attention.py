"""Attention benchmark (benchmarks/bench_attention.py): each ratio of docs/_data/benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "attention.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    fig, ax = plt.subplots(figsize=(5.2, 0.48 * len(rows) + 1.4))
    y = range(len(rows))[::-1]
    colors = ["C2" if r["met"] else "C3" if r["met"] is False else "C7" for r in rows]
    ax.barh(list(y), [r["ratio"] for r in rows], height=0.4, color=colors)
    for yi, r in zip(y, rows, strict=True):
        # the pair's name above its bar: long names need the panel's whole width
        ax.text(0, yi + 0.3, f"{r['candidate']}  ÷  {r['reference']}", va="bottom",
                bbox=dict(fc="white", ec="none", pad=0.5))
        ax.text(r["ratio"], yi, f" {r['ratio']:g}×", va="center",
                bbox=dict(fc="white", ec="none", pad=0.5, alpha=0.8))
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.3, yi + 0.3], "k--", lw=1)
    ax.set_yticks([])
    ax.set_ylim(-0.6, len(rows) - 0.1)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlabel("시간 비율 (1보다 작으면 기준보다 빠름; 점선: 목표)" if ko
                  else "time ratio (below 1: faster than the reference;\ndashes: target)")
    ax.set_title("어텐션, float32, CPU 스레드 1개\n초록: 목표 달성, 빨강: 미달, 회색: 목표 없음"
                 if ko else "Attention, float32, one CPU thread\n"
                 "green: target met, red: missed, grey: no target")
    ax.set_xlim(0, max(max(r["ratio"], r["target"] or 0) for r in rows) * 1.2)
    return fig
