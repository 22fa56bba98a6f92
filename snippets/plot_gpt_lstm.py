"""The small GPT against the LSTM: validation perplexity over updates and over CPU time.

Reads the record of ``python -m experiments gpt_en`` (docs/_data/experiments); nothing
is trained at build time. Both models read the same batches of the Lee corpus and have
matched parameter counts; CPU time is training time of one thread, validation left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

RECORD = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments" / "gpt_en.json"
MODELS = {"gpt": ("GPT", "C3", "-"), "lstm": ("LSTM", "C1", "--")}


def _log_y(ax) -> None:
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator([4, 5, 6, 8, 10, 20, 40, 80]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def panel(lang: str, x_key: str):
    """One panel: both models' validation perplexity against ``x_key``."""
    ko = lang == "ko"
    r = json.loads(RECORD.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    for key, (label, color, style) in MODELS.items():
        m = r[key]
        ax.plot(m[x_key], m["val_ppl"], style, color=color,
                label=f"{label}, {m['params']:,} ({m['final_val_ppl']:.2f})")
    _log_y(ax)
    if x_key == "eval_steps":
        ax.set_xlabel("갱신 횟수" if ko else "updates")
    else:
        ax.set_xlabel("학습 CPU 시간 (초)" if ko else "training CPU time (s)")
    ax.set_ylabel("검증 퍼플렉서티 (문자)" if ko else "validation perplexity (characters)")
    fig.legend(loc="outside lower center", ncols=1)
    return fig


def plot(lang: str):
    """Over updates, then over CPU time: side by side on a laptop."""
    return [panel(lang, "eval_steps"), panel(lang, "cpu_seconds")]
