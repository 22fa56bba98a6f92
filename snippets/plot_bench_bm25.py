"""BM25 benchmark (benchmarks/bench_bm25.py): time ratios and peak memory of building the index."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "bm25.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    fig, (ax, mem) = plt.subplots(1, 2, figsize=(10, 3.2), width_ratios=[1.6, 1])
    y = list(range(len(rows)))[::-1]
    colors = ["C2" if r["met"] else "C3" if r["met"] is False else "C7" for r in rows]
    ax.barh(y, [r["ratio"] for r in rows], color=colors)
    ax.set_xscale("log")                   # 1/100 against rank_bm25 and ~1 against bm25s
    for yi, r in zip(y, rows, strict=True):
        ax.text(r["ratio"], yi, f" {r['ratio']:g}×", va="center", fontsize=8)
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.4, yi + 0.4], "k--", lw=1)
    ax.set_yticks(y, [f"{r['candidate']}\n÷ {r['reference']}" for r in rows], fontsize=7)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlim(min(r["ratio"] for r in rows) / 2, max(r["ratio"] for r in rows) * 4)
    ax.set_xlabel("시간 비율, 로그 눈금 (점선: 목표)" if ko
                  else "time ratio, log scale (dashes: target)")

    pairs = [(r["candidate"].split(":")[0], r["reference"].split(":")[0].split(" index")[0],
              r["extra"]) for r in rows if "peak_mib" in r["extra"]]
    labels, values, colors = [], [], []
    for name, reference, extra in pairs:
        labels += [name, reference]
        values += [extra["peak_mib"], extra["reference_peak_mib"]]
        colors += ["C0", "C1"]
    bars = mem.barh(list(range(len(values)))[::-1], values, color=colors)
    mem.bar_label(bars, fmt="%.0f", fontsize=8, padding=2)
    mem.set_yticks(list(range(len(values)))[::-1], labels, fontsize=7.5)
    mem.set_xlabel("색인 생성 중 최대 메모리 (MiB)" if ko
                   else "peak memory building the index (MiB)")
    mem.set_xlim(0, max(values) * 1.25)
    fig.tight_layout()
    return fig
