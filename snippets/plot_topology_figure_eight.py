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
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    closed = np.vstack([p, p[:1]])
    ax.plot(closed[:, 0], closed[:, 1], color="tab:blue", lw=2)
    ax.quiver([0, 0], [0, 0], J[:, 0], J[:, 1], angles="xy", scale_units="xy", scale=3,
              color=["tab:orange", "tab:green"], width=0.008)
    hit = p[pairs.ravel()]
    ax.scatter(hit[:, 0], hit[:, 1], s=50, facecolors="none", edgecolors="tab:red", zorder=3)
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-0.75, 0.75)
    label0, label1 = ("$e'(0)$", "$e'(\\pi)$")
    ax.annotate(label0, J[0] / 3, xytext=(4, 2), textcoords="offset points", color="tab:orange")
    ax.annotate(label1, J[1] / 3, xytext=(4, -10), textcoords="offset points", color="tab:green")
    if lang == "ko":
        ax.set_title(f"8자 곡선 $e(t) = (\\sin t, \\sin t \\cos t)$: 몰입, 임베딩 아님\n"
                     f"$e(0) = e(\\pi)$ (빨간 원: 찾은 교차 쌍 {len(pairs)}개), "
                     f"야코비안 계수 {rank.min()}", fontsize=10)
    else:
        ax.set_title(f"figure eight $e(t) = (\\sin t, \\sin t \\cos t)$: immersion, "
                     f"not an embedding\n$e(0) = e(\\pi)$ (red: {len(pairs)} crossing pairs "
                     f"found), Jacobian rank {rank.min()}", fontsize=10)
    fig.tight_layout()
    return fig
