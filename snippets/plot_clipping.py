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


def plot(lang: str) -> list[matplotlib.figure.Figure]:
    """One panel per way of clipping; each shows the same four gradients."""
    text = LABELS[lang]
    grads = [np.array(g) for g in ([2.4, 0.6], [0.5, 1.8], [-1.6, -1.2], [0.6, -0.3])]
    figs = []
    for title, clip, bound in ((text["norm"], _by_norm, _circle()),
                               (text["value"], _by_value, _square())):
        fig, ax = plt.subplots(figsize=(3.4, 3.6))
        ax.plot(*bound, color="gray", lw=1)
        for i, g in enumerate(grads):
            ax.annotate("", xy=g, xytext=(0, 0), arrowprops=dict(
                arrowstyle="->", color=f"C{i}", alpha=0.35, lw=1.5))
            ax.annotate("", xy=clip(g), xytext=(0, 0), arrowprops=dict(
                arrowstyle="->", color=f"C{i}", lw=2.2))
        ax.plot([], [], color="gray", alpha=0.4, label=text["orig"])
        ax.plot([], [], color="black", lw=2.2, label=text["clipped"])
        ax.set_title(title)
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-2.2, 2.2)
        ax.set_aspect("equal")
        ax.axhline(0, color="gray", lw=0.4)
        ax.axvline(0, color="gray", lw=0.4)
        fig.legend(loc="outside lower center", ncols=2)
        figs.append(fig)
    return figs


def _by_norm(g: np.ndarray) -> np.ndarray:
    return clip_grad_norm([g], 1.0)[0][0]


def _by_value(g: np.ndarray) -> np.ndarray:
    return clip_grad_value([g], 1.0)[0]


def _circle() -> tuple[np.ndarray, np.ndarray]:
    theta = np.linspace(0, 2 * np.pi, 200)
    return np.cos(theta), np.sin(theta)                 # ‖g‖ = 1


def _square() -> tuple[list[int], list[int]]:
    return [-1, 1, 1, -1, -1], [-1, -1, 1, 1, -1]       # |g_k| = 1
