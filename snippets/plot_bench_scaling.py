"""Scaling benchmark as recorded by ``--json`` (benchmarks/bench_scaling.py): RNN ÷ attention."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "scaling.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    n = [r["extra"]["n"] for r in rows]
    fig, (ax, ratio) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax.loglog(n, [r["ms"] for r in rows], "o-", label="RNN (rnn_forward)")
    ax.loglog(n, [r["reference_ms"] for r in rows], "s-",
              label="셀프 어텐션" if ko else "self-attention")
    ax.set_xlabel("n")
    ax.set_ylabel("한 층의 시간 (ms)" if ko else "time of one layer (ms)")
    ax.legend(fontsize=8)
    ratio.semilogx(n, [r["ratio"] for r in rows], "o-", color="C2")
    ratio.axhline(1, color="k", lw=0.8)
    for x, r in zip(n, rows, strict=True):
        ratio.annotate(f"{r['ratio']:g}", (x, r["ratio"]), textcoords="offset points",
                       xytext=(0, 5), ha="center", fontsize=7)
    ratio.set_ylim(0, max(r["ratio"] for r in rows) * 1.2)
    ratio.set_xlabel("n")
    ratio.set_ylabel("RNN ÷ 셀프 어텐션 (시간)" if ko else "RNN ÷ self-attention (time)")
    fig.suptitle("d = 64, float32, 배치 1, BLAS 스레드 1개" if ko
                 else "d = 64, float32, batch 1, one BLAS thread", fontsize=9)
    fig.tight_layout()
    return fig
