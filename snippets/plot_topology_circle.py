"""The circle embedded in the plane, with tangent vectors from seqcore.jacobian."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import circle, immersion_rank, jacobian


def plot(lang: str):
    t = np.linspace(0, 2 * np.pi, 400)
    p = circle(t)
    ts = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    q, J = circle(ts), jacobian(circle, ts)[..., 0]
    rank, _ = immersion_rank(circle, t[:-1])
    fig, ax = plt.subplots(figsize=(3.6, 3.9))
    ax.plot(p[:, 0], p[:, 1], color="tab:blue", lw=2)
    ax.quiver(q[:, 0], q[:, 1], J[:, 0], J[:, 1], angles="xy", scale_units="xy", scale=3.5,
              color="tab:orange", width=0.008)
    ax.set_aspect("equal")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    if lang == "ko":
        ax.set_title(f"원 $c(t) = (\\cos t, \\sin t)$: 임베딩\n"
                     f"교차점 없음, 야코비안 계수 {rank.min()} (모든 점)")
    else:
        ax.set_title(f"circle $c(t) = (\\cos t, \\sin t)$: an embedding\n"
                     f"no crossing, Jacobian rank {rank.min()} everywhere")
    return fig
