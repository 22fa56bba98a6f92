"""The bottleneck seen: test accuracy at each output character, with and without attention.

Reads docs/_data/experiments/seq2seq.json (``python -m experiments seq2seq``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "seq2seq.json")
MODELS = {"none": ("어텐션 없음", "no attention", "C3"),
          "none_matched": ("어텐션 없음, 같은 크기", "no attention, same size", "#f4a3a3"),
          "bahdanau": ("바다나우", "Bahdanau", "C0"),
          "luong": ("루옹", "Luong", "C2")}
POSITIONS = ["D", "D", ".", "M", "M", ".", "Y", "Y", "Y", "Y"]
#: the rate of a guess at the year's four digits (the first is never 0)
CHANCE = [1 / 9, 1 / 10, 1 / 10, 1 / 10]


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    x = np.arange(len(POSITIONS))
    for k, (name, (label_ko, label_en, color)) in enumerate(MODELS.items()):
        ax.bar(x + (k - 1.5) * 0.2, r["models"][name]["char_accuracy_by_position"], 0.2,
               color=color, label=label_ko if ko else label_en)
    # a guess at each year digit: 1 of 9 for the first (years 1000-9999), 1 of 10 after
    year = x[6:]
    ax.hlines(CHANCE, year - 0.45, year + 0.45, color="gray", lw=0.8, ls="--",
              label="찍기 (1/9, 1/10)" if ko else "a guess (1/9, then 1/10)")
    ax.set_xticks(x, POSITIONS)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("출력 위치 (DD.MM.YYYY)" if ko else "output position (DD.MM.YYYY)")
    ax.set_ylabel("테스트 정답률 (글자)" if ko else "test accuracy (character)")
    fig.legend(loc="outside lower center", ncols=2)
    return fig
