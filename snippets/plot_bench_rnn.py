"""RNN/LSTM/GRU benchmark (benchmarks/bench_rnn.py): ratios to torch and to the floor."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "rnn.json"
KINDS = ("RNN", "LSTM", "GRU")
# (candidate, what the reference's name starts with, legend label in ko and en)
BARS = [
    ("{k} forward, NumPy", "torch.nn",
     ("seqcore 순전파 (NumPy) ÷ torch", "seqcore forward (NumPy) ÷ torch")),
    ("{k} forward, torch tensors", "torch.nn",
     ("seqcore 순전파 (torch 텐서) ÷ torch", "seqcore forward (torch tensors) ÷ torch")),
    ("{k} BPTT, NumPy", "torch.autograd", ("seqcore BPTT ÷ autograd", "seqcore BPTT ÷ autograd")),
    ("{k} forward, NumPy", "floor", ("seqcore 순전파 ÷ 하한", "seqcore forward ÷ floor")),
    ("{k} BPTT, NumPy", "floor", ("seqcore BPTT ÷ 하한", "seqcore BPTT ÷ floor")),
    ("torch.nn.{k} forward", "floor", ("torch 순전파 ÷ 하한", "torch forward ÷ floor")),
]


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]

    def ratio(candidate: str, reference: str) -> float:
        return next(r["ratio"] for r in rows
                    if r["candidate"] == candidate and r["reference"].startswith(reference))

    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(KINDS))
    width = 0.8 / len(BARS)
    for i, (candidate, reference, labels) in enumerate(BARS):
        values = [ratio(candidate.format(k=k), reference) for k in KINDS]
        bars = ax.bar(x + (i - (len(BARS) - 1) / 2) * width, values, width,
                      label=labels[0 if ko else 1], color=f"C{i}")
        ax.bar_label(bars, fmt="%.2g", fontsize=7)
    ax.axhline(1, color="k", lw=0.8)
    ax.set_xticks(x, KINDS)
    ax.set_ylabel("시간 비율 (1보다 작으면 더 빠름)" if ko else "time ratio (below 1: faster)")
    ax.set_title("float32, T=128, 배치 32, 입력·은닉 256, CPU" if ko
                 else "float32, T=128, batch 32, input and hidden 256, CPU", fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)
    fig.tight_layout()
    return fig
