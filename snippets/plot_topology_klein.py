"""The figure-8 Klein bottle immersed in R^3, with its double curve found by seqcore."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import immersion_rank, klein_bottle, self_intersections


def plot(lang: str):
    n = 48
    u, v = np.meshgrid(np.linspace(0, 2 * np.pi, n + 1), np.linspace(0, 2 * np.pi, n + 1),
                       indexing="ij")
    K = klein_bottle(u, v)
    grid_u, grid_v = u[:-1, :-1], v[:-1, :-1]        # each point once: [0, 2π)²
    P = klein_bottle(grid_u, grid_v).reshape(-1, 3)
    Q = np.stack([grid_u.ravel(), grid_v.ravel()], axis=1)
    pairs = self_intersections(P, Q, tol=0.05, min_separation=0.5, domain="klein")
    rank, _ = immersion_rank(klein_bottle, grid_u, grid_v)
    fig = plt.figure(figsize=(4.6, 4.6))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(K[..., 0], K[..., 1], K[..., 2], cmap="viridis", alpha=0.55,
                    linewidth=0.2, edgecolor="0.3", rstride=2, cstride=2)
    hit = P[np.unique(pairs.ravel())]
    ax.scatter(hit[:, 0], hit[:, 1], hit[:, 2], color="tab:red", s=6, depthshade=False)
    ax.view_init(elev=28, azim=-60)
    ax.set_box_aspect((1, 1, 0.45))
    ax.set_xticks([-3, 0, 3])
    ax.set_yticks([-3, 0, 3])
    ax.set_zticks([-1, 0, 1])
    if lang == "ko":
        ax.set_title(f"ℝ³ 안의 클라인 병(8자 몰입)\n야코비안 계수 {rank.min()} (모든 격자점)\n"
                     f"빨간 점: 자기 교차 곡선 $v \\in \\{{0, \\pi\\}}$ ({len(pairs)}쌍)")
    else:
        ax.set_title(f"Klein bottle in ℝ³ (figure-8 immersion)\nJacobian rank {rank.min()} "
                     f"at every grid point\nred: the double curve $v \\in \\{{0, \\pi\\}}$ "
                     f"({len(pairs)} pairs)")
    return fig
