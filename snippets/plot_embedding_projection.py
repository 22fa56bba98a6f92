"""2-D projection (PCA via SVD) of a few dozen skip-gram vectors trained on the Lee corpus.

Reads docs/_data/experiments/word2vec_lee.json, written by `python -m experiments
word2vec_lee`; nothing is
trained at build time. One panel per model: seqcore.train_skipgram and gensim Word2Vec.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "word2vec_lee.json")
GROUPS = {  # word -> group, for the colours
    **dict.fromkeys(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday"], 0),
    **dict.fromkeys(["january", "february", "march", "april", "december"], 1),
    **dict.fromkeys(["one", "two", "three", "four", "five", "six"], 2),
    **dict.fromkeys(["police", "officers", "army", "troops", "soldiers"], 3),
    **dict.fromkeys(["fire", "fires", "bushfires", "firefighters", "blaze"], 4),
    **dict.fromkeys(["australia", "sydney", "afghanistan", "israel", "palestinian",
                     "pakistan"], 5),
}


def pca_2d(X: np.ndarray) -> np.ndarray:
    """Project rows on the two leading principal directions (SVD of the centred matrix)."""
    Xc = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    return U[:, :2] * S[:2]


# text colours: tab10's hues, darkened so that words read on white (contrast >= 4.5:1)
INKS = ["#1f5f8b", "#b34d00", "#237a23", "#b01e1e", "#6f4a99", "#6b4038"]


def plot(lang: str):
    """One panel per model; every word labelled where it overlaps no other word."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    words = data["projection_words"]
    figs = []
    for model in ("seqcore", "gensim"):
        fig, ax = plt.subplots(figsize=(5.2, 4.6))
        P = pca_2d(np.array(data["vectors"][model]))
        colors = [INKS[GROUPS[w]] for w in words]
        ax.scatter(P[:, 0], P[:, 1], s=16, color=colors, zorder=3)
        title = {"seqcore": "seqcore.train_skipgram", "gensim": "gensim Word2Vec (sg=1)"}[model]
        ax.set_title(f"{title}\n" + ("Lee 코퍼스 스킵그램 벡터의 2차원 PCA 투영" if lang == "ko"
                                     else "skip-gram vectors of the Lee corpus, PCA to 2-D"))
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.margins(0.12)
        fig.draw_without_rendering()          # settle the layout, then keep it: the labels
        fig.set_layout_engine("none")         # are placed in its pixels
        place_labels(fig, ax, P, words, colors)
        figs.append(fig)
    return figs


def place_labels(fig, ax, points: np.ndarray, words: list[str], colors: list[str]) -> None:
    """Put each word next to its point where it covers no other word or point.

    Greedy: the candidate spots form rings around the point, nearest first; a word
    that had to move away from its point gets a thin line back to it.
    """
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    dots = [_box(*to_px(p), 3, 3) for p in points]
    taken: list[tuple[float, float, float, float]] = []
    frame = ax.get_window_extent(renderer)
    rings = [(r, a) for r in (5, 12, 20, 30, 42) for a in np.linspace(0, 2 * np.pi, 16,
                                                                     endpoint=False)]
    for i in np.argsort(-_crowding(points)):               # the most crowded first
        x, y = to_px(points[i])
        text = ax.annotate(words[i], points[i], xytext=(0, 0), textcoords="offset points",
                           color=colors[i], ha="center", va="center")
        w, h = (lambda e: (e.width, e.height))(text.get_window_extent(renderer))
        for r, a in rings:
            dx, dy = r * np.cos(a) + np.sign(np.cos(a)) * w / 2, r * np.sin(a)
            box = _box(x + dx, y + dy, w / 2, h / 2)
            clear = all(not _meets(box, o) for o in taken + dots) and _within(box, frame)
            if clear:
                break
        pt = 72 / fig.dpi                                    # display px -> points
        text.set_position((dx * pt, dy * pt))
        if r > 12:
            text.arrow_patch = None
            ax.annotate("", points[i], xytext=(dx * pt, dy * pt), textcoords="offset points",
                        arrowprops=dict(arrowstyle="-", color="0.6", lw=0.6, shrinkA=4,
                                        shrinkB=2))
        taken.append(box)


def _crowding(points: np.ndarray) -> np.ndarray:
    d = np.linalg.norm(points[:, None] - points[None], axis=-1)
    return (d < np.median(d) / 4).sum(axis=1)


def _box(cx: float, cy: float, hw: float, hh: float) -> tuple[float, float, float, float]:
    return cx - hw, cy - hh, cx + hw, cy + hh


def _meets(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _within(box, frame) -> bool:
    return box[0] >= frame.x0 and box[2] <= frame.x1 and box[1] >= frame.y0 and box[3] <= frame.y1
