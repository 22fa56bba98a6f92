"""KV-cache benchmark (benchmarks/bench_kv_cache.py): time per token, cached and recomputed."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks" / "kv_cache.json"


def plot(lang: str):
    ko = lang == "ko"
    rows = json.loads(DATA.read_text(encoding="utf-8"))["rows"]
    n = [r["extra"]["n"] for r in rows]
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    # both ways on log axes: the gap between the lines is the ratio of the table
    ax.loglog(n, [r["reference_ms"] for r in rows], "o-", color="C3",
              label="앞부분 전체를 다시 계산" if ko else "recomputing the prefix")
    ax.loglog(n, [r["ms"] for r in rows], "o-", color="C0",
              label="키–값 캐시" if ko else "key–value cache")
    ax.set_xlabel("생성하는 토큰의 위치 n" if ko else "position n of the generated token")
    ax.set_ylabel("토큰 하나의 시간 (ms)" if ko else "time per token (ms)")
    ax.set_title("디코더 블록 하나, float32, CPU 스레드 1개" if ko
                 else "one decoder block, float32, one CPU thread")
    fig.legend(loc="outside lower center", ncols=2)
    return fig
