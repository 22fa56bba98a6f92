"""RNN, LSTM and GRU language models compared: validation perplexity, and the rate sweep.

Reads the records of ``python -m experiments lm_en lm_ko`` (docs/_data/experiments);
nothing is trained at build time. Character-level models at matched parameter counts,
each at its own peak learning rate, chosen on validation from the same grid.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

RECORDS = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
CELLS = {"rnn": ("RNN", "C0", "o"), "lstm": ("LSTM", "C1", "s"), "gru": ("GRU", "C2", "^")}
TITLES = {"ko": {"lm_en": "영어 (Lee 코퍼스)", "lm_ko": "한국어 (헌법·의안)"},
          "en": {"lm_en": "English (Lee corpus)", "lm_ko": "Korean (constitution, bills)"}}


def plain_log(ax) -> None:
    """Label a log y axis with plain numbers (2, 5, 10, ...)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def curves(name: str, lang: str):
    """Validation perplexity of the three cells; the LSTM with forget bias 1 dotted."""
    ko = lang == "ko"
    r = json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    for cell, (label, color, _) in CELLS.items():
        m = r["models"][cell]
        ax.plot(m["eval_steps"], m["val_ppl"], "-", color=color,
                label=f"{label} ({m['final_val_ppl']:.2f})")
    extra = r["lstm_forget_bias_1"]
    ax.plot(extra["eval_steps"], extra["val_ppl"], ":", color="C1",
            label=f"{'LSTM, 망각 편향 1' if ko else 'LSTM, forget bias 1'} "
                  f"({extra['final_val_ppl']:.2f})")
    plain_log(ax)
    ax.set_xlabel("갱신 횟수" if ko else "updates")
    ax.set_ylabel("검증 퍼플렉서티 (문자)" if ko else "validation perplexity (characters)")
    ax.set_title(TITLES[lang][name])
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def rate_sweep(lang: str):
    """Final validation perplexity against the peak learning rate, per cell and language."""
    ko = lang == "ko"
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    for name, style in (("lm_en", "-"), ("lm_ko", "--")):
        r = json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))
        for cell, (label, color, marker) in CELLS.items():
            sweep = r["models"][cell]["lr_sweep"]
            ax.plot([s["lr"] for s in sweep], [s["final_val_ppl"] for s in sweep],
                    style, marker=marker, color=color,
                    label=label if name == "lm_en" else None)
    ax.set_xscale("log")
    # the three rates of the grid, and no minor ticks between them
    ax.set_xticks([s["lr"] for s in sweep], [f"{s['lr']:g}" for s in sweep])
    ax.xaxis.set_minor_locator(NullLocator())
    plain_log(ax)
    ax.yaxis.set_major_locator(FixedLocator([4, 5, 6, 8, 10, 12, 15, 20]))
    ax.set_xlabel("최대 학습률" if ko else "peak learning rate")
    ax.set_ylabel("마지막 검증 퍼플렉서티" if ko else "final validation perplexity")
    ax.set_title("실선: 영어, 점선: 한국어" if ko else "solid: English, dashed: Korean")
    fig.legend(loc="outside lower center", ncols=3)
    return fig


def plot(lang: str):
    """The two languages' curves, then the sweep: side by side on a laptop."""
    return [curves("lm_en", lang), curves("lm_ko", lang), rate_sweep(lang)]
