"""Training-step benchmark (benchmarks/bench_train.py): time and peak memory against PyTorch.

Two panels, each its own Figure: side by side where the page has room, one under the
other on a phone.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "train.json"
KINDS = ("RNN", "LSTM", "GRU")


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    by_kind = {k: next(r for r in rows if r["candidate"].startswith(f"{k} LM")) for k in KINDS}
    x = np.arange(len(KINDS))

    time_fig, ax_t = plt.subplots(figsize=(3.4, 3.4))
    ratios = [by_kind[k]["ratio"] for k in KINDS]
    bars = ax_t.bar(x, ratios, 0.6, color="C0")
    ax_t.bar_label(bars, fmt="%.2f×")
    ax_t.axhline(1, color="k", lw=0.8)
    ax_t.axhline(2, color="C3", lw=0.8, ls="--", label="목표 2×" if ko else "target 2×")
    ax_t.set_xticks(x, KINDS)
    ax_t.set_ylabel("seqcore ÷ PyTorch")
    ax_t.set_title("학습 한 단계의 시간" if ko else "time of one step")
    ax_t.set_ylim(0, max(2.4, max(ratios) * 1.3))
    time_fig.legend(loc="outside lower center")

    memory_fig, ax_m = plt.subplots(figsize=(3.4, 3.4))
    width = 0.38
    ours = [by_kind[k]["extra"]["peak_mib"] for k in KINDS]
    theirs = [by_kind[k]["extra"]["reference_peak_mib"] for k in KINDS]
    ax_m.bar(x - width / 2, ours, width, label="seqcore", color="C0")
    ax_m.bar(x + width / 2, theirs, width, label="PyTorch", color="C1")
    ax_m.set_xticks(x, KINDS)
    ax_m.set_ylabel("MiB")
    ax_m.set_title("한 단계의 최대 메모리" if ko else "peak memory of a step")
    memory_fig.legend(loc="outside lower center", ncols=2)
    return [time_fig, memory_fig]
