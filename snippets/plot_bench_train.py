"""Training-step benchmark (benchmarks/bench_train.py): time and peak memory against PyTorch."""

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
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(9, 3.4))
    x = np.arange(len(KINDS))
    ratios = [by_kind[k]["ratio"] for k in KINDS]
    bars = ax_t.bar(x, ratios, 0.6, color="C0")
    ax_t.bar_label(bars, fmt="%.2f×", fontsize=8)
    ax_t.axhline(1, color="k", lw=0.8)
    ax_t.axhline(2, color="C3", lw=0.8, ls="--", label="목표 2×" if ko else "target 2×")
    ax_t.set_xticks(x, KINDS)
    ax_t.set_ylabel("seqcore 시간 ÷ PyTorch 시간" if ko else "seqcore time ÷ PyTorch time")
    ax_t.set_title("학습 한 단계의 시간" if ko else "time of one training step", fontsize=10)
    ax_t.set_ylim(0, max(2.4, max(ratios) * 1.25))
    ax_t.legend(fontsize=8, loc="upper left")
    width = 0.38
    ours = [by_kind[k]["extra"]["peak_mib"] for k in KINDS]
    theirs = [by_kind[k]["extra"]["reference_peak_mib"] for k in KINDS]
    ax_m.bar(x - width / 2, ours, width, label="seqcore (NumPy)", color="C0")
    ax_m.bar(x + width / 2, theirs, width, label="PyTorch", color="C1")
    ax_m.set_xticks(x, KINDS)
    ax_m.set_ylabel("MiB")
    ax_m.set_title("한 단계가 늘린 최대 메모리" if ko else "peak memory added by one step",
                   fontsize=10)
    ax_m.legend(fontsize=8)
    fig.tight_layout()
    return fig
