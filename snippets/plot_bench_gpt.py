"""Small-GPT benchmark (benchmarks/bench_gpt.py): a training step and attention's backward pass.

One panel: seqcore's time over PyTorch's for each, against the issue's target of 2×.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "gpt.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    step = next(r for r in rows if r["candidate"].startswith("GPT training step"))
    sdpa = next(r for r in rows if r["candidate"].startswith("causal SDPA backward"))
    labels = (["학습 한 단계", "SDPA 역전파"] if ko
              else ["training step", "SDPA backward"])
    ratios = [step["ratio"], sdpa["ratio"]]
    x = np.arange(2)
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    bars = ax.bar(x, ratios, 0.6, color="C0")
    ax.bar_label(bars, fmt="%.2f×")
    ax.axhline(1, color="k", lw=0.8)
    ax.axhline(2, color="C3", lw=0.8, ls="--", label="목표 2×" if ko else "target 2×")
    ax.set_xticks(x, labels)
    ax.set_ylabel("seqcore ÷ PyTorch")
    ax.set_ylim(0, max(2.4, max(ratios) * 1.3))
    fig.legend(loc="outside lower center")
    return fig
