"""A vanilla RNN trained by SGD at a large step, with and without gradient clipping.

Reads docs/_data/experiments/clipping.json (``python -m experiments clipping``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments" / "clipping.json"


def plain_log_ticks(ax, ticks=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)):
    """A log axis labelled with plain numbers (2, 5, 10…) instead of 2×10⁰, 5×10⁰…"""
    from matplotlib.ticker import NullFormatter

    low, high = ax.get_ylim()
    ax.set_yticks([t for t in ticks if low <= t <= high], [f"{t:g}" for t in ticks
                                                          if low <= t <= high])
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot(lang: str):
    """Loss and gradient norm, one panel each: side by side on a laptop, stacked on a phone."""
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    clip = r["config"]["clip"]
    names = {"clipped": (f"클리핑 (c = {clip:g})" if ko else f"clipped (c = {clip:g})", "C0"),
             "unclipped": ("클리핑 없음" if ko else "not clipped", "C3")}
    loss_fig, ax_l = plt.subplots(figsize=(3.4, 3.4))
    grad_fig, ax_g = plt.subplots(figsize=(3.4, 3.4))
    for key, (label, color) in names.items():
        run = r["runs"][key]
        ax_l.plot(run["loss"], color=color, lw=1, label=label)
        ax_g.plot(run["grad_norm"], color=color, lw=1, label=label)
    ax_l.set_yscale("log")
    plain_log_ticks(ax_l)
    ax_l.set_xlabel("갱신 횟수" if ko else "updates")
    ax_l.set_ylabel("학습 손실" if ko else "training loss")
    ax_l.set_title(f"SGD, η = {r['config']['lr']:g}")
    ax_g.set_yscale("log")
    plain_log_ticks(ax_g, (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100))
    ax_g.axhline(clip, color="k", lw=0.8, ls="--")
    ax_g.set_xlabel("갱신 횟수" if ko else "updates")
    ax_g.set_ylabel("클리핑 전 기울기 노름" if ko else "norm before clipping")
    ax_g.set_title("기울기의 전체 노름" if ko else "global gradient norm")
    for fig in (loss_fig, grad_fig):
        fig.legend(*ax_l.get_legend_handles_labels(), loc="outside lower center", ncols=2)
    return [loss_fig, grad_fig]
