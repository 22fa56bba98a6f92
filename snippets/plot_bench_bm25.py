"""BM25 benchmark (benchmarks/bench_bm25.py): time ratios and peak memory of building the index.

Two panels, each its own Figure: side by side where the page has room.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "bm25.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    times, ax = plt.subplots(figsize=(5.2, 0.72 * len(rows) + 1.3))
    y = list(range(len(rows)))[::-1]
    colors = ["C2" if r["met"] else "C3" if r["met"] is False else "C7" for r in rows]
    ax.barh(y, [r["ratio"] for r in rows], height=0.4, color=colors)
    ax.set_xscale("log")                   # 1/100 against rank_bm25 and ~1 against bm25s
    low = min(r["ratio"] for r in rows) / 2
    for yi, r in zip(y, rows, strict=True):
        # the pair's name above its bar: long names need the panel's whole width
        ax.text(low, yi + 0.27, f"{r['candidate']}\n÷ {r['reference']}", va="bottom",
                linespacing=1.1)
        ax.text(r["ratio"], yi, f" {r['ratio']:g}×", va="center",
                bbox=dict(fc="white", ec="none", pad=0.5, alpha=0.8))
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [yi - 0.3, yi + 0.3], "k--", lw=1)
    ax.set_yticks([])
    ax.set_ylim(-0.5, len(rows) + 0.1)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlim(low, max(r["ratio"] for r in rows) * 4)
    ax.set_xlabel("시간 비율, 로그 눈금 (점선: 목표)" if ko
                  else "time ratio, log scale (dashes: target)")
    ax.set_title("BM25: seqcore ÷ 기준 구현" if ko else "BM25: seqcore ÷ reference")

    pairs = [(r["candidate"].split(":")[0], r["reference"].split(":")[0].split(" index")[0],
              r["extra"]) for r in rows if "peak_mib" in r["extra"]]
    labels, values, colors = [], [], []
    for name, reference, extra in pairs:
        labels += [name, reference]
        values += [extra["peak_mib"], extra["reference_peak_mib"]]
        colors += ["C0", "C1"]
    memory, mem = plt.subplots(figsize=(3.4, 0.5 * len(values) + 1.4))
    bars = mem.barh(list(range(len(values)))[::-1], values, color=colors)
    mem.bar_label(bars, fmt="%.0f", padding=2)
    mem.set_yticks(list(range(len(values)))[::-1], labels)
    mem.set_xlabel("최대 메모리 (MiB)" if ko else "peak memory (MiB)")
    mem.set_title("색인 생성 중 최대 메모리" if ko else "peak memory building the index")
    mem.set_xlim(0, max(values) * 1.3)
    return [times, memory]
