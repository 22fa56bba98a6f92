"""Clipping by global norm keeps the direction; clipping by value does not (seqcore.clip_grad_*)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from seqcore import clip_grad_norm, clip_grad_value

LABELS = {
    "ko": {"norm": "전체 노름 클리핑 (c = 1)", "value": "값 클리핑 (c = 1)",
           "orig": "원래 기울기", "clipped": "클리핑 후"},
    "en": {"norm": "clipping by global norm (c = 1)", "value": "clipping by value (c = 1)",
           "orig": "original gradient", "clipped": "after clipping"},
}


FONTS = ["Noto Sans CJK KR", "DejaVu Sans"]   # Hangul glyphs; DejaVu for the rest


def plot(lang: str) -> matplotlib.figure.Figure:
    with plt.rc_context({"font.family": FONTS}):
        return _draw(LABELS[lang])


def _draw(text: dict[str, str]) -> matplotlib.figure.Figure:
    grads = [np.array(g) for g in ([2.4, 0.6], [0.5, 1.8], [-1.6, -1.2], [0.6, -0.3])]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.3), sharey=True)
    theta = np.linspace(0, 2 * np.pi, 200)
    axes[0].plot(np.cos(theta), np.sin(theta), color="gray", lw=1)          # ‖g‖ = 1
    axes[1].plot([-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1], color="gray", lw=1)  # |g_k| = 1
    for i, g in enumerate(grads):
        by_norm = clip_grad_norm([g], 1.0)[0][0]
        by_value = clip_grad_value([g], 1.0)[0]
        for ax, clipped in ((axes[0], by_norm), (axes[1], by_value)):
            ax.annotate("", xy=g, xytext=(0, 0), arrowprops=dict(
                arrowstyle="->", color=f"C{i}", alpha=0.35, lw=1.5))
            ax.annotate("", xy=clipped, xytext=(0, 0), arrowprops=dict(
                arrowstyle="->", color=f"C{i}", lw=2.2))
    axes[0].plot([], [], color="gray", alpha=0.4, label=text["orig"])
    axes[0].plot([], [], color="black", lw=2.2, label=text["clipped"])
    for ax, title in zip(axes, (text["norm"], text["value"]), strict=True):
        ax.set_title(title)
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-2.2, 2.2)
        ax.set_aspect("equal")
        ax.axhline(0, color="gray", lw=0.4)
        ax.axvline(0, color="gray", lw=0.4)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
