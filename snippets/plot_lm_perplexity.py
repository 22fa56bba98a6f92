"""Validation and training perplexity over updates: RNN, LSTM, GRU on English and Korean.

Reads the records of ``python -m experiments lm_en lm_ko`` (docs/_data/experiments);
nothing is trained at build time. Character-level models at matched parameter counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

RECORDS = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
CELLS = {"rnn": ("RNN", "C0"), "lstm": ("LSTM", "C1"), "gru": ("GRU", "C2")}
TITLES = {"ko": {"lm_en": "영어 (Lee 코퍼스)", "lm_ko": "한국어 (헌법·의안)"},
          "en": {"lm_en": "English (Lee corpus)", "lm_ko": "Korean (constitution, bills)"}}


def plain_log_ticks(ax, ticks=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)):
    """A log axis labelled with plain numbers (2, 5, 10…) instead of 2×10⁰, 5×10⁰…"""
    from matplotlib.ticker import NullFormatter

    low, high = ax.get_ylim()
    ax.set_yticks([t for t in ticks if low <= t <= high], [f"{t:g}" for t in ticks
                                                          if low <= t <= high])
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot(lang: str):
    """One panel per language: side by side on a laptop, one under the other on a phone."""
    ko = lang == "ko"
    figures = []
    for name in ("lm_en", "lm_ko"):
        fig, ax = plt.subplots(figsize=(3.4, 3.6))
        r = json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))
        for cell, (label, color) in CELLS.items():
            m = r["models"][cell]
            steps = m["eval_steps"]
            ax.plot(steps, m["val_ppl"], "-", color=color,
                    label=f"{label} ({m['final_val_ppl']:.2f})")
            ax.plot(steps[1:], m["train_ppl"][1:], "--", color=color, lw=1, alpha=0.7)
        ax.set_yscale("log")
        plain_log_ticks(ax)
        ax.set_xlabel("갱신 횟수" if ko else "updates")
        ax.set_ylabel("퍼플렉서티 (문자)" if ko else "perplexity (characters)")
        ax.set_title(TITLES[lang][name])
        fig.legend(loc="outside lower center", ncols=2,
                   title="실선: 검증 (마지막 값), 점선: 학습" if ko
                   else "solid: validation (final), dashed: training")
        figures.append(fig)
    return figures
