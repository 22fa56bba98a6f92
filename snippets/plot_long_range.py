"""Recall the symbol D steps back, after D - 1 distractors: accuracy against D, RNN/LSTM/GRU.

Reads docs/_data/experiments/long_range.json (``python -m experiments long_range``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "long_range.json")
# model -> (label in ko, in en, colour, marker, line style)
MODELS = {"rnn": ("RNN", "RNN", "C0", "o", "-"),
          "lstm": ("LSTM", "LSTM", "C1", "s", "-"),
          "gru": ("GRU", "GRU", "C2", "^", "-"),
          "lstm_carry1": ("LSTM, 망각 편향 1", "LSTM, forget bias 1", "C1", "s", "--"),
          "gru_carry1": ("GRU, 업데이트 편향 1", "GRU, update bias 1", "C2", "^", "--")}


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    for name, (label_ko, label_en, color, marker, style) in MODELS.items():
        rows = r["models"][name]["results"]
        ax.plot([x["distance"] for x in rows], [x["accuracy"] for x in rows], marker=marker,
                color=color, ls=style, label=label_ko if ko else label_en)
    ax.axhline(r["chance"], color="gray", lw=0.8, ls="--")
    ax.annotate("우연 수준" if ko else "chance", (r["config"]["distances"][0], r["chance"]),
                xytext=(0, 4), textcoords="offset points", color="gray")
    ax.set_xscale("log", base=2)
    ax.set_xticks(r["config"]["distances"], [str(d) for d in r["config"]["distances"]])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("거리 D (방해 기호 수 + 1)" if ko else "distance D (distractors + 1)")
    ax.set_ylabel("정확도" if ko else "accuracy")
    ax.set_title(f"{r['config']['updates']}번 갱신 뒤, 파라미터 수를 맞춘 모델" if ko
                 else f"after {r['config']['updates']} updates, matched parameter counts")
    fig.legend(loc="outside lower center", ncols=2)
    return fig
