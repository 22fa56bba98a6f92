"""Measured cost of one RNN layer vs one self-attention layer (python -m experiments scaling).

Three panels (time, peak memory, matrix products), each its own Figure: side by side
where the page has room, one under another on a phone.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments" / "scaling.json"


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    n = np.array(r["lengths"])
    names = {"rnn": "RNN (seqcore.rnn_forward)",
             "attention": ("셀프 어텐션" if ko else "self-attention")}
    setup = f"d = {r['d']}, {r['dtype']}, CPU"
    panels = [("seconds", 1e3, "시간 (ms)" if ko else "time (ms)", "time_exponent",
               "한 층의 시간 ∝ nᵏ" if ko else "time of one layer ∝ nᵏ"),
              ("peak_bytes", 2.0 ** -20, "최대 메모리 (MiB)" if ko else "peak memory (MiB)",
               "memory_exponent", "최대 메모리 ∝ nᵏ" if ko else "peak memory ∝ nᵏ")]
    figs = []
    for key, scale, label, expo, title in panels:
        fig, ax = plt.subplots(figsize=(3.4, 3.6))
        for i, name in enumerate(("rnn", "attention")):
            y = np.array(r[name][key]) * scale
            k, k_big = r[name][expo], r[name][f"{expo}_n512"]
            ax.loglog(n, y, "o-", color=f"C{i}",
                      label=f"{names[name]}\nk = {k:.2f} (n ≥ 512: {k_big:.2f})")
        ax.set_xlabel("n")
        ax.set_ylabel(label)
        ax.set_title(f"{title}\n{setup}")
        fig.legend(loc="outside lower center")
        figs.append(fig)
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    for i, name in enumerate(("rnn", "attention")):
        ax.loglog(n, r[name]["matmuls"], "o-", color=f"C{i}", label=names[name])
    ax.set_xlabel("n")
    ax.set_ylabel("행렬곱 횟수" if ko else "matrix products")
    ax.set_title("RNN: n + 1개가 차례로" if ko else "RNN: n + 1, one after another")
    fig.legend(loc="outside lower center")
    return [*figs, fig]
