"""The figure eight: an immersion of the circle that meets itself at the origin."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import figure_eight, immersion_rank, jacobian, self_intersections


def plot(lang: str):
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    p = figure_eight(t)
    pairs = self_intersections(p, t[:, None], tol=0.02, min_separation=0.5)
    rank, _ = immersion_rank(figure_eight, t)
    ts = np.array([0.0, np.pi])                      # the two parameters of the double point
    J = jacobian(figure_eight, ts)[..., 0]
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    closed = np.vstack([p, p[:1]])
    ax.plot(closed[:, 0], closed[:, 1], color="tab:blue", lw=2)
    ax.quiver([0, 0], [0, 0], J[:, 0], J[:, 1], angles="xy", scale_units="xy", scale=3,
              color=["tab:orange", "tab:green"], width=0.008)
    hit = p[pairs.ravel()]
    ax.scatter(hit[:, 0], hit[:, 1], s=50, facecolors="none", edgecolors="tab:red", zorder=3)
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-0.75, 0.75)
    # each label beyond its arrow's tip, away from the curve; darker shades read as text
    ax.annotate("e′(0)", J[0] / 3, xytext=(6, 0), textcoords="offset points", va="center",
                color="#a64f00")
    ax.annotate("e′(π)", J[1] / 3, xytext=(-6, 0), textcoords="offset points", va="center",
                ha="right", color="#1e6b1e")
    if lang == "ko":
        ax.set_title(f"8자 곡선 $e(t) = (\\sin t, \\sin t \\cos t)$: 몰입, 임베딩 아님\n"
                     f"$e(0) = e(\\pi)$ (빨간 원: 찾은 교차 쌍 {len(pairs)}개)\n"
                     f"야코비안 계수 {rank.min()}")
    else:
        ax.set_title(f"figure eight $e(t) = (\\sin t, \\sin t \\cos t)$:\n"
                     f"an immersion, not an embedding\n$e(0) = e(\\pi)$ "
                     f"(red: {len(pairs)} crossing pairs found), Jacobian rank {rank.min()}")
    return fig
