"""Validation BLEU and exact-match accuracy over training, with and without attention.

Reads docs/_data/experiments/seq2seq.json (``python -m experiments seq2seq``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "seq2seq.json")
# model -> (label in ko, in en, colour, marker, line style)
MODELS = {"none": ("어텐션 없음", "no attention", "C3", "o", "-"),
          "none_matched": ("어텐션 없음, 같은 크기", "no attention, same size", "C3", "x", "--"),
          "bahdanau": ("바다나우", "Bahdanau", "C0", "s", "-"),
          "luong": ("루옹", "Luong", "C2", "^", "-")}
METRICS = {"bleu": ("검증 BLEU (글자 단위)", "validation BLEU (characters)"),
           "accuracy": ("검증 정확도 (완전 일치)", "validation accuracy (exact match)")}


def panel(r: dict, metric: str, ko: bool):
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    for name, (label_ko, label_en, color, marker, style) in MODELS.items():
        rows = r["models"][name]["validation"]
        ax.plot([x["step"] for x in rows], [x[metric] for x in rows], color=color, ls=style,
                marker=marker, ms=3, label=label_ko if ko else label_en)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("갱신 횟수" if ko else "updates")
    ax.set_ylabel(METRICS[metric][0] if ko else METRICS[metric][1])
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=1)
    return fig


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    return [panel(r, metric, ko) for metric in METRICS]
