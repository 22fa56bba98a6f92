"""Scaling benchmark as recorded by ``--json`` (benchmarks/bench_scaling.py): RNN ÷ attention.

Two panels, each its own Figure: side by side where the page has room.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "scaling.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    n = [r["extra"]["n"] for r in rows]
    setup = ("d = 64, float32, 배치 1, BLAS 스레드 1개" if ko
             else "d = 64, float32, batch 1, 1 thread")
    times, ax = plt.subplots(figsize=(3.4, 3.6))
    ax.loglog(n, [r["ms"] for r in rows], "o-", label="RNN (rnn_forward)")
    ax.loglog(n, [r["reference_ms"] for r in rows], "s-",
              label="셀프 어텐션" if ko else "self-attention")
    ax.set_xlabel("n")
    ax.set_ylabel("ms")
    ax.set_title(("한 층의 시간\n" if ko else "time of one layer\n") + setup)
    times.legend(loc="outside lower center", ncols=2)
    ratios, ratio = plt.subplots(figsize=(3.4, 3.6))
    ratio.semilogx(n, [r["ratio"] for r in rows], "o-", color="C2")
    ratio.axhline(1, color="k", lw=0.8)
    for x, r in zip(n, rows, strict=True):
        ratio.annotate(f"{r['ratio']:.2g}", (x, r["ratio"]), textcoords="offset points",
                       xytext=(0, 6), ha="center")
    ratio.set_ylim(0, max(r["ratio"] for r in rows) * 1.3)
    ratio.set_xlabel("n")
    ratio.set_ylabel("RNN ÷ 셀프 어텐션" if ko else "RNN ÷ self-attention")
    ratio.set_title(("시간 비율\n" if ko else "time ratio\n") + setup)
    return [times, ratios]
