"""The RNN language model learning: training and validation perplexity, English and Korean.

Reads the records of ``python -m experiments lm_en lm_ko`` (docs/_data/experiments);
nothing is trained at build time. The RNN's run at the learning rate chosen on
validation; the LSTM and GRU beside it are on the LSTM and GRU page (lm_perplexity).
The validation curve is measured at each point; the training curve is not: each of
its points is exp of the mean training loss over the updates since the previous
point, taken while the weights changed, so it lags behind them.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

RECORDS = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments"
TITLES = {"ko": {"lm_en": "영어 (Lee 코퍼스)", "lm_ko": "한국어 (헌법·의안)"},
          "en": {"lm_en": "English (Lee corpus)", "lm_ko": "Korean (constitution, bills)"}}


def plot(lang: str):
    """One panel per language: side by side on a laptop, one under the other on a phone."""
    ko = lang == "ko"
    figures = []
    for name in ("lm_en", "lm_ko"):
        m = json.loads((RECORDS / f"{name}.json").read_text(encoding="utf-8"))["models"]["rnn"]
        fig, ax = plt.subplots(figsize=(3.4, 3.4))
        steps = m["eval_steps"]
        ax.plot(steps, m["val_ppl"], "-o", ms=3, color="C0",
                label="검증" if ko else "validation")
        # the mean over the updates since the previous evaluation: none before the first
        ax.plot(steps[1:], m["train_ppl"][1:], "--", color="C0", alpha=0.7,
                label="학습 (구간 평균)" if ko else "training (running mean)")
        ax.set_yscale("log")
        # plain numbers (2, 5, 10, ...) on the log axis
        ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("갱신 횟수" if ko else "updates")
        ax.set_ylabel("퍼플렉서티 (문자)" if ko else "perplexity (characters)")
        ax.set_title(TITLES[lang][name])
        fig.legend(loc="outside lower center", ncols=2, columnspacing=1.2)
        figures.append(fig)
    return figures
