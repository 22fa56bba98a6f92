"""Gradient norm ‖∂h_T/∂h_{T-k}‖₂ against the gap k: vanishing and exploding."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from seqcore import jacobian_norms, rnn_forward

NORM = "$\\Vert \\partial h_T / \\partial h_t \\Vert_2$"
LABELS = {
    "ko": {"gap": "시간 간격 k = T − t", "norm": f"{NORM} (로그 눈금)",
           "linear": "선형 영역 (h ≈ 0, tanh′ = 1)", "tanh": "tanh RNN, 무작위 입력",
           "rho": "스펙트럼 반경"},
    "en": {"gap": "time gap k = T − t", "norm": f"{NORM} (log scale)",
           "linear": "linear regime (h ≈ 0, tanh′ = 1)", "tanh": "tanh RNN, random inputs",
           "rho": "spectral radius"},
}


def plot(lang: str) -> list[matplotlib.figure.Figure]:
    """Two panels on the same y scale: the linear regime, and a tanh RNN with inputs."""
    text = LABELS[lang]
    rng = np.random.default_rng(0)
    n, T = 8, 40
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))        # orthogonal: every singular value 1
    W_xh = rng.normal(size=(n, 2))
    xs = rng.normal(size=(T, 2))
    k = np.arange(1, T + 1)
    linear, ax_lin = plt.subplots(figsize=(3.4, 3.8))
    tanh, ax_tanh = plt.subplots(figsize=(3.4, 3.8))
    for rho, color in ((0.5, "C0"), (0.9, "C1"), (1.0, "C2"), (1.5, "C3")):
        W_hh = rho * Q                                  # spectral radius and norm both ρ
        label = f"ρ = {rho}"
        ax_lin.semilogy(k, jacobian_norms(np.zeros((T, n)), W_hh), color=color, label=label)
        H, _ = rnn_forward(xs, W_xh, W_hh)
        ax_tanh.semilogy(k, jacobian_norms(H, W_hh), color=color, label=label)
    for fig, ax, title in ((linear, ax_lin, text["linear"]), (tanh, ax_tanh, text["tanh"])):
        ax.set_title(title)
        ax.set_xlabel(text["gap"])
        ax.set_ylabel(text["norm"])
        ax.set_ylim(1e-13, 1e9)                          # one scale for both panels
        ax.grid(True, which="major", alpha=0.3)
        fig.legend(loc="outside lower center", ncols=2, title=text["rho"])
    return [linear, tanh]
