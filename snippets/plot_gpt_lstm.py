"""The small GPT against the LSTM: validation perplexity over updates and over CPU time.

Reads the record of ``python -m experiments gpt_en`` (docs/_data/experiments); nothing
is trained at build time. Both models read the same batches of the Lee corpus and have
matched parameter counts; CPU time is training time of one thread, validation left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt

RECORD = Path(__file__).resolve().parent.parent / "docs" / "_data" / "experiments" / "gpt_en.json"
MODELS = {"gpt": ("GPT", "C3", "-"), "lstm": ("LSTM", "C1", "--")}


def panel(lang: str, x_key: str):
    """One panel: both models' validation perplexity against ``x_key``.

    From the first evaluation after training began: the values before it (the page
    quotes them) are far above the rest and would flatten the curves.
    """
    ko = lang == "ko"
    r = json.loads(RECORD.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    for key, (label, color, style) in MODELS.items():
        m = r[key]
        count = f"파라미터 {m['params']:,}개" if ko else f"{m['params']:,} parameters"
        ax.plot(m[x_key][1:], m["val_ppl"][1:], style, color=color,
                label=f"{label} ({count}): {m['final_val_ppl']:.2f}")
    ax.set_ylim(4, 15)
    ax.grid(alpha=0.3)
    first = r["gpt"]["eval_steps"][1]
    ax.set_title(f"{first}번째 갱신부터" if ko else f"from update {first} on")
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
