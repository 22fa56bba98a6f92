"""The impulse response of the linear RNN h_t = a h_{t-1} + b x_t, next to scipy's IIR filter.

Lines: seqcore.linear_rnn on a unit impulse; circles: scipy.signal.lfilter([b], [1, -a]) on
the same impulse. A fixed window of p = 3 inputs (FIR) is drawn for contrast: it forgets
exactly after p steps, the recurrence never does.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import lfilter

from seqcore import linear_rnn

LABELS = {
    "ko": {"x": "입력 후 지난 시점 수 k", "y": "남은 영향 $g_k$",
           "title": "선형 RNN의 임펄스 응답\n선: seqcore, 원: scipy lfilter",
           "fir": "고정 창 p = 3 (FIR)"},
    "en": {"x": "steps since the input, k", "y": "remaining influence $g_k$",
           "title": "Impulse response of the linear RNN\nlines: seqcore, circles: scipy lfilter",
           "fir": "fixed window p = 3 (FIR)"},
}


def plot(lang: str):
    text = LABELS[lang]
    k = np.arange(25)
    impulse = np.zeros(k.size)
    impulse[0] = 1.0
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for a, color in ((0.9, "tab:blue"), (0.5, "tab:orange"), (-0.7, "tab:green")):
        ax.plot(k, linear_rnn(impulse, a, 1.0), color=color, label=f"a = {a}")
        ax.plot(k, lfilter([1.0], [1.0, -a], impulse), "o", color=color, mfc="none", ms=5)
    fir = np.zeros(k.size)
    fir[:3] = [0.5, 0.3, 0.2]
    ax.plot(k, fir, "s--", color="gray", ms=3, lw=1, label=text["fir"])
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"])
    ax.set_ylim(-0.8, 1.5)                # room above the curves for the legend
    ax.legend(loc="upper right", ncols=2)
    return fig
