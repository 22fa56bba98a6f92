"""Attention benchmark (benchmarks/bench_attention.py): each ratio of docs/_data/benchmarks.

One panel per group of rows: scaled dot-product attention and multi-head attention, each
forward alone and forward + backward against autograd.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "attention.json"


def group(row: dict) -> int:
    """0: sdpa forward, 1: multi-head forward, 2: sdpa forward + backward,
    3: multi-head and block forward + backward."""
    sdpa = "sdpa" in row["candidate"].lower()
    if row["section"] > 0:
        return 2 if sdpa else 3
    return 0 if sdpa else 1


def label(row: dict) -> str:
    """The pair's name; a long pair on two lines, so that the panel stays 5.2 in wide."""
    one = f"{row['candidate']}  ÷  {row['reference']}"
    return one if len(one) <= 60 else f"{row['candidate']}\n÷  {row['reference']}"


def panel(rows: list[dict], title: str, ko: bool):
    # one row per pair; rows whose name takes two lines get more room above the bar
    step = 1.5 if any("\n" in label(r) for r in rows) else 1.0
    fig, ax = plt.subplots(figsize=(5.2, 0.48 * step * len(rows) + 1.5))
    y = [step * i for i in range(len(rows))][::-1]
    colors = ["C2" if r["met"] else "C3" if r["met"] is False else "C7" for r in rows]
    ax.barh(y, [r["ratio"] for r in rows], height=0.4, color=colors)
    for yi, r in zip(y, rows, strict=True):
        # the pair's name above its bar: long names need the panel's whole width
        ax.text(0, yi + 0.3, label(r), va="bottom",
                bbox=dict(fc="white", ec="none", pad=0.5))
        ax.text(r["ratio"], yi, f" {r['ratio']:g}×", va="center",
                bbox=dict(fc="white", ec="none", pad=0.5, alpha=0.8))
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.3, yi + 0.3], "k--", lw=1)
    ax.set_yticks([])
    ax.set_ylim(-0.6, step * len(rows) - 0.1)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlabel("시간 비율 (1보다 작으면 기준보다 빠름; 점선: 목표)" if ko
                  else "time ratio (below 1: faster than the reference;\ndashes: target)")
    ax.set_title(title)
    ax.set_xlim(0, max(max(r["ratio"], r["target"] or 0) for r in rows) * 1.25)
    return fig


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    colours = ("초록: 목표 달성, 빨강: 미달, 회색: 목표 없음" if ko
               else "green: target met, red: missed, grey: no target")
    titles = (("스케일드 닷-프로덕트 어텐션", "scaled dot-product attention"),
              ("멀티 헤드 어텐션", "multi-head attention"),
              ("스케일드 닷-프로덕트 어텐션,\n순전파 + 역전파 (autograd와 비교)",
               "scaled dot-product attention,\nforward + backward (against autograd)"),
              ("멀티 헤드 어텐션과 블록,\n순전파 + 역전파 (autograd와 비교)",
               "multi-head attention and block,\nforward + backward (against autograd)"))
    return [panel([r for r in rows if group(r) == g],
                  f"{titles[g][0 if ko else 1]}, float32\n{colours}", ko)
            for g in range(4) if any(group(r) == g for r in rows)]
