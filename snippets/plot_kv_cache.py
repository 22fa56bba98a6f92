"""Time per generated token with and without the key–value cache (python -m experiments kv_cache).

Two panels: both ways on log axes against the position; the cached times on linear axes
with the fitted line t(n) = a + b·n.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments" / "kv_cache.json"


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    s = r["seconds_per_token"]
    n_all, n_both = np.array(r["cached_positions"]), np.array(r["positions"])
    cached, recomputed = np.array(s["cached"]) * 1e3, np.array(s["recomputed"]) * 1e3
    setup = f"d = {r['d_model']}, d_ff = {r['d_ff']}, float32, CPU"
    labels = (("캐시 없이: 앞부분 전체를 다시" if ko else "no cache: the whole prefix again"),
              ("키–값 캐시" if ko else "key–value cache"))

    fig1, ax = plt.subplots(figsize=(3.4, 3.8))
    ax.loglog(n_both, recomputed, "o-", color="C3", label=labels[0])
    ax.loglog(n_all, cached, "o-", color="C0", label=labels[1])
    ax.set_xlabel("위치 n" if ko else "position n")
    ax.set_ylabel("토큰 하나, 층 하나 (ms)" if ko else "per token, per layer (ms)")
    ax.set_title(f"{'생성 시간' if ko else 'time to generate'}\n{setup}")
    fig1.legend(loc="outside lower center")

    line = r["cached_line"]
    fig2, ax = plt.subplots(figsize=(3.4, 3.8))
    ax.plot(n_all, cached, "o", color="C0", label=labels[1])
    grid = np.linspace(0, n_all.max(), 50)
    ax.plot(grid, (line["a"] + line["b"] * grid) * 1e3, "k--",
            label=f"a + b·n, R² = {line['r2']:.3f}")
    ax.set_ylim(0, cached.max() * 1.15)
    ax.set_xlabel("위치 n" if ko else "position n")
    ax.set_ylabel("ms")
    ax.set_title("캐시: 위치에 비례해 조금씩" if ko else "cached: a little more per position")
    fig2.legend(loc="outside lower center")
    return [fig1, fig2]
