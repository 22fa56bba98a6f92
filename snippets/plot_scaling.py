"""Measured cost of one RNN layer vs one self-attention layer (python -m experiments scaling)."""

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
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.3))
    panels = [("seconds", 1e3, "시간 (ms)" if ko else "time (ms)", "time_exponent"),
              ("peak_bytes", 2.0 ** -20, "최대 메모리 (MiB)" if ko else "peak memory (MiB)",
               "memory_exponent")]
    for ax, (key, scale, label, expo) in zip(axes[:2], panels, strict=True):
        for i, name in enumerate(("rnn", "attention")):
            y = np.array(r[name][key]) * scale
            k, k_big = r[name][expo], r[name][f"{expo}_n512"]
            ax.loglog(n, y, "o-", color=f"C{i}",
                      label=f"{names[name]}: ∝ n^{k:.2f} (n ≥ 512: n^{k_big:.2f})")
        ax.set_xlabel("n")
        ax.set_ylabel(label)
        ax.legend(fontsize=7.5)
    ax = axes[2]
    for i, name in enumerate(("rnn", "attention")):
        ax.loglog(n, r[name]["matmuls"], "o-", color=f"C{i}", label=names[name])
    ax.set_xlabel("n")
    ax.set_ylabel("행렬곱 횟수" if ko else "matrix products")
    ax.set_title("RNN: n + 1개가 차례로" if ko else "RNN: n + 1, one after another",
                 fontsize=9)
    ax.legend(fontsize=7.5)
    fig.suptitle(f"d = {r['d']}, {r['dtype']}, CPU " + ("(측정)" if ko else "(measured)"),
                 fontsize=9.5)
    fig.tight_layout()
    return fig
