"""Learned attention weights: Bahdanau's and Luong's decoders on one test sentence.

Reads docs/_data/experiments/seq2seq.json (``python -m experiments seq2seq``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

DATA = (Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
        / "seq2seq.json")
MODELS = {"bahdanau": ("바다나우: 쿼리 $s_{i-1}$", "Bahdanau: query $s_{i-1}$"),
          "luong": ("루옹: 쿼리 $s_i$", "Luong: query $s_i$")}


def panel(example: dict, title: str, ko: bool):
    A = np.array(example["weights"])
    # the space between words is drawn as ␣, so that its column has a label
    source = [ch if ch != " " else "␣" for ch in example["source"]]
    output = [*example["output"], "</s>"][: A.shape[0]]
    fig, ax = plt.subplots(figsize=(3.4, 4.2))
    im = ax.imshow(A, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), source)
    ax.set_yticks(range(len(output)), output)
    ax.xaxis.tick_top()
    ax.set_xlabel("원문 글자 (인코더 상태 $h_j$)" if ko else "source characters ($h_j$)")
    ax.set_ylabel("출력 글자 (디코더 단계 $i$)" if ko else "output characters (step $i$)")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.08, pad=0.03, location="bottom",
                 label="$\\alpha_{ij}$")
    return fig


def plot(lang: str):
    ko = lang == "ko"
    r = json.loads(DATA.read_text(encoding="utf-8"))
    return [panel(r["models"][name]["attention"][0], title_ko if ko else title_en, ko)
            for name, (title_ko, title_en) in MODELS.items()]
