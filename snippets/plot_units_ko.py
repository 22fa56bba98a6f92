"""Korean in three units: held-out bits per character over the updates, and training's.

Reads docs/_data/experiments/units_ko.json (``python -m experiments units_ko``): GRU
language models of the same size on characters, BPE subwords and Kiwi morpheme pieces,
all scored on the same held-out text. One panel at full width; the legend sits below
the axes, off the curves.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "units_ko.json")
# unit -> (label in ko, in en, colour)
UNITS = {"char": ("글자", "characters", "C0"),
         "bpe": ("BPE 서브워드", "BPE subwords", "C1"),
         "morph": ("형태소 조각", "morpheme pieces", "C2")}


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    handles = []
    for unit, (label_ko, label_en, color) in UNITS.items():
        u = r["units"][unit]
        steps = u["eval_steps"]
        label = f"{label_ko if ko else label_en} ({u['final_bpc']:.2f})"
        handles += ax.plot(steps, u["held_out_bpc"], "-o", ms=3, color=color, label=label)
        ax.plot(steps[1:], u["train_bpc"][1:], "--", color=color, lw=1, alpha=0.7)
    # the untrained models start higher (held_out_bpc[0]); the axis shows where they end
    ax.set_ylim(2, 6)
    ax.set_xlabel("갱신 횟수" if ko else "updates")
    ax.set_ylabel("문자당 비트" if ko else "bits per character")
    ax.set_title("같은 검증 텍스트의 문자당 비트" if ko
                 else "Bits per character on the same held-out text")
    dashed = Line2D([], [], color="0.4", ls="--", lw=1)
    fig.legend([*handles, dashed],
               [*(h.get_label() for h in handles), "학습 (최근 갱신의 평균)" if ko
                else "training (mean of recent updates)"],
               loc="outside lower center", ncols=2,
               title="실선: 검증 (마지막 값), 점선: 학습" if ko
               else "solid: held out (final), dashed: training")
    return fig
