"""RNN/LSTM/GRU benchmark (benchmarks/bench_rnn.py): ratios to torch and to the floor."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "rnn.json"
KINDS = ("RNN", "LSTM", "GRU")
# (candidate, what the reference's name starts with, group label in ko and en)
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

    fig, ax = plt.subplots(figsize=(5.2, 5.6))
    height = 0.22
    top = len(BARS) - 1
    for j, kind in enumerate(KINDS):               # one colour per cell, three bars a group
        y = [top - i + (1 - j) * height for i in range(len(BARS))]
        values = [ratio(c.format(k=kind), ref) for c, ref, _ in BARS]
        bars = ax.barh(y, values, height, color=f"C{j}", label=kind)
        ax.bar_label(bars, fmt="%.2g", padding=2)
    for i, (_, _, labels) in enumerate(BARS):       # each group's name above its bars
        ax.text(0, top - i + 1.6 * height, labels[0 if ko else 1], va="bottom",
                bbox=dict(fc="white", ec="none", pad=0.5))
    ax.set_yticks([])
    ax.set_ylim(-0.5, top + 0.75)
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlim(0, ax.get_xlim()[1] * 1.1)
    ax.set_xlabel("시간 비율 (1보다 작으면 더 빠름)" if ko else "time ratio (below 1: faster)")
    ax.set_title("float32, T=128, 배치 32, 입력·은닉 256, CPU" if ko
                 else "float32, T=128, batch 32, input and hidden 256, CPU")
    fig.legend(loc="outside lower center", ncols=3)
    return fig
