"""Gradient norm ‖∂h_T/∂h_{T-k}‖₂ against the gap k: vanishing and exploding."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from seqcore import jacobian_norms, rnn_forward

LABELS = {
    "ko": {"gap": "시간 간격 k = T − t", "norm": "‖∂h_T / ∂h_t‖₂ (로그 눈금)",
           "linear": "선형 영역 (h ≈ 0, tanh′ = 1)", "tanh": "tanh RNN, 무작위 입력",
           "rho": "스펙트럼 반경 ρ = {rho}"},
    "en": {"gap": "time gap k = T − t", "norm": "‖∂h_T / ∂h_t‖₂ (log scale)",
           "linear": "linear regime (h ≈ 0, tanh′ = 1)", "tanh": "tanh RNN, random inputs",
           "rho": "spectral radius ρ = {rho}"},
}


FONTS = ["Noto Sans CJK KR", "DejaVu Sans"]   # Hangul glyphs; DejaVu for the rest


def plot(lang: str) -> matplotlib.figure.Figure:
    with plt.rc_context({"font.family": FONTS}):
        return _draw(LABELS[lang])


def _draw(text: dict[str, str]) -> matplotlib.figure.Figure:
    rng = np.random.default_rng(0)
    n, T = 8, 40
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))        # orthogonal: every singular value 1
    W_xh = rng.normal(size=(n, 2))
    xs = rng.normal(size=(T, 2))
    k = np.arange(1, T + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for rho, color in ((0.5, "C0"), (0.9, "C1"), (1.0, "C2"), (1.5, "C3")):
        W_hh = rho * Q                                  # spectral radius and norm both ρ
        axes[0].semilogy(k, jacobian_norms(np.zeros((T, n)), W_hh), color=color,
                         label=text["rho"].format(rho=rho))
        H, _ = rnn_forward(xs, W_xh, W_hh)
        axes[1].semilogy(k, jacobian_norms(H, W_hh), color=color)
    for ax, title in zip(axes, (text["linear"], text["tanh"]), strict=True):
        ax.set_title(title)
        ax.set_xlabel(text["gap"])
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel(text["norm"])
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
