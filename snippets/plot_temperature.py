"""The next-word distribution of the autocomplete example at three temperatures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from seqcore import temperature_softmax, top_k_softmax

WORDS = ["go", "eat", "see", "sleep", "be", "run"]
P = np.array([0.40, 0.25, 0.15, 0.10, 0.06, 0.04])      # P(next | "I want to")
TAUS = (0.5, 1.0, 2.0)


def plot(lang: str):
    ko = lang == "ko"
    z = np.log(P)
    bars, ax = plt.subplots(figsize=(3.4, 3.6))
    x = np.arange(len(WORDS))
    width = 0.2
    for i, tau in enumerate(TAUS):
        ax.bar(x + (i - 1.5) * width, temperature_softmax(z, tau), width, label=f"τ = {tau:g}")
    ax.bar(x + 1.5 * width, top_k_softmax(z, 3), width, color="0.55",
           label="top-k, k = 3 (τ = 1)")
    ax.set_xticks(x, WORDS)
    ax.set_ylabel("확률" if ko else "probability")
    ax.set_title("“I want to ___”\n다음 단어 분포" if ko else "Next word after\n“I want to ___”")
    bars.legend(loc="outside lower center", ncols=2)

    curves, ax = plt.subplots(figsize=(3.4, 3.6))
    taus = np.geomspace(0.05, 20, 200)
    probs = np.array([temperature_softmax(z, t) for t in taus])
    for j in (0, 1, 5):
        ax.plot(taus, probs[:, j], label=WORDS[j])
    ax.axhline(1 / len(WORDS), color="0.6", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("온도 τ" if ko else "temperature τ")
    ax.set_ylabel("확률" if ko else "probability")
    ax.set_title("τ → 0: 탐욕\nτ → ∞: 균등" if ko else "τ → 0: greedy\nτ → ∞: uniform")
    curves.legend(loc="outside lower center", ncols=3)
    return [bars, curves]
